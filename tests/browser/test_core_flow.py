"""A newcomer joins, starts a thread, and a reply appears in place without a page load."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect


def test_join_start_a_thread_reply_in_place_and_find_it_after_reload(page: Page, live_forum, artifacts: Path) -> None:
    live_forum.topic("anxiety", "Anxiety")
    page.goto(live_forum.url + "/register")
    page.get_by_label("Your name here (a pseudonym is fine)").fill("willow")
    page.get_by_label("Password", exact=True).fill("a-long-password-123")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("Welcome, willow.")).to_be_visible()

    page.get_by_role("link", name="Anxiety").first.click()
    page.get_by_role("link", name="Start a thread").click()
    page.get_by_label("Title").fill("First week back at work")
    page.get_by_label("Your words").fill("My chest was tight all morning but I *made it* through.")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("heading", name="First week back at work")).to_be_visible()
    thread_url = page.url

    # The reply goes in place via htmx: no navigation, the form resets, the post is there.
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Your reply").fill("Proud of you for getting through **today**.")
    page.get_by_role("button", name="Post", exact=True).click()
    reply = page.locator("#posts .post").filter(has_text="Proud of you for getting through")
    expect(reply).to_be_visible()
    expect(reply.locator("strong")).to_have_text("today")
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded instead of swapping in place"
    expect(page.get_by_label("Your reply")).to_have_value("")
    page.screenshot(path=str(artifacts / "core-reply-in-place.png"), full_page=True)

    page.goto(thread_url)
    expect(page.locator("#posts .post")).to_have_count(2)
    expect(page.locator("#posts")).to_contain_text(re.compile("Proud of you for getting through"))
