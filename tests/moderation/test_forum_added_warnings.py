"""A post the crisis check fires on goes out with the matching warning, added by the forum, so readers who
asked to be warned (or not to see it) are protected; only a moderator removes it."""

from __future__ import annotations

from tests.helpers.moderation import CRISIS, KIND

# The issue's own example: a new member typed this and got no panel and no flag.
PILLS_READY = "I can't do this anymore, I have the pills ready tonight"


def tags(post: dict) -> dict[str, str]:
    return {t["slug"]: t["added_by"] for t in post["warning_details"]}


async def posts_of(forum, thread_id: int, as_: str | None = None) -> dict[int, dict]:
    r = await forum.api.get(f"/api/v1/threads/{thread_id}", as_=as_)
    assert r.status_code == 200, r.text
    return {p["id"]: p for p in r.json()["posts"]}


async def test_a_crisis_reply_is_published_with_a_suicide_warning_added_by_the_forum(forum) -> None:
    await forum.members("ash", "rowan")
    thread = await forum.thread("ash")
    reply = await forum.reply("rowan", thread["id"], CRISIS)
    ordinary = await forum.reply("ash", thread["id"], KIND)

    posts = await posts_of(forum, thread["id"], as_="ash")
    assert tags(posts[reply["id"]]) == {"suicide": "forum"}
    assert posts[reply["id"]]["warning_mode"] == "warn", "suicide is collapsed by default"
    assert tags(posts[ordinary["id"]]) == {}


async def test_the_issues_example_shows_help_raises_a_flag_and_is_warned(forum) -> None:
    await forum.members("ash", "newcomer", mod="sam")
    thread = await forum.thread("ash")
    reply = await forum.reply("newcomer", thread["id"], PILLS_READY)
    assert reply["crisis_resources"], "the writer sees help at once"
    await forum.work()
    item = await forum.item_for("sam", reply["id"])
    assert item["urgent"] is True
    assert "suicide" in tags((await posts_of(forum, thread["id"]))[reply["id"]])


async def test_a_reader_who_hides_suicide_never_gets_the_post(forum) -> None:
    await forum.members("ash", "rowan", "dee")
    r = await forum.api.client.put("/api/v1/me/warning-preferences", headers=forum.api.auth("dee"),
                                   json={"suicide": "hide"})
    assert r.status_code == 200, r.text
    thread = await forum.thread("ash")
    reply = await forum.reply("rowan", thread["id"], CRISIS)

    assert reply["id"] not in await posts_of(forum, thread["id"], as_="dee")
    page = await forum.api.get(f"/threads/{thread['id']}", as_="dee")
    assert page.status_code == 200 and "kill myself" not in page.text
    assert reply["id"] in await posts_of(forum, thread["id"], as_="ash")


async def test_the_warned_card_says_the_forum_added_it(forum) -> None:
    await forum.members("ash", "rowan")
    thread = await forum.thread("ash")
    await forum.reply("rowan", thread["id"], CRISIS)
    page = await forum.api.get(f"/threads/{thread['id']}", as_="ash")
    assert "This post mentions suicide" in page.text
    assert "(added by the forum)" in page.text


async def test_a_crisis_thread_is_warned_as_a_whole(forum) -> None:
    await forum.members("ash", "dee")
    thread = await forum.thread("ash", "I can't go on", CRISIS)
    r = await forum.api.get(f"/api/v1/threads/{thread['id']}", as_="dee")
    assert {t["slug"]: t["added_by"] for t in r.json()["thread"]["warning_details"]} == {"suicide": "forum"}


async def test_the_author_cannot_take_the_forums_warning_off_but_a_moderator_can(forum) -> None:
    await forum.members("ash", "rowan", mod="sam")
    thread = await forum.thread("ash")
    reply = await forum.reply("rowan", thread["id"], CRISIS)

    r = await forum.api.call("PATCH", f"/api/v1/posts/{reply['id']}", as_="rowan", json={"warnings": []})
    assert r.status_code == 200, r.text
    assert tags((await posts_of(forum, thread["id"]))[reply["id"]]) == {"suicide": "forum"}

    await forum.work()
    item = await forum.item_for("sam", reply["id"])
    r = await forum.resolve("sam", item["id"], "warnings", warnings=["self-harm"])
    assert r.status_code == 200, r.text
    assert tags((await posts_of(forum, thread["id"]))[reply["id"]]) == {"self-harm": "moderator"}


async def test_an_ordinary_post_gets_no_warning_from_the_forum(forum) -> None:
    await forum.members("ash")
    thread = await forum.thread("ash", "Morning all", "Good morning all. Quiet day here, kettle's on.")
    r = await forum.api.get(f"/api/v1/threads/{thread['id']}")
    assert r.json()["thread"]["warnings"] == []
