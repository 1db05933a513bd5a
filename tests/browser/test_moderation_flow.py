"""A member reports a post; a moderator finds it in the queue and hides it in place; readers no
longer see it; the audit log says who did what."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "a-long-password-123"
UNKIND_REPLY = "Honestly, people like you are the reason this forum is so miserable."


def _sign_in(page: Page, url: str, name: str, next_path: str = "/") -> None:
    page.goto(f"{url}/login?next={next_path}")
    page.get_by_label("Your name here").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_report_then_hide_from_the_queue_then_gone_for_readers_and_in_the_log(page: Page, live_forum,
                                                                             artifacts: Path) -> None:
    live_forum.topic("anxiety", "Anxiety")
    ash = live_forum.member("ash")
    bob = live_forum.member("bob")
    live_forum.member("cal")
    live_forum.member("sam", role="moderator")
    status, thread = live_forum.api("POST", "/api/v1/topics/anxiety/threads",
                                    {"title": "Sleep after a panic attack", "body": "How do you all wind down?"}, ash)
    assert status == 201, thread
    status, reply = live_forum.api("POST", f"/api/v1/threads/{thread['id']}/posts", {"body": UNKIND_REPLY}, bob)
    assert status == 201, reply
    thread_url = f"{live_forum.url}/threads/{thread['id']}"

    # cal reports bob's reply from the thread page.
    _sign_in(page, live_forum.url, "cal", f"/threads/{thread['id']}")
    page.locator(f"#post-{reply['id']}").get_by_role("link", name="Report").click()
    page.get_by_label("Unkind or harassing").check()
    page.get_by_label("Anything the moderators should know?").fill("This was aimed at ash.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("Thank you for telling us. A moderator will look at it soon.")).to_be_visible()
    page.context.clear_cookies()

    # sam finds it in the queue, with the reason, and hides it without leaving the page.
    _sign_in(page, live_forum.url, "sam", "/mod/queue")
    expect(page.get_by_role("status").filter(has_text="waiting").first).to_contain_text("1 waiting")
    card = page.locator(f"#card-{reply['id']}")
    expect(card).to_contain_text("Unkind or harassing")
    expect(card).to_contain_text("This was aimed at ash.")
    expect(card).to_contain_text(UNKIND_REPLY)
    page.screenshot(path=str(artifacts / "moderation-queue-card.png"), full_page=True)
    page.evaluate("window.__sameDocument = true")
    card.get_by_role("button", name="Hide").click()
    expect(card).to_contain_text("Hidden: only bob and the moderators can see it now.")
    expect(card.get_by_role("button", name="Undo")).to_be_visible()
    expect(page.locator("#queue-count")).to_have_text("0 waiting")
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded instead of replacing the card"
    page.screenshot(path=str(artifacts / "moderation-hidden-in-place.png"), full_page=True)

    # The audit log has it.
    page.goto(f"{live_forum.url}/mod/log")
    row = page.locator("table.mod-log tbody tr").first
    expect(row).to_contain_text("sam")
    expect(row).to_contain_text("hid")
    expect(row).to_contain_text("Sleep after a panic attack")
    page.screenshot(path=str(artifacts / "moderation-log.png"), full_page=True)
    page.context.clear_cookies()

    # Readers, signed in or not, no longer see it.
    page.goto(thread_url)
    expect(page.get_by_text("How do you all wind down?")).to_be_visible()
    expect(page.get_by_text(UNKIND_REPLY)).to_have_count(0)
    _sign_in(page, live_forum.url, "cal", f"/threads/{thread['id']}")
    expect(page.get_by_text("How do you all wind down?")).to_be_visible()
    expect(page.get_by_text(UNKIND_REPLY)).to_have_count(0)
    status, answer = live_forum.api("GET", f"/api/v1/threads/{thread['id']}")
    assert status == 200 and reply["id"] not in [p["id"] for p in answer["posts"]]
