"""How search plugs into the forum at the composition root (forum/app.py calls `install`)."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from forum.db.engine import Database
from forum.health import Health, HealthState
from forum.hooks import Extensions, Plugin
from forum.settings import Settings
from search.api import SearchApi
from search.indexer import SearchIndexer
from search.pages import SearchPages
from search.protocol import SearchBackend

DEFAULT_MEILI_URL = "http://127.0.0.1:7700"


def make_backend(settings: Settings, db: Database) -> SearchBackend:
    """The SQL backend unless FORUM_SEARCH_BACKEND=meilisearch."""
    if settings.search_backend == "meilisearch":
        from search.meili import INDEX_UID, MeiliSearchBackend

        # settings.extra["meili_index"] lets tests (and several forums on one server) keep apart.
        return MeiliSearchBackend(db, settings.meili_url or DEFAULT_MEILI_URL, settings.meili_key,
                                  index_uid=settings.extra.get("meili_index", INDEX_UID))
    from search.sql import SqlSearchBackend

    return SqlSearchBackend(db)


def install(settings: Settings, db: Database, extensions: Extensions) -> Plugin:
    """What search adds to the app: its pages and API, the indexer, and the backend's health and shutdown."""
    backend = make_backend(settings, db)

    def provide_backend() -> SearchBackend:
        return backend

    # One router, so the pages and the API share this app's backend through a dependency.
    router = Router(path="/", route_handlers=[SearchPages, SearchApi],
                    dependencies={"search_backend": Provide(provide_backend, sync_to_thread=False)})
    return Plugin(
        route_handlers=[router],
        subscribers=[SearchIndexer(db, backend)],
        readiness_checks={"search": backend.ready},
        # What is configured; whether the engine answers right now is for the readiness check.
        health=[lambda: Health(HealthState.OK, backend.describe())],
        on_shutdown=[backend.close],
    )
