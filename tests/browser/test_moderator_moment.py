"""In a real browser: an urgent post arrives while a moderator has the queue open. It appears under
"Just arrived" on its own, the header badge counts it, and the card the moderator was writing a
reason on is left exactly as it was (no reload, no swap, no jump)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "a-long-password-123"
URGENT = "I'm going to kill myself tonight."


def test_an_urgent_post_appears_in_the_open_queue_and_the_badge_without_disturbing_the_card_in_hand(
        page: Page, live_forum, artifacts: Path) -> None:
    live_forum.topic("anxiety", "Anxiety")
    ash = live_forum.member("ash")
    rowan = live_forum.member("rowan")
    cal = live_forum.member("cal")
    live_forum.member("sam", role="moderator")
    status, thread = live_forum.api("POST", "/api/v1/topics/anxiety/threads",
                                    {"title": "Anyone else awake?", "body": "Can't sleep again."}, ash)
    assert status == 201, thread
    status, meh = live_forum.api("POST", f"/api/v1/threads/{thread['id']}/posts", {"body": "Whatever."}, ash)
    assert status == 201
    assert live_forum.api("POST", f"/api/v1/posts/{meh['id']}/reports", {"reason": "spam"}, cal)[0] == 201

    page.goto(f"{live_forum.url}/login?next=/mod/queue")
    page.get_by_label("Your name here").fill("sam")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#queue-count")).to_have_text("1 waiting")
    expect(page.locator("#mod-badge")).to_have_text("")
    reason = page.locator(f"#card-{meh['id']} textarea[name=reason]")
    reason.fill("Looks like a test post, checking with ash first")
    page.evaluate("window.__sameDocument = true")

    status, reply = live_forum.api("POST", f"/api/v1/threads/{thread['id']}/posts", {"body": URGENT}, rowan)
    assert status == 201 and reply["crisis_resources"]

    arrived = page.locator(f"#queue-new #card-{reply['id']}")
    expect(arrived).to_be_visible(timeout=25_000)  # the queue polls every 15 s
    expect(arrived).to_contain_text("Just arrived")
    expect(arrived).to_contain_text("The crisis check noticed")
    expect(arrived.get_by_role("link", name="Reply in the thread")).to_be_visible()
    expect(page.locator("#queue-count")).to_have_text("2 waiting, 1 urgent")
    expect(page.locator("#mod-badge")).to_contain_text("1 urgent")
    page.screenshot(path=str(artifacts / "moderation-queue-just-arrived.png"), full_page=True)

    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    assert reason.input_value() == "Looks like a test post, checking with ash first", "the card in hand was swapped"
    assert page.locator(f"#card-{meh['id']}").count() == 1 and page.locator(f"#card-{reply['id']}").count() == 1

    # Elsewhere in the forum, the header still says so.
    page.goto(f"{live_forum.url}/")
    expect(page.locator("#mod-badge")).to_contain_text("1 urgent")
    page.locator("#mod-badge").get_by_role("link").click()
    expect(page).to_have_url(f"{live_forum.url}/mod/queue")
