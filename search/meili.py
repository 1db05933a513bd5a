"""Meilisearch, for forums that outgrow the embedded index (FORUM_SEARCH_BACKEND=meilisearch).

Documents carry what a filter needs (status, thread status, authors, warning ids), and every
search sends a filter built from the reader, so totals and pages are already right. The returned
ids are then read back through the forum's own visibility rule in SQL (search/hits.py): an index
that lags a moment behind a moderator's action can't show what it shouldn't, and the rule keeps
living in one place.

When Meilisearch is down: searches raise SearchUnavailable (the page says so kindly, the API
answers 503), and indexing raises, so the outbox keeps the events and retries them with backoff
until it is back. Posting and reading never wait on it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from forum.db.engine import Database
from forum.warnings.visibility import AUTHOR_SEES, MODERATOR_SEES, PUBLIC, Reader
from search.hits import hydrate
from search.protocol import MAX_PAGE, PER_PAGE, SearchDoc, SearchResults, SearchUnavailable
from search.query import has_alternatives, parse, stems_of, to_meili
from search.snippets import END, START, sanitize
from search.sql import clean_page

log = logging.getLogger("search.meili")
T = TypeVar("T")

INDEX_UID = "haven_posts"
SEARCHABLE = ["title", "body", "stems"]
FILTERABLE = ["topic", "warning_ids", "thread_warning_ids", "warning_count", "thread_warning_count", "status",
              "thread_status", "author_id", "thread_author_id", "thread_id", "created_at", "indexed_at"]
SORTABLE = ["created_at"]
CROP_WORDS = 32
# Searches answer a person who is waiting: one quick retry. Indexing can afford a little more,
# and past that the outbox's own backoff takes over.
SEARCH_ATTEMPTS = 2
WRITE_ATTEMPTS = 3
TASK_TIMEOUT_MS = 15_000


# --- filters, built from the same constants as the SQL rule -------------------------------------

def quote(value: str) -> str:
    """A string literal for a Meilisearch filter."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(values: Sequence[str] | Sequence[int]) -> str:
    return "[" + ", ".join(quote(v) if isinstance(v, str) else str(int(v)) for v in values) + "]"


def status_filter(reader: Reader) -> str:
    """Mirrors visibility.post_status_clause and thread_status_clause."""
    if reader.is_moderator:
        return f"status IN {_list(MODERATOR_SEES)} AND thread_status IN {_list(MODERATOR_SEES)}"
    post, thread = f"status IN {_list(PUBLIC)}", f"thread_status IN {_list(PUBLIC)}"
    if reader.member_id is not None:
        me = int(reader.member_id)
        post = f"({post} OR (author_id = {me} AND status IN {_list(AUTHOR_SEES)}))"
        thread = f"({thread} OR (thread_author_id = {me} AND thread_status IN {_list(AUTHOR_SEES)}))"
    return f"{post} AND {thread}"


def warning_filter(reader: Reader) -> str | None:
    """Mirrors visibility.post_warning_clause and thread_warning_clause; None when nothing is hidden."""
    if not reader.filters_anything:
        return None
    if reader.gentle:
        post, thread = "warning_count = 0", "thread_warning_count = 0"
    else:
        hidden = _list(sorted(reader.hidden_ids))
        post, thread = f"NOT warning_ids IN {hidden}", f"NOT thread_warning_ids IN {hidden}"
    if reader.member_id is not None:
        # Your own words are never hidden from you (they come back collapsed instead).
        me = int(reader.member_id)
        post, thread = f"(author_id = {me} OR {post})", f"(thread_author_id = {me} OR {thread})"
    return f"{post} AND {thread}"


def reader_filter(reader: Reader, topic: str | None = None) -> str:
    parts = [status_filter(reader)]
    if (warnings := warning_filter(reader)) is not None:
        parts.append(warnings)
    if topic:
        parts.append(f"topic = {quote(topic)}")
    return " AND ".join(f"({p})" for p in parts)


