"""What GET /api/v1/search answers: hits filtered for the reader, or why search is down."""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

from forum.discussions.schemas import CrisisResourceOut, CrisisResources, TagOut
from forum.schemas import Timestamp
from forum.warnings.models import Mode
from search.protocol import PER_PAGE, SearchHit, SearchUnavailable
from search.service import SearchOutcome


def _crisis_resources(outcome: SearchOutcome) -> CrisisResources:
    """Someone searching for words of crisis may be in one: null unless the query is one."""
    return [CrisisResourceOut.from_dict(r) for r in outcome.crisis_resources] or None


class SearchHitOut(Struct, kw_only=True):
    post_id: int
    thread_id: int
    thread_title: str
    topic: str
    topic_name: str
    # Sanitized HTML: escaped text with <mark> around the matched words, nothing else.
    snippet: str
    warnings: list[str]
    warning_details: list[TagOut]
    warning_mode: Mode
    status: str
    is_opening: bool
    created_at: Timestamp

    @classmethod
    def from_hit(cls, hit: SearchHit) -> SearchHitOut:
        return cls(post_id=hit.post_id, thread_id=hit.thread_id, thread_title=hit.thread_title, topic=hit.topic,
                   topic_name=hit.topic_name, snippet=str(hit.snippet), warnings=hit.warning_slugs,
                   warning_details=[TagOut.from_tag(t) for t in hit.tags], warning_mode=hit.warning_mode,
                   status=hit.status, is_opening=hit.is_opening, created_at=hit.created_at.isoformat())


class SearchOut(Struct, kw_only=True):
    query: str
    topic: str | None
    hits: list[SearchHitOut]
    total: int
    # false when there are more hits than `total` (counting stops at 1,000).
    total_exact: bool
    page: int
    pages: int
    per_page: int
    crisis_resources: CrisisResources

    @classmethod
    def from_outcome(cls, outcome: SearchOutcome) -> SearchOut:
        results = outcome.results
        return cls(
            query=outcome.query,
            topic=outcome.topic.slug if outcome.topic else None,
            hits=[SearchHitOut.from_hit(h) for h in results.hits] if results else [],
            total=results.total if results else 0,
            total_exact=not results.capped if results else True,
            page=results.page if results else outcome.page,
            pages=results.pages if results else 1,
            per_page=PER_PAGE,
            crisis_resources=_crisis_resources(outcome),
        )


class SearchUnavailableOut(Struct, kw_only=True):
    """503: the search engine can't be reached; crisis resources are still given when the query is one."""

    status_code: Literal[503]
    detail: str
    kind: str  # "search_unavailable"
    crisis_resources: CrisisResources

    @classmethod
    def from_outcome(cls, outcome: SearchOutcome) -> SearchUnavailableOut:
        return cls(status_code=503, detail=outcome.unavailable or "", kind=SearchUnavailable.kind,
                   crisis_resources=_crisis_resources(outcome))
