"""SQLite through aiosqlite, with reads run on the event loop's own thread.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on a helper thread and hands
the result back through the event loop: four thread hops for one SELECT, about 400 µs, where
SQLite itself answers a keyed lookup in under 10 µs. A page issues a handful of reads, so those
hops were most of its cost.

This dialect runs a plain SELECT (and the commit or rollback of a transaction that wrote nothing)
directly on the connection, in the calling thread. That is safe because:

- in WAL mode a reader never waits for a writer, so a read never blocks the loop on a lock;
- SQLAlchemy awaits each call on a connection before the next, so the helper thread is idle
  whenever the loop thread uses the connection (and the connection is opened with
  `check_same_thread=False` for exactly this hand-over).

Everything else (INSERT, UPDATE, DELETE, DDL, PRAGMA, the commit of a write, server-side cursors)
still goes through aiosqlite's thread, so waiting for SQLite's single write lock never stalls
the other requests a process is serving. A slow read does hold the loop while it runs; that is
the trade for the embedded default (search on 100,000 posts takes ~15 ms, bench/README.md), and
PostgreSQL is the answer at larger scale.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.engine import URL, make_url

DRIVER = "haven_aiosqlite"


async def _handed_back() -> None:
    """Nothing to wait for; see InlineReadCursor.execute."""


def is_plain_read(statement: str) -> bool:
    """A statement that only reads. SQLAlchemy writes every SELECT starting with the keyword;
    anything else (a CTE that might write, a PRAGMA that might set something) takes the thread."""
    return statement.lstrip()[:6].upper() == "SELECT"


class InlineReadCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        connection = self._connection._connection  # aiosqlite's own sqlite3.Connection
        if connection is None or not is_plain_read(operation):
            return super().execute(operation, parameters)
        try:
            cursor = connection.execute(operation, () if parameters is None else parameters)
            try:
                self.description = cursor.description
                self.lastrowid = self.rowcount = -1
                self._rows = deque(cursor.fetchall())
            finally:
                cursor.close()
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        # SQLAlchemy's AsyncConnection.execute insists that an async driver awaited something (its
        # guard against sync drivers); an await that completes at once satisfies it for ~1 µs.
        self.await_(_handed_back())


class InlineReadConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:
            return super().cursor(server_side=True)
        return InlineReadCursor(self)

    def _wrote_nothing(self) -> bool:
        connection = self._connection._connection
        return connection is not None and not connection.in_transaction

    def commit(self) -> None:
        if not self._wrote_nothing():  # nothing to commit is a no-op; skip the hop
            super().commit()

    def rollback(self) -> None:
        if not self._wrote_nothing():
            super().rollback()


class InlineReadDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        kw["check_same_thread"] = False  # the loop thread and aiosqlite's thread take turns
        adapted = super().connect(*arg, **kw)
        return InlineReadConnection(self, adapted._connection)


class SQLiteInlineReadDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> AsyncAdapt_aiosqlite_dbapi:
        return InlineReadDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteInlineReadDialect")


def inline_read_url(url: str | URL) -> URL:
    """The same database, opened through this dialect (`sqlite+aiosqlite://…` stays the public form)."""
    return make_url(url).set(drivername=f"sqlite+{DRIVER}")
