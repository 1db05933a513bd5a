"""One engine and session factory per process, tuned for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from forum.cache import SESSION_KEY, AppCache
from forum.settings import Settings


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL and a busy timeout let the web workers and the outbox worker write side by side.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        from forum.db.sqlite import inline_read_url

        # Opening an SQLite connection (a thread, the file, the pragmas) costs milliseconds, and a pool
        # closes connections beyond pool_size when they come back: keep enough for a busy process
        # (a signed-in page holds two at once, the session's and the request's).
        engine = create_async_engine(inline_read_url(settings.database_url), connect_args={"timeout": 30},
                                     pool_size=20, max_overflow=20)
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    return create_async_engine(settings.database_url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class Database:
    """The engine and its session factory; the app, the CLI and the workers each hold one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(settings)
        # The app's caches (forum/cache.py), reachable from every session this database opens.
        self.cache = AppCache()
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, info=self.session_info)

    @property
    def session_info(self) -> dict[str, object]:
        return {SESSION_KEY: self.cache}

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