def document(doc: SearchDoc, indexed_at: float) -> dict[str, Any]:
    created = doc.created_at.timestamp() if doc.created_at else 0
    return {
        "id": doc.post_id, "thread_id": doc.thread_id, "topic": doc.topic,
        "title": doc.title, "body": doc.body, "stems": stems_of(f"{doc.title} {doc.body}"),
        "status": doc.status, "thread_status": doc.thread_status,
        "author_id": doc.author_id, "thread_author_id": doc.thread_author_id,
        "warning_ids": list(doc.warning_ids), "thread_warning_ids": list(doc.thread_warning_ids),
        "warning_slugs": list(doc.warning_slugs),
        "warning_count": len(doc.warning_ids), "thread_warning_count": len(doc.thread_warning_ids),
        "created_at": int(created), "indexed_at": indexed_at,
    }


# --- errors -------------------------------------------------------------------------------------

def is_transient(exc: BaseException) -> bool:
    """Worth another try: the server is unreachable, slow, overloaded or restarting."""
    from meilisearch_python_sdk.errors import (
        MeilisearchApiError,
        MeilisearchCommunicationError,
        MeilisearchError,
        MeilisearchTimeoutError,
    )

    if isinstance(exc, MeilisearchApiError):
        return exc.status_code >= 500 or exc.status_code == 429
    if isinstance(exc, MeilisearchCommunicationError | MeilisearchTimeoutError | TimeoutError | OSError):
        return True
    # The client's HTTP layer lets some errors through unwrapped (read timeouts, non-JSON 502s).
    return isinstance(exc, MeilisearchError) or type(exc).__module__.startswith(("httpx", "httpcore"))


