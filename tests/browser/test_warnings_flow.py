"""A visitor chooses how to meet self-harm content: behind a notice, then not at all, then the
gentler view that hides everything tagged. A real browser on a real `forum serve`."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect


def test_a_visitor_warns_then_hides_self_harm_and_turns_on_the_gentler_view(page: Page, live_forum,
                                                                             artifacts: Path) -> None:
    live_forum.topic("anxiety", "Anxiety")
    token = live_forum.member("rowan")

    def start(title: str, body: str, warnings: list[str]) -> int:
        status, answer = live_forum.api("POST", "/api/v1/topics/anxiety/threads",
                                        {"title": title, "body": body, "warnings": warnings}, token)
        assert status == 201, answer
        return answer["id"]

    thread_id = start("Getting through the evenings", "Evenings are the hardest part of my day.", [])
    status, answer = live_forum.api("POST", f"/api/v1/threads/{thread_id}/posts",
                                    {"body": "Last night the urge came back, and I held ice instead.",
                                     "warnings": ["self-harm"]}, token)
    assert status == 201, answer
    start("Scars in summer", "Deciding whether to wear short sleeves.", ["self-harm"])
    start("After the operation", "Recovering slowly from surgery.", ["medical"])

    # 1. Self-harm behind a notice: the post is collapsed, named, and opens on a click.
    page.goto(live_forum.url + "/settings/warnings")
    page.get_by_label("Warn Self-harm").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Saved. Every page now follows these choices.")).to_be_visible()

    page.goto(f"{live_forum.url}/threads/{thread_id}")
    warned = page.locator("details.warned").filter(has_text=re.compile("mentions self-harm", re.I))
    expect(warned).to_have_count(1)
    hidden_words = page.get_by_text("Last night the urge came back")
    expect(hidden_words).to_be_hidden()
    page.screenshot(path=str(artifacts / "warnings-1-notice.png"), full_page=True)
    warned.get_by_text("Show post").click()
    expect(hidden_words).to_be_visible()
    page.screenshot(path=str(artifacts / "warnings-2-revealed.png"), full_page=True)

    # 2. Self-harm hidden: the post is gone, and a quiet line says something was left out.
    page.goto(live_forum.url + "/settings/warnings")
    page.get_by_label("Hide Self-harm").check()
    page.get_by_role("button", name="Save my choices").click()
    page.goto(f"{live_forum.url}/threads/{thread_id}")
    expect(page.get_by_text("Evenings are the hardest part of my day.")).to_be_visible()
    expect(page.get_by_text("Last night the urge came back")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"1 post hidden by your settings"))).to_be_visible()
    page.screenshot(path=str(artifacts / "warnings-3-hidden.png"), full_page=True)

    # 3. The gentler view from the header: every tagged thread leaves the topic list.
    page.goto(live_forum.url + "/topics/anxiety")
    expect(page.get_by_text("After the operation")).to_be_visible()
    page.locator("summary", has_text="Gentler view").click()
    page.get_by_role("button", name="For an hour").click()
    expect(page.get_by_text(re.compile("Gentler view is on"))).to_be_visible()
    threads = page.locator(".thread-list")
    expect(threads).to_contain_text("Getting through the evenings")
    expect(threads).not_to_contain_text("Scars in summer")
    expect(threads).not_to_contain_text("After the operation")
    expect(page.get_by_text(re.compile(r"2 threads hidden by your settings"))).to_be_visible()
    page.screenshot(path=str(artifacts / "warnings-4-gentle.png"), full_page=True)
