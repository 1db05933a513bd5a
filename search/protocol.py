"""What every search backend offers, and the shapes that travel between backends, services and pages.

Backends differ in where the words live (an FTS5 table, a tsvector column, a Meilisearch index);
they never differ in who may see what: that decision is forum.warnings.visibility's, applied by
each backend in SQL (see search/hits.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from forum.errors import ForumError
from forum.paging import page_count
from forum.warnings.models import Mode
from forum.warnings.services import Tag
from forum.warnings.visibility import Reader

PER_PAGE = 10
# Deep pages are never what a person wants; the cap also bounds offsets (Meilisearch's maxTotalHits).
MAX_PAGE = 100


class SearchUnavailable(ForumError):
    """The search engine can't answer right now. Posting and reading are unaffected."""

    status_code = 503
    kind = "search_unavailable"

    def __init__(self, detail: str = "Search is resting for a moment. Please try again in a minute or two; "
                                     "everything else in the forum works as usual.") -> None:
        super().__init__(detail)


@dataclass(frozen=True)
class SearchDoc:
    """One post as the index sees it: its words, plus what a filter needs to decide visibility."""

    post_id: int
    thread_id: int
    topic: str
    # The thread title travels with the opening post only, so a title match finds the thread once.
    title: str
    body: str
    status: str
    thread_status: str
    author_id: int | None
    thread_author_id: int | None
    post_warning_ids: tuple[int, ...] = ()
    thread_warning_ids: tuple[int, ...] = ()
    warning_slugs: tuple[str, ...] = ()
    created_at: dt.datetime | None = None

    @property
    def warning_ids(self) -> tuple[int, ...]:
        """Every warning that covers this post: its own and its thread's."""
        return tuple(sorted(set(self.post_warning_ids) | set(self.thread_warning_ids)))


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    thread_id: int
    thread_title: str
    topic: str
    topic_name: str
    # Sanitized HTML: escaped text with <mark> around the matched words, nothing else.
    snippet: Markup
    tags: list[Tag]
    warning_mode: Mode
    status: str
    is_opening: bool
    created_at: dt.datetime

    @property
    def warning_slugs(self) -> list[str]:
        return [t.slug for t in self.tags]


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int = PER_PAGE
    query: str = ""
    topic: str | None = None
    # True when there are more hits than `total` says (counting stops at MAX_PAGE pages' worth).
    capped: bool = False

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, page_count(self.total, self.per_page))

    @property
    def number(self) -> int:
        return self.page

    @classmethod
    def empty(cls, query: str = "", topic: str | None = None, page: int = 1) -> SearchResults:
        return cls([], 0, page, query=query, topic=topic)


@runtime_checkable
class SearchBackend(Protocol):
    """Where posts are indexed and searched. Every method is safe to repeat (at-least-once delivery)."""

    name: str

    def describe(self) -> str:
        """One line for `forum doctor` and the start-up log."""
        ...

    async def start(self) -> None:
        """Create or update what the backend needs (index settings). Safe to call again."""
        ...

    async def index(self, docs: Sequence[SearchDoc]) -> None:
        """Insert or replace these posts' entries."""
        ...

    async def delete(self, post_ids: Sequence[int]) -> None:
        """Remove these posts' entries; ids that aren't indexed are ignored."""
        ...

    async def prune(self, started_at: dt.datetime) -> int:
        """After a full rebuild that began at started_at: drop entries for posts that are gone."""
        ...

    async def search(self, query: str, reader: Reader, topic: str | None = None, page: int = 1, *,
                     session: AsyncSession | None = None) -> SearchResults:
        """Hits this reader may see, best first. Raises SearchUnavailable when the engine is down."""
        ...

    async def ready(self) -> None:
        """Raises when the backend can't serve searches (for /readyz and `forum doctor`)."""
        ...

    async def count(self) -> int:
        """How many posts are in the index."""
        ...

    async def close(self) -> None: ...