class MeiliSearchBackend:
    name = "meilisearch"

    def __init__(self, db: Database, url: str, api_key: str | None = None, *, index_uid: str = INDEX_UID,
                 timeout: float = 5.0, client: Any = None, retry_delay: float = 0.3) -> None:
        self.db = db
        self.url = url
        self.api_key = api_key
        self.index_uid = index_uid
        self.timeout = timeout
        self.retry_delay = retry_delay
        self._client = client
        self._started = False
        self._lock = asyncio.Lock()

    def describe(self) -> str:
        return f"search: meilisearch at {self.url}, index {self.index_uid!r}"

    @property
    def client(self) -> Any:
        if self._client is None:
            from meilisearch_python_sdk import AsyncClient

            self._client = AsyncClient(self.url, self.api_key, timeout=int(max(1, self.timeout)))
        return self._client

    async def close(self) -> None:
        if self._client is not None and hasattr(self._client, "aclose"):
            await self._client.aclose()
        self._client = None
        self._started = False

    async def _call(self, what: str, action: Callable[[], Awaitable[T]], attempts: int) -> T:
        """Run one call with a timeout, retrying transient failures; SearchUnavailable when it can't."""
        for attempt in range(1, attempts + 1):
            try:
                return await asyncio.wait_for(action(), timeout=self.timeout + 1)
            except Exception as exc:
                if not is_transient(exc):
                    # Our request was refused (a bad filter, a wrong key): a bug or misconfiguration,
                    # logged loudly, while the person searching still gets a calm answer.
                    log.error("Meilisearch refused %s: %s", what, exc)
                    raise SearchUnavailable() from exc
                if attempt == attempts:
                    log.warning("Meilisearch unavailable for %s after %d attempts: %s", what, attempts, exc)
                    raise SearchUnavailable() from exc
                await asyncio.sleep(self.retry_delay * attempt)
        raise AssertionError("unreachable")

    async def _wait(self, what: str, task: Any) -> None:
        """Wait until Meilisearch applied a write, so "done" in the outbox means searchable."""
        result = await self._call(f"waiting for {what}", lambda: self.client.wait_for_task(
            task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS), WRITE_ATTEMPTS)
        if getattr(result, "status", None) == "failed":
            log.error("Meilisearch task %s failed: %s", what, getattr(result, "error", None))
            raise SearchUnavailable()

    async def start(self) -> None:
        """Create the index and apply its settings (idempotent; runs before the first use)."""
        if self._started:
            return
        async with self._lock:
            if self._started:
                return
            from meilisearch_python_sdk.models.settings import MeilisearchSettings, Pagination, TypoTolerance

            index = await self._call("creating the index", lambda: self.client.get_or_create_index(
                self.index_uid, primary_key="id"), WRITE_ATTEMPTS)
            settings = MeilisearchSettings(
                searchable_attributes=SEARCHABLE, filterable_attributes=FILTERABLE, sortable_attributes=SORTABLE,
                typo_tolerance=TypoTolerance(enabled=True),
                pagination=Pagination(max_total_hits=MAX_PAGE * PER_PAGE),
            )
            task = await self._call("updating settings", lambda: index.update_settings(settings), WRITE_ATTEMPTS)
            await self._wait("settings", task)
            self._started = True

    @property
    def _index(self) -> Any:
        return self.client.index(self.index_uid)

    async def index(self, docs: Sequence[SearchDoc]) -> None:
        if not docs:
            return
        await self.start()
        stamp = dt.datetime.now(dt.UTC).timestamp()
        payload = [document(d, stamp) for d in docs]
        task = await self._call("adding documents", lambda: self._index.add_documents(payload, primary_key="id"),
                                WRITE_ATTEMPTS)
        await self._wait("adding documents", task)

    async def delete(self, post_ids: Sequence[int]) -> None:
        if not post_ids:
            return
        await self.start()
        ids = [str(i) for i in post_ids]
        task = await self._call("deleting documents", lambda: self._index.delete_documents(ids), WRITE_ATTEMPTS)
        await self._wait("deleting documents", task)

    async def prune(self, started_at: dt.datetime) -> int:
        # Every document the rebuild (or the live indexer) wrote since it began carries a newer stamp.
        await self.start()
        before = await self.count()
        task = await self._call("pruning", lambda: self._index.delete_documents_by_filter(
            f"indexed_at < {started_at.timestamp()}"), WRITE_ATTEMPTS)
        await self._wait("pruning", task)
        return max(0, before - await self.count())

    async def count(self) -> int:
        await self.start()
        stats = await self._call("reading stats", lambda: self._index.get_stats(), SEARCH_ATTEMPTS)
        return int(getattr(stats, "number_of_documents", 0) or 0)

    async def ready(self) -> None:
        health = await self._call("health", lambda: self.client.health(), 1)
        if getattr(health, "status", "available") != "available":
            raise SearchUnavailable()

    async def search(self, query: str, reader: Reader, topic: str | None = None, page: int = 1, *,
                     session: AsyncSession | None = None) -> SearchResults:
        page = clean_page(page)
        parsed = parse(query)
        if parsed.is_empty:
            return SearchResults.empty(query, topic, page)
        await self.start()
        found = await self._call("searching", lambda: self._index.search(
            to_meili(parsed), filter=reader_filter(reader, topic), page=page, hits_per_page=PER_PAGE,
            attributes_to_retrieve=["id", "body"], attributes_to_crop=["body"], crop_length=CROP_WORDS,
            attributes_to_highlight=["body"], highlight_pre_tag=START, highlight_post_tag=END, crop_marker="…",
            # `or` has no Meilisearch syntax: with alternatives, rank by how many words match instead.
            matching_strategy="frequency" if has_alternatives(parsed) else "all",
        ), SEARCH_ATTEMPTS)
        ids = [int(h["id"]) for h in found.hits]
        snippets = {int(h["id"]): sanitize((h.get("_formatted") or {}).get("body") or "") for h in found.hits}
        if session is None:
            async with self.db.session() as own:
                hits = await hydrate(own, reader, ids, snippets)
        else:
            hits = await hydrate(session, reader, ids, snippets)
        total = found.total_hits if found.total_hits is not None else (found.estimated_total_hits or len(hits))
        # Hits the database no longer lets this reader see (the index lags a moment) leave the total too.
        return SearchResults(hits, max(len(hits), int(total) - (len(ids) - len(hits))), page, query=query,
                             topic=topic, capped=int(total) >= MAX_PAGE * PER_PAGE)
