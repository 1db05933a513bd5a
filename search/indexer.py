"""Keeping the index in step with the forum: an outbox subscriber, and the full rebuild.

Events only say *which* posts changed. The subscriber re-reads their current state and writes
that, so replaying an event, receiving two in either order, or running beside a rebuild all end
in the same index (the outbox delivers at least once). If the backend is down, handle() raises
and the outbox keeps the events for a retry with backoff: a post is delayed, never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from forum.db.engine import Database
from forum.outbox.events import (
    MEMBER_DELETED,
    POST_CREATED,
    POST_DELETED,
    POST_EDITED,
    POST_VISIBILITY_CHANGED,
    THREAD_CHANGED,
)
from search.documents import all_documents, count_posts, documents_for, post_ids_of_threads
from search.protocol import SearchBackend

log = logging.getLogger("search.indexer")


class Event(Protocol):
    """What the outbox hands a subscriber (forum.outbox.worker.EventData is one)."""

    @property
    def kind(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...


def _ints(value: Any) -> list[int]:
    if value is None:
        return []
    values = value if isinstance(value, list | tuple | set) else [value]
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return out


def affected(events: Iterable[Event]) -> tuple[set[int], set[int]]:
    """The posts and the threads these events touched."""
    posts: set[int] = set()
    threads: set[int] = set()
    for event in events:
        payload = event.payload or {}
        posts.update(_ints(payload.get("post_id")))
        posts.update(_ints(payload.get("post_ids")))
        if event.kind == THREAD_CHANGED:
            # A thread's title, status or warnings are part of every one of its posts' documents.
            threads.update(_ints(payload.get("thread_id")))
    return posts, threads


class SearchIndexer:
    """The outbox subscriber that keeps the search index current."""

    name = "search"
    kinds = frozenset({POST_CREATED, POST_EDITED, POST_DELETED, POST_VISIBILITY_CHANGED, THREAD_CHANGED,
                       MEMBER_DELETED})

    def __init__(self, db: Database, backend: SearchBackend) -> None:
        self.db = db
        self.backend = backend

    async def handle(self, events: Sequence[Event]) -> None:
        posts, threads = affected(events)
        if not posts and not threads:
            return
        async with self.db.session() as session:
            posts.update(await post_ids_of_threads(session, threads))
            docs, gone = await documents_for(session, posts)
        # Deletes first: a post that became invisible must leave the index even if the upsert fails.
        await self.backend.delete(gone)
        await self.backend.index(docs)
        log.debug("indexed %d posts, removed %d", len(docs), len(gone))


@dataclass(frozen=True)
class ReindexSummary:
    indexed: int
    # Posts read but not indexed (deleted), and stale entries pruned at the end.
    left_out: int
    pruned: int
    seconds: float


async def reindex(db: Database, backend: SearchBackend, batch: int = 1000,
                  progress: Callable[[int, int], None] | None = None) -> ReindexSummary:
    """Rebuild the whole index from the database, in batches, while the forum stays live.

    Nothing is cleared first, so search keeps answering throughout: each batch overwrites its
    posts' entries, and at the end entries for posts that are gone are pruned. The live indexer
    may write the same posts meanwhile; both write current state, so either order is right.
    """
    started = dt.datetime.now(dt.UTC)
    await backend.start()
    indexed = left_out = 0
    async with db.session() as session:
        total = await count_posts(session)
        done = 0
        async for docs, gone in all_documents(session, batch):
            await backend.delete(gone)
            await backend.index(docs)
            indexed += len(docs)
            left_out += len(gone)
            done += len(docs) + len(gone)
            if progress:
                progress(done, total)
    pruned = await backend.prune(started)
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return ReindexSummary(indexed, left_out, pruned, seconds)
