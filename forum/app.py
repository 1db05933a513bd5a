"""The app factory: the composition root that wires forum, moderation and search together.

This module (with forum/cli.py and the migrations' env.py) is the only place in `forum` that
imports `moderation` or `search`; everything else talks to them through forum.hooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar, Request, get
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.template import TemplateConfig
from sqlalchemy import text

import moderation.plugin
import search.plugin
from forum.accounts.api import AccountApi
from forum.accounts.pages import AccountPages
from forum.admin.pages import AdminPages
from forum.db.engine import Database
from forum.db.store import DatabaseStore
from forum.discussions.api import DiscussionApi
from forum.discussions.pages import DiscussionPages
from forum.errors import ForumError
from forum.health import Health
from forum.hooks import Extensions, Plugin, ReadinessCheck
from forum.outbox.worker import OutboxWorker, Subscriber
from forum.safety.model import SafetyModel
from forum.sessions import QuietSessionConfig
from forum.settings import Settings, get_settings
from forum.templating import configure_environment
from forum.warnings.api import WarningApi
from forum.warnings.pages import WarningPages
from forum.warnings.suggest import WarningSuggester
from forum.web import (
    forum_error_handler,
    http_error_handler,
    internal_error_handler,
    provide_reader,
    provide_viewer,
)

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("forum")


@dataclass
class Composition:
    """What `compose()` wired together for one process (an app, `forum worker`, `forum doctor`): the
    forum's extension points, filled in, and the plugin of each package."""

    extensions: Extensions
    plugins: list[Plugin] = field(default_factory=list)

    @property
    def subscribers(self) -> list[Subscriber]:
        return [s for p in self.plugins for s in p.subscribers]

    @property
    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        return {name: check for p in self.plugins for name, check in p.readiness_checks.items()}

    @property
    def on_shutdown(self) -> list[Callable[[], Awaitable[None]]]:
        return [hook for p in self.plugins for hook in p.on_shutdown]

    def plugin_health(self) -> list[Health]:
        """What the packages run on (the classifier, the search backend), as it is now."""
        return [health() for p in self.plugins for health in p.health]

    def health(self) -> list[Health]:
        """The safety model and the checks on it, then the packages: for the start-up log, `forum doctor`
        and /admin."""
        return [*self.extensions.safety_report(), *self.plugin_health()]


def compose(settings: Settings, db: Database) -> Composition:
    """Builds the forum's extension points and lets moderation and search fill them in and add their
    pages, outbox subscribers and health."""
    safety = SafetyModel(settings.safety_model)
    suggester = WarningSuggester.load(settings.data_dir) if safety.wanted else WarningSuggester.rules_only()
    extensions = Extensions(safety=safety, suggester=suggester)
    # Moderation first: the worker hands each batch to the subscribers in this order, so a crisis flag
    # never waits behind search indexing.
    plugins = [moderation.plugin.install(settings, db, extensions), search.plugin.install(settings, db, extensions)]
    return Composition(extensions, plugins)


def _stores(settings: Settings, db: Database) -> dict[str, Store]:
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        root = RedisStore.with_client(url=settings.redis_url, namespace="haven")
        return {"sessions": root.with_namespace("sessions"), "rate_limit": root.with_namespace("rate_limit")}
    root_store = DatabaseStore(db.engine)
    return {"sessions": root_store.with_namespace("sessions"), "rate_limit": root_store.with_namespace("rate_limit")}


