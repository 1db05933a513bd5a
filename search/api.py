"""GET /api/v1/search: the same search as the page, as JSON, filtered for the reader (token optional)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.openapi import ResponseSpec
from sqlalchemy.ext.asyncio import AsyncSession

from forum.discussions.crisis_help import region_of
from forum.warnings.visibility import Reader
from forum.web import extensions_of
from search.protocol import SearchBackend
from search.schemas import SearchOut, SearchUnavailableOut
from search.service import SearchService

RETRY_AFTER_SECONDS = 30


class SearchApi(Controller):
    path = "/api/v1"
    tags = ("search",)

    @get("/search", summary="Search posts", description=(
        "Full-text search over posts the reader may see. `q` supports \"phrases\", -exclusions and `or`. "
        "Hits carry a sanitized snippet with <mark> around matches, and `warning_mode` (`show` or `warn`)."),
        responses={503: ResponseSpec(SearchUnavailableOut, generate_examples=False,
                                     description="The search engine can't be reached; try again after Retry-After.")})
    async def search(self, request: Request, reader: Reader, db_session: AsyncSession, search_backend: SearchBackend,
                     q: str = "", topic: str | None = None, page: int = 1) -> Response[SearchOut]:
        service = SearchService(search_backend, db_session, extensions_of(request.app.state))
        outcome = await service.search(q, reader, topic or None, page, region_of(request))
        if outcome.unavailable:
            # A shape of its own (described under `responses` above), so not a Response[SearchOut].
            unavailable: Response[Any] = Response(SearchUnavailableOut.from_outcome(outcome), status_code=503,
                                                  headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
            return unavailable
        return Response(SearchOut.from_outcome(outcome))
