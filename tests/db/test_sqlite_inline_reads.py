"""SQLite's plain reads run on the event loop's thread; everything else keeps to aiosqlite's (forum/db/sqlite.py).

SQLite only: the dialect under test is the one `create_engine` picks for sqlite URLs.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from forum.db.sqlite import DRIVER, is_plain_read


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def threads() -> list[int]:
    """The thread ids `whose_thread()` ran on, in order."""
    return []


@pytest.fixture
async def engine(db, threads: list[int]) -> AsyncEngine:
    """The app's engine, with a `notes` table and an SQL function `whose_thread()` on every connection."""

    def whose_thread() -> int:
        threads.append(threading.get_ident())
        return 1

    def register(dbapi_connection, _record) -> None:
        dbapi_connection.create_function("whose_thread", 0, whose_thread)

    event.listen(db.engine.sync_engine, "connect", register)
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, n INTEGER)"))
    return db.engine


async def count_notes(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return await conn.scalar(text("SELECT count(*) FROM notes"))


def test_sqlite_urls_get_the_inline_read_dialect(db) -> None:
    assert db.engine.dialect.driver == DRIVER
    assert db.settings.database_url.startswith("sqlite+aiosqlite://")


async def test_a_select_runs_on_the_loop_thread(engine, threads) -> None:
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT whose_thread()")) == 1
    assert threads == [threading.get_ident()]


async def test_inserts_and_updates_run_on_aiosqlites_thread(engine, threads) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO notes (body, n) VALUES ('x', whose_thread())"))
        await conn.execute(text("UPDATE notes SET n = whose_thread()"))
    assert len(threads) == 2
    assert threading.get_ident() not in threads


async def test_a_with_query_takes_aiosqlites_thread(engine, threads) -> None:
    async with engine.connect() as conn:
        assert await conn.scalar(text("WITH t AS (SELECT whose_thread() AS v) SELECT v FROM t")) == 1
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


async def test_a_transaction_reads_its_own_writes_before_others_see_them(db, engine) -> None:
    async with db.session() as writer:
        await writer.execute(text("INSERT INTO notes (body) VALUES ('draft')"))
        assert await writer.scalar(text("SELECT body FROM notes")) == "draft"
        assert await count_notes(engine) == 0
        await writer.commit()
    assert await count_notes(engine) == 1


async def test_async_connection_execute_accepts_an_inline_select(engine) -> None:
    # SQLAlchemy refuses a driver that awaited nothing (AwaitRequired); the dialect awaits for it.
    async with engine.connect() as conn:
        assert (await conn.execute(select(1))).scalar_one() == 1
        assert (await conn.execute(select(text("count(*)")).select_from(text("notes")))).scalar_one() == 0


async def test_a_streamed_select_still_works_through_aiosqlites_cursor(engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO notes (body) VALUES ('a'), ('b'), ('c')"))
    async with engine.connect() as conn:
        result = await conn.stream(text("SELECT body FROM notes ORDER BY id"))
        assert [row.body async for row in result] == ["a", "b", "c"]


async def test_a_failing_read_raises_an_sqlalchemy_error_and_the_connection_goes_on(engine) -> None:
    async with engine.connect() as conn:
        with pytest.raises(OperationalError, match="no such table: missing"):
            await conn.execute(text("SELECT * FROM missing"))
        assert await conn.scalar(text("SELECT 2")) == 2
        await conn.execute(text("INSERT INTO notes (body) VALUES ('after the error')"))
        await conn.commit()
    assert await count_notes(engine) == 1


async def test_a_write_waiting_for_the_lock_leaves_the_loop_free(engine) -> None:
    async with engine.connect() as a, engine.connect() as b, engine.connect() as c:
        await a.execute(text("INSERT INTO notes (body) VALUES ('a')"))  # a now holds the write lock
        b_writes = asyncio.create_task(b.execute(text("INSERT INTO notes (body) VALUES ('b')")))
        started = time.monotonic()
        for _ in range(5):
            await asyncio.sleep(0.05)
        assert time.monotonic() - started < 2  # the loop kept ticking (the busy timeout is 10 s)
        assert await c.scalar(text("SELECT count(*) FROM notes")) == 0  # and a read got through
        assert not b_writes.done()  # while b still waits for the lock
        await a.commit()
        await asyncio.wait_for(b_writes, timeout=5)
        await b.commit()
    assert await count_notes(engine) == 2


@pytest.mark.parametrize(("statement", "plain"), [
    ("SELECT 1", True),
    ("  select id FROM notes", True),
    ("\n\tSelect 1", True),
    ("WITH t AS (SELECT 1) SELECT * FROM t", False),
    ("INSERT INTO notes (body) VALUES ('x')", False),
    ("UPDATE notes SET body = 'y'", False),
    ("PRAGMA journal_mode=WAL", False),
    ("", False),
])
def test_only_a_select_counts_as_a_plain_read(statement: str, plain: bool) -> None:
    assert is_plain_read(statement) is plain