async def _forget_expired_entries(store: DatabaseStore, stop: asyncio.Event, every: float = 3600) -> None:
    """Expired sessions and rate-limit counters are never read again: drop them every hour."""
    while not stop.is_set():
        try:
            await store.delete_expired()
        except Exception:  # the database may be busy or restarting; the next round tries again
            log.warning("could not remove expired sessions; will try again", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _rate_limits() -> list[Any]:
    """Sign-up, sign-in and posting are limited per address; reading never is."""

    def limit(name: str, unit: str, count: int, paths: str) -> Any:
        pattern = re.compile(paths)

        def applies(request: Request) -> bool:
            return request.method == "POST" and pattern.fullmatch(request.url.path) is not None

        return RateLimitConfig(rate_limit=(unit, count), identifier_for_request=lambda r: f"{name}:{_client(r)}",
                               check_throttle_handler=applies).middleware  # type: ignore[arg-type]

    return [
        limit("register", "hour", 10, r"/register|/api/v1/auth/register"),
        limit("login", "minute", 10, r"/login|/api/v1/auth/token"),
        # New threads and replies, from the pages (/topics/{slug}/new, /threads/{id}) and the API.
        limit("post", "minute", 12, r"/topics/[^/]+/new|/threads/\d+|/api/v1/topics/[^/]+/threads"
                                    r"|/api/v1/threads/\d+/posts"),
    ]


@get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> Any:
    from litestar import Response

    problems: dict[str, str] = {}
    db: Database = request.app.state.db
    try:
        async with db.session() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # readiness reports, it doesn't crash
        problems["database"] = str(exc)[:200]
    composition: Composition = request.app.state.composition
    for name, check in composition.readiness_checks.items():
        try:
            await asyncio.wait_for(check(), timeout=3)
        except Exception as exc:
            problems[name] = str(exc)[:200] or type(exc).__name__
    if problems:
        return Response({"status": "unavailable", "problems": problems}, status_code=503)
    return {"status": "ready"}


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> Litestar:
    settings = settings or get_settings()
    db = Database(settings)
    composition = compose(settings, db)
    alchemy = SQLAlchemyAsyncConfig(
        engine_instance=db.engine,
        session_config=AsyncSessionConfig(expire_on_commit=False, info=db.session_info),
        session_dependency_key="db_session",
    )
    run_worker = settings.worker_in_process if run_worker is None else run_worker

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The safety model loads now, before the first request, so nobody's post waits for torch to import.
        await composition.extensions.safety.start()
        for health in composition.health():
            log.info(health.line)
        stop = asyncio.Event()
        tasks = []
        if run_worker and composition.subscribers:
            worker = OutboxWorker(db, composition.subscribers)
            tasks.append(asyncio.create_task(worker.run_forever(stop)))
        if not settings.redis_url:
            tasks.append(asyncio.create_task(_forget_expired_entries(DatabaseStore(db.engine), stop)))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=10)
            for hook in composition.on_shutdown:
                with contextlib.suppress(Exception):
                    await hook()
            await db.dispose()

    template_config = TemplateConfig(directory=ROOT / "templates", engine=JinjaTemplateEngine,
                                     engine_callback=functools.partial(configure_environment, cache=db.cache))
    csrf = CSRFConfig(secret=settings.secret_key, cookie_name="haven_csrf", cookie_samesite="lax",
                      exclude=["^/api/", "^/healthz", "^/readyz", "^/schema"])
    sessions = QuietSessionConfig(store="sessions", key="haven_session", max_age=60 * 60 * 24 * 30,
                                       samesite="lax", httponly=True, exclude=["^/api/", "^/static/", "^/schema"])
    middleware: list[Any] = [sessions.middleware]
    if settings.rate_limits:
        middleware.extend(_rate_limits())
    static = [create_static_files_router(path="/static", directories=[ROOT / "static"], include_in_schema=False)]
    handlers: list[Any] = [healthz, readyz, *static, AccountApi, DiscussionApi, WarningApi,
                           AccountPages, DiscussionPages, WarningPages, AdminPages]
    for plugin in composition.plugins:
        handlers.extend(plugin.route_handlers)

    app = Litestar(
        route_handlers=handlers,
        plugins=[SQLAlchemyPlugin(config=alchemy)],
        dependencies={"viewer": Provide(provide_viewer), "reader": Provide(provide_reader)},
        middleware=middleware,
        csrf_config=csrf,
        stores=_stores(settings, db),
        template_config=template_config,
        openapi_config=OpenAPIConfig(title="Haven", version="1", path="/schema",
                                     render_plugins=[ScalarRenderPlugin()]),
        exception_handlers={ForumError: forum_error_handler, HTTPException: http_error_handler,
                            Exception: internal_error_handler},  # type: ignore[dict-item]
        lifespan=[lifespan],
        debug=False,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.extensions = composition.extensions
    app.state.composition = composition
    app.state.admin_links = [link for plugin in composition.plugins for link in plugin.admin_links]
    return app


def app_factory() -> Litestar:
    """Entry point for uvicorn's --factory (each worker process builds its own app)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return create_app()
