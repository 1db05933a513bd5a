"""/search: one template for the full page (works without JavaScript) and the live-results block."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from forum.discussions.crisis_help import region_of
from forum.warnings.visibility import Reader
from forum.web import extensions_of, is_htmx, render
from search.protocol import SearchBackend
from search.service import SearchService

RESULTS_ID = "search-results"


class SearchPages(Controller):
    include_in_schema = False

    @get("/search")
    async def search(self, request: Request, reader: Reader, db_session: AsyncSession, search_backend: SearchBackend,
                     q: str = "", topic: str = "", page: int = 1) -> Template:
        service = SearchService(search_backend, db_session, extensions_of(request.app.state))
        outcome = await service.search(q, reader, topic or None, page, region_of(request))
        # Live search swaps only the results block; anything else (a reload, history) gets the page.
        fragment = is_htmx(request) and request.headers.get("hx-target") == RESULTS_ID
        if fragment:
            # htmx only swaps 2xx answers, so the "resting" message goes out as a 200 here.
            return render("search/_results.html", request, outcome=outcome)
        return render("search/search.html", request, 503 if outcome.unavailable else 200,
                      outcome=outcome, topics=await service.topics())
