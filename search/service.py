"""The rules of searching, shared by the page and the API: what was asked, where, and what to show.

Controllers only parse and render; everything they show comes from `SearchService.search`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum.discussions.crisis_help import order_for_reader
from forum.discussions.models import Topic
from forum.discussions.reading import DiscussionReader
from forum.hooks import Extensions
from forum.warnings.visibility import Reader
from search.protocol import SearchBackend, SearchResults, SearchUnavailable
from search.query import MAX_QUERY_CHARS
from search.sql import clean_page


@dataclass
class SearchOutcome:
    query: str
    topic: Topic | None
    page: int
    # None when nothing was asked yet (the page shows its gentle start, not "no results").
    results: SearchResults | None
    crisis_resources: list[dict[str, Any]] = field(default_factory=list)
    unavailable: str | None = None

    @property
    def asked(self) -> bool:
        return bool(self.query)


def clean_query(q: str | None) -> str:
    return " ".join((q or "")[: MAX_QUERY_CHARS * 2].split())[:MAX_QUERY_CHARS]


class SearchService:
    def __init__(self, backend: SearchBackend, session: AsyncSession, extensions: Extensions | None = None) -> None:
        self.backend = backend
        self.session = session
        self.extensions = extensions or Extensions()

    async def topics(self) -> list[Topic]:
        return list(await self.session.scalars(select(Topic).order_by(Topic.position, Topic.name)))

    async def search(self, q: str | None, reader: Reader, topic: str | None = None, page: Any = 1,
                     region: str | None = None) -> SearchOutcome:
        """Hits for the reader; crisis resources (ordered for the reader's ``region``) when the query is one."""
        query = clean_query(q)
        chosen = await DiscussionReader(self.session).topic(topic) if topic else None
        number = clean_page(page)
        # Someone searching for words of crisis may be in one: resources come first, whatever
        # the search engine says (even when it is down).
        findings = (await self.extensions.assess(query)).findings if query else []
        resources = (order_for_reader(await self.extensions.resources(self.session), region)
                     if any(f.show_crisis_resources for f in findings) else [])
        outcome = SearchOutcome(query, chosen, number, None, resources)
        if not query:
            return outcome
        try:
            outcome.results = await self.backend.search(query, reader, chosen.slug if chosen else None, number,
                                                        session=self.session)
        except SearchUnavailable as exc:
            outcome.unavailable = exc.detail
        return outcome
