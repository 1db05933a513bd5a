"""GET /api/v1/search: the same search as the page, as JSON, filtered for the reader (token optional)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from forum.discussions.crisis_help import region_of
from forum.warnings.visibility import Reader
from forum.web import extensions_of
from search.protocol import PER_PAGE, SearchBackend, SearchUnavailable
from search.service import SearchService, hit_json

RETRY_AFTER_SECONDS = 30


class SearchApi(Controller):
    path = "/api/v1"
    tags = ("search",)

    @get("/search", summary="Search posts", description=(
        "Full-text search over posts the reader may see. `q` supports \"phrases\", -exclusions and `or`. "
        "Hits carry a sanitized snippet with <mark> around matches, and `warning_mode` (`show` or `warn`)."))
    async def search(self, request: Request, reader: Reader, db_session: AsyncSession, search_backend: SearchBackend,
                     q: str = "", topic: str | None = None, page: int = 1) -> Response[dict[str, Any]]:
        service = SearchService(search_backend, db_session, extensions_of(request.app.state))
        outcome = await service.search(q, reader, topic or None, page, region_of(request))
        resources = outcome.crisis_resources or None
        if outcome.unavailable:
            return Response({"status_code": 503, "detail": outcome.unavailable, "kind": SearchUnavailable.kind,
                             "crisis_resources": resources},
                            status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        results = outcome.results
        return Response({
            "query": outcome.query,
            "topic": outcome.topic.slug if outcome.topic else None,
            "hits": [hit_json(h) for h in results.hits] if results else [],
            "total": results.total if results else 0,
            # false when there are more hits than `total` (counting stops at 1,000).
            "total_exact": not results.capped if results else True,
            "page": results.page if results else outcome.page,
            "pages": results.pages if results else 1,
            "per_page": PER_PAGE,
            "crisis_resources": resources,
        })
