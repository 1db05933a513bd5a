"""The indexer as the outbox worker runs it: events in, index current; an outage delays, never loses."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from forum.outbox.events import MEMBER_DELETED, POST_CREATED, POST_VISIBILITY_CHANGED, THREAD_CHANGED
from forum.outbox.models import OutboxEvent
from forum.outbox.worker import OutboxWorker
from search.indexer import SearchIndexer, affected
from search.protocol import SearchUnavailable


def test_events_name_the_posts_and_threads_to_refresh() -> None:
    events = [SimpleNamespace(kind=POST_CREATED, payload={"post_id": 3, "thread_id": 9}),
              SimpleNamespace(kind=MEMBER_DELETED, payload={"member_id": 1, "post_ids": [4, 5]}),
              SimpleNamespace(kind=POST_VISIBILITY_CHANGED, payload={"post_ids": ["6", None, "x"]}),
              SimpleNamespace(kind=THREAD_CHANGED, payload={"thread_id": 2})]
    assert affected(events) == ({3, 4, 5, 6}, {2})


def test_the_indexer_subscribes_to_every_change_that_touches_search() -> None:
    assert SearchIndexer.kinds == {"post.created", "post.edited", "post.deleted", "post.visibility_changed",
                                   "thread.changed", "member.deleted"}


async def _pending(app: Any) -> list[OutboxEvent]:
    async with app.state.db.session() as s:
        return list(await s.scalars(select(OutboxEvent).where(OutboxEvent.done_at.is_(None))))


@pytest.mark.usefixtures("engine")
async def test_the_outbox_worker_delivers_to_the_indexer(world) -> None:
    await world.member("ana")
    _, post = await world.thread("ana", "Hello", "Birdsong at dawn helps.")
    worker = OutboxWorker(world.app.state.db, [world.indexer], poll_interval=0.01)
    while await worker.run_once():
        pass
    assert await world.found("birdsong") == [post]
    assert await _pending(world.app) == []


@pytest.mark.usefixtures("engine")
async def test_indexing_catches_up_after_an_outage(world, monkeypatch: pytest.MonkeyPatch) -> None:
    await world.member("ana")
    backend = world.backend

    async def down(*args: Any, **kwargs: Any) -> None:
        raise SearchUnavailable()

    with monkeypatch.context() as m:
        m.setattr(backend, "index", down)
        _, post = await world.thread("ana", "Outage", "Posted while search rested.")  # posting still works
        worker = OutboxWorker(world.app.state.db, [world.indexer], max_backoff=0)
        await worker.run_once()
        [event] = await _pending(world.app)
        assert event.attempts == 1 and "search" not in (event.completed or [])

    # Back up: the retried event indexes the post.
    async with world.app.state.db.session() as s:
        stored = await s.get(OutboxEvent, event.id)
        stored.available_at = stored.created_at
        await s.commit()
    while await worker.run_once():
        pass
    assert await world.found("rested") == [post]
