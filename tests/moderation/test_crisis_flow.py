"""Someone writes that they are in danger: they see help at once, stay heard, and a moderator is told first."""

from __future__ import annotations

from tests.helpers.moderation import CRISIS, KIND, THREAT


async def test_a_reply_with_clear_intent_answers_with_resources_stays_published_and_tops_the_queue(forum) -> None:
    await forum.members("ash", "rowan", mod="sam")
    thread = await forum.thread("ash", "Anyone else awake?", KIND)
    # Something else is already waiting, so "tops the queue" means something.
    threat = await forum.reply("ash", thread["id"], THREAT)

    answer = await forum.reply("rowan", thread["id"], CRISIS)

    assert answer["crisis_resources"], "the author must see crisis resources in the same answer"
    names = [r["name"] for r in answer["crisis_resources"]]
    assert "Samaritans" in names and any("988" in n for n in names)
    assert answer["status"] == "published"
    await forum.work()
    items = await forum.queue("sam")
    assert items[0]["post"]["id"] == answer["id"]
    assert items[0]["sources"] == ["crisis"] and items[0]["urgent"] is True
    assert items[0]["crisis"]["category"] in ("intent", "in_progress")
    assert any(i["post"]["id"] == threat["id"] for i in items[1:])
    # Still there for everyone: people must be able to say they are struggling.
    assert answer["id"] in await forum.thread_post_ids(thread["id"])


async def test_an_ordinary_reply_has_no_resources_and_no_flag(forum) -> None:
    await forum.members("ash", mod="sam")
    thread = await forum.thread("ash")
    answer = await forum.reply("ash", thread["id"], "This exam is killing me, but I'll get through it.")
    await forum.work()
    assert answer["crisis_resources"] is None
    assert await forum.queue("sam") == []


async def test_the_preview_shows_resources_before_anything_is_stored(forum) -> None:
    await forum.members("ash", mod="sam")
    r = await forum.api.post("/api/v1/posts/preview", as_="ash", json={"body": CRISIS})
    assert r.status_code == 200
    assert r.json()["crisis_resources"]
    await forum.work()
    assert await forum.queue("sam") == []


async def test_the_crisis_event_delivered_twice_makes_one_flag(forum) -> None:
    from sqlalchemy import update

    from forum.outbox.models import OutboxEvent

    await forum.members("ash", "rowan", mod="sam")
    thread = await forum.thread("ash")
    answer = await forum.reply("rowan", thread["id"], CRISIS)
    await forum.work()
    async with forum.db.session() as s:  # the worker crashed after its work, before marking events done
        await s.execute(update(OutboxEvent).values(done_at=None, completed=[]))
        await s.commit()
    await forum.work()
    items = await forum.queue("sam")
    assert [i["post"]["id"] for i in items] == [answer["id"]]
    assert len(items[0]["flag_ids"]) == 1


async def test_approving_a_crisis_flag_leaves_the_post_up_and_logs_it(forum) -> None:
    await forum.members("ash", "rowan", mod="sam")
    thread = await forum.thread("ash")
    answer = await forum.reply("rowan", thread["id"], CRISIS)
    await forum.work()
    item = await forum.item_for("sam", answer["id"])

    r = await forum.resolve("sam", item["id"], "approve", "Sent rowan a kind message with the helplines.")

    assert r.status_code == 200, r.text
    assert await forum.post_status(answer["id"]) == "published"
    assert await forum.queue("sam") == []
    entry = (await forum.log("sam"))[0]
    assert entry["action"] == "approve" and entry["actor"] == "sam"
    assert entry["reason"] == "Sent rowan a kind message with the helplines."


async def test_crisis_resources_come_from_the_admin_edited_list(forum) -> None:
    from sqlalchemy import update

    from moderation.models import CrisisResource

    await forum.members("ash")
    async with forum.db.session() as s:
        await s.execute(update(CrisisResource).where(CrisisResource.name != "Samaritans").values(active=False))
        await s.commit()
    thread = await forum.thread("ash")
    answer = await forum.reply("ash", thread["id"], CRISIS)
    assert [r["name"] for r in answer["crisis_resources"]] == ["Samaritans"]
