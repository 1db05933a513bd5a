"""The author's moment, in a real browser: after posting words the crisis check fires on, the
panel is on screen, holds focus (with JavaScript), and every call and text option is one tap.

A phone (390×844) with JavaScript on and off, and a desktop with JavaScript on. The thread is long
enough that the composer sits far below the first post, as on a real evening's thread.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

CRISIS = "I'm going to kill myself tonight."
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TEL = re.compile(r"tel:\+?\d+")


def _long_thread(live_forum: Any) -> tuple[int, str]:
    live_forum.topic("anxiety", "Anxiety")
    token = live_forum.member("ash")
    words = "The evenings are the hardest. " * 12
    status, thread = live_forum.api("POST", "/api/v1/topics/anxiety/threads",
                                    {"title": "Evenings", "body": words}, token)
    assert status == 201, thread
    for n in range(6):
        live_forum.api("POST", f"/api/v1/threads/{thread['id']}/posts", {"body": f"Day {n}. {words}"}, token)
    return thread["id"], token


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Your name here").fill("ash")
    page.get_by_label("Password", exact=True).fill("a-long-password-123")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def _in_viewport(page: Page, selector: str) -> tuple[dict[str, float], dict[str, int]]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not rendered"
    size = page.viewport_size
    assert size is not None
    inside = (box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"] + 0.5
              and box["y"] + box["height"] <= size["height"] + 0.5)
    assert inside, f"{selector} at {box} is not inside the {size['width']}×{size['height']} window"
    return box, size


def _assert_tappable_links(page: Page, panel: str) -> None:
    """Each call and text link in the panel: one number, one href, at least 44 px to tap."""
    shown = page.locator(f"{panel} > .crisis-resources a.reach-link")
    assert shown.count() >= 4
    hrefs = [shown.nth(i).get_attribute("href") or "" for i in range(shown.count())]
    # Chromium sent en-GB: the UK's services first, then what works anywhere.
    assert hrefs == ["tel:999", "tel:116123", "sms:85258?&body=SHOUT", "tel:112"], hrefs
    page.locator(f"{panel} .other-countries > summary").click()
    links = page.locator(f"{panel} a.reach-link")
    for i in range(links.count()):
        link = links.nth(i)
        href = link.get_attribute("href") or ""
        assert TEL.fullmatch(href) or re.fullmatch(r"sms:\d+(\?&body=[A-Z]+)?", href), href
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44, (href, box)
    other = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert {"tel:911", "tel:988", "sms:988", "sms:741741?&body=HOME", "sms:686868?&body=CONNECT",
            "tel:18006686868", "tel:000", "tel:131114"} <= set(other)


@pytest.mark.parametrize(("viewport", "javascript", "name"), [
    (PHONE, True, "phone-js"), (PHONE, False, "phone-no-js"), (DESKTOP, True, "desktop-js")])
def test_after_a_reply_that_worries_us_the_panel_is_in_view_and_every_way_to_reach_help_is_one_tap(
        browser: Browser, live_forum, artifacts: Path, viewport: dict[str, int], javascript: bool,
        name: str) -> None:
    thread_id, _ = _long_thread(live_forum)
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript, locale="en-GB",
                                  has_touch=viewport is PHONE)
    page = context.new_page()
    try:
        _sign_in(page, live_forum.url)
        page.goto(f"{live_forum.url}/threads/{thread_id}")
        composer = page.get_by_label("Your reply")
        composer.fill(CRISIS)
        if javascript:
            page.evaluate("window.__sameDocument = true")
        page.get_by_role("button", name="Post", exact=True).click()

        panel = "#composer-notice .crisis-panel"
        if javascript:
            page.wait_for_selector(f"{panel}[data-crisis-shown]")
            assert page.evaluate("window.__sameDocument") is True, "the reply went in place, by htmx"
            assert page.evaluate("document.activeElement.id") == "crisis-help-title", "the panel holds focus"
        else:
            page.wait_for_url(re.compile(rf"/threads/{thread_id}#crisis-help$"))
            expect(page.locator(panel)).to_be_visible()
        assert page.locator(panel).evaluate("el => !!el.closest('[aria-live]')"), "inside a live region"
        _in_viewport(page, panel)
        expect(page.locator(f"{panel} h2")).to_have_text("It sounds like things are really hard right now.")
        page.screenshot(path=str(artifacts / f"crisis-panel-{name}.png"))
        # The post itself is published as always.
        expect(page.locator("#posts .post").filter(has_text="kill myself tonight")).to_have_count(1)
        _assert_tappable_links(page, panel)
    finally:
        context.close()


def test_a_preview_that_worries_us_shows_the_panel_in_view_by_the_preview(browser: Browser, live_forum,
                                                                         artifacts: Path) -> None:
    thread_id, _ = _long_thread(live_forum)
    context = browser.new_context(viewport=PHONE, locale="en-GB", has_touch=True)
    page = context.new_page()
    try:
        _sign_in(page, live_forum.url)
        page.goto(f"{live_forum.url}/threads/{thread_id}")
        page.get_by_label("Your reply").fill(CRISIS)
        page.get_by_role("button", name="Preview", exact=True).click()
        panel = ".preview-area .crisis-panel"
        page.wait_for_selector(f"{panel}[data-crisis-shown]")
        _in_viewport(page, panel)
        assert page.evaluate("document.activeElement.id") == "crisis-help-preview-title"
        assert page.locator(panel).evaluate("el => el.closest('[aria-live]') !== null")
        page.screenshot(path=str(artifacts / "crisis-panel-preview-phone-js.png"))
        # Nothing was posted: a preview stores nothing.
        expect(page.locator("#posts .post").filter(has_text="kill myself tonight")).to_have_count(0)
    finally:
        context.close()
