"""Thread and topic versions are kept by the database, so cached pages can never go stale.

Pages cache their data under these versions (forum/cache.py). Whatever changes a
thread, through any code path or plain SQL, must bump them; these tests change things the way
other packages (moderation, account deletion) do, not only through the discussion service.
"""

from __future__ import annotations

from sqlalchemy import select, text, update

from forum.discussions.models import Post, Thread, Topic


async def versions(app, thread_id: int) -> tuple[int, int]:
    async with app.state.db.session() as s:
        thread = await s.scalar(select(Thread).where(Thread.id == thread_id))
        topic = await s.scalar(select(Topic.version).where(Topic.id == thread.topic_id))
        return thread.version, topic


async def test_every_kind_of_change_bumps_the_thread_and_its_topic(api) -> None:
    app = api.client.app
    await api.member("ann")
    await api.member("bea")
    thread_id = (await api.post("/api/v1/topics/anxiety/threads", "ann",
                                json={"title": "Versions", "body": "first"})).json()["id"]
    seen = [await versions(app, thread_id)]

    async def changed(what: str) -> None:
        now = await versions(app, thread_id)
        assert now[0] > seen[-1][0], f"{what} did not bump the thread version"
        assert now[1] > seen[-1][1], f"{what} did not bump the topic version"
        seen.append(now)

    reply = (await api.post(f"/api/v1/threads/{thread_id}/posts", "bea", json={"body": "a reply"})).json()
    await changed("a reply")
    await api.post(f"/api/v1/posts/{reply['id']}/reactions", "ann", json={"kind": "thanks"})
    await changed("a reaction")
    await api.call("PATCH", f"/api/v1/posts/{reply['id']}", "bea", json={"warnings": ["medical"]})
    await changed("a post's warning")
    await api.call("PATCH", f"/api/v1/posts/{reply['id']}", "bea", json={"body": "edited"})
    await changed("an edit")
    async with app.state.db.session() as s:  # the way a moderator's action changes a post
        await s.execute(update(Post).where(Post.id == reply["id"]).values(status="hidden"))
        await s.commit()
    await changed("a status change by plain SQL")
    async with app.state.db.session() as s:
        await s.execute(text("DELETE FROM reactions"))
        await s.commit()
    await changed("deleting reactions")


async def test_a_post_hidden_behind_the_services_back_leaves_a_cached_page_at_once(api) -> None:
    app = api.client.app
    await api.member("ann")
    thread_id = (await api.post("/api/v1/topics/anxiety/threads", "ann",
                                json={"title": "Cache", "body": "opening"})).json()["id"]
    reply = (await api.post(f"/api/v1/threads/{thread_id}/posts", "ann", json={"body": "qx9 soon hidden"})).json()
    for _ in range(2):  # the second read is served from the cache
        page = await api.get(f"/threads/{thread_id}")
        assert "qx9 soon hidden" in page.text
    async with app.state.db.session() as s:
        await s.execute(update(Post).where(Post.id == reply["id"]).values(status="removed"))
        await s.commit()
    assert "qx9 soon hidden" not in (await api.get(f"/threads/{thread_id}")).text
    assert "qx9" not in (await api.get(f"/api/v1/threads/{thread_id}")).text
