"""An urgent item shows in every moderator's header, on every page, even with JavaScript off."""

from __future__ import annotations

from tests.helpers.moderation import CRISIS


async def test_the_urgent_count_is_in_the_moderators_header_on_an_ordinary_page(forum) -> None:
    await forum.members("ash", "rowan", mod="sam")
    thread = await forum.thread("ash")
    await forum.reply("rowan", thread["id"], CRISIS)
    await forum.work()

    for path in ("/", f"/threads/{thread['id']}", "/search"):
        page = await forum.api.get(path, as_="sam")
        assert page.status_code == 200
        assert "1 urgent</a>" in page.text, path  # rendered by the server, not fetched by htmx

    member_page = await forum.api.get(f"/threads/{thread['id']}", as_="ash")
    assert "urgent</a>" not in member_page.text and 'id="mod-badge"' not in member_page.text


async def test_no_badge_when_nothing_is_urgent(forum) -> None:
    await forum.members("ash", mod="sam")
    await forum.thread("ash")
    await forum.work()
    page = await forum.api.get("/", as_="sam")
    assert 'id="mod-badge"' in page.text and "urgent</a>" not in page.text
