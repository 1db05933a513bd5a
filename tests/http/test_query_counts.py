"""A page issues a fixed number of SQL statements, however many posts or threads it shows."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event

from forum.accounts.services import AccountService
from forum.discussions.writing import DiscussionWriter
from forum.warnings.services import WarningInput
from tests.helpers.pages import another_browser, form_post, sign_in

AUTHORS = ("alice", "bob", "carol", "dan")


@contextlib.contextmanager
def counting_statements(app: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = app.state.db.engine.sync_engine
    app.state.db.cache.clear()  # every measured request starts from the same cache state
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def statements_for(client: Any, path: str) -> list[str]:
    with counting_statements(client.app) as statements:
        r = await client.get(path)
    assert r.status_code == 200, r.text
    return statements


async def _members(api: Any) -> dict[str, Any]:
    for name in AUTHORS:
        await api.member(name)
    async with api.client.app.state.db.session() as s:
        return {name: (await AccountService(s).by_username(name)).id for name in AUTHORS}


async def thread_with(app: Any, posts: int, tag_every: int = 3) -> int:
    """A thread of `posts` posts by several authors, some tagged, some with reactions."""
    async with app.state.db.session() as s:
        accounts, service = AccountService(s), DiscussionWriter(s)
        members = [await accounts.by_username(name) for name in AUTHORS]
        done = await service.create_thread(members[0], "anxiety", f"A thread of {posts}", "Opening post.")
        thread_id = done.thread.id
        for n in range(1, posts):
            tags = WarningInput(("medical",)) if n % tag_every == 0 else WarningInput()
            reply = await service.reply(members[n % len(members)], thread_id, f"Post {n}", tags)
            for kind in ("relate", "support")[: n % 3]:
                await service.toggle_reaction(members[(n + 1) % len(members)], reply.post.id, kind,
                                              await service.warnings.reader_for(members[(n + 1) % len(members)]))
        return thread_id


async def topic_with(app: Any, slug: str, threads: int) -> None:
    async with app.state.db.session() as s:
        accounts, service = AccountService(s), DiscussionWriter(s)
        await service.save_topic(slug, slug.title())
        members = [await accounts.by_username(name) for name in AUTHORS]
        for n in range(threads):
            tags = WarningInput(("medical",)) if n % 4 == 0 else WarningInput()
            await service.create_thread(members[n % len(members)], slug, f"Thread {n}", "words", tags)


async def test_a_thread_page_costs_the_same_statements_for_5_posts_as_for_20(api):
    await _members(api)
    small = await thread_with(api.client.app, 5)
    full = await thread_with(api.client.app, 20)
    await api.client.get("/")  # warm up what is loaded once per process (each page is measured on its first view)
    few = await statements_for(api.client, f"/threads/{small}")
    many = await statements_for(api.client, f"/threads/{full}")
    assert len(few) == len(many), "\n\n".join(many)
    assert len(many) <= 15


async def test_a_thread_page_for_a_member_with_hidden_warnings_costs_the_same_for_5_posts_as_for_20(api):
    await _members(api)
    small = await thread_with(api.client.app, 5)
    full = await thread_with(api.client.app, 20)
    reader = another_browser(api.client)
    async with reader:
        await api.member("reader")
        await sign_in(reader, "reader")
        r = await form_post(reader, "/settings/warnings", {"mode-medical": "hide", "mode-violence": "warn"})
        assert r.status_code in (302, 303)
        await reader.get("/")
        few = await statements_for(reader, f"/threads/{small}")
        many = await statements_for(reader, f"/threads/{full}")
    assert len(few) == len(many), "\n\n".join(many)


async def test_the_thread_api_costs_the_same_statements_for_5_posts_as_for_20(api):
    await _members(api)
    small = await thread_with(api.client.app, 5)
    full = await thread_with(api.client.app, 20)
    assert len(await statements_for(api.client, f"/api/v1/threads/{small}")) == len(
        await statements_for(api.client, f"/api/v1/threads/{full}"))


async def test_a_topic_page_costs_the_same_statements_for_5_threads_as_for_25(api):
    await _members(api)
    await topic_with(api.client.app, "small", 5)
    await topic_with(api.client.app, "full", 25)
    await api.client.get("/")
    few = await statements_for(api.client, "/topics/small")
    many = await statements_for(api.client, "/topics/full")
    assert len(few) == len(many), "\n\n".join(many)
    assert len(many) <= 10
    api_few = await statements_for(api.client, "/api/v1/topics/small/threads")
    api_many = await statements_for(api.client, "/api/v1/topics/full/threads")
    assert len(api_few) == len(api_many)


async def test_a_signed_in_members_topic_page_costs_the_same_for_5_threads_as_for_25(api):
    await _members(api)
    await topic_with(api.client.app, "small", 5)
    await topic_with(api.client.app, "full", 25)
    await sign_in(api.client, "alice")
    await form_post(api.client, "/settings/warnings", {"mode-medical": "hide"})
    await api.client.get("/")
    few = await statements_for(api.client, "/topics/small")
    many = await statements_for(api.client, "/topics/full")
    assert len(few) == len(many), "\n\n".join(many)


async def test_a_members_profile_costs_the_same_statements_for_5_posts_as_for_20(api):
    await _members(api)
    await api.member("quiet")
    await api.member("chatty")
    async with api.client.app.state.db.session() as s:
        accounts, service = AccountService(s), DiscussionWriter(s)
        for name, count in (("quiet", 5), ("chatty", 20)):
            member = await accounts.by_username(name)
            for n in range(count):
                tags = WarningInput(("medical",)) if n % 3 == 0 else WarningInput()
                await service.create_thread(member, "anxiety", f"{name} {n}", f"Post {n}", tags)
    await api.client.get("/")
    few = await statements_for(api.client, "/members/quiet")
    many = await statements_for(api.client, "/members/chatty")
    assert len(few) == len(many), "\n\n".join(many)
