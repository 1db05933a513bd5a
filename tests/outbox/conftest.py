"""Fixtures for the outbox worker tests: one freshly migrated database per module and backend.

Each backend (SQLite in a temporary file, PostgreSQL on 127.0.0.1:5432) is migrated once per test
module; every test then starts from an empty outbox. When PostgreSQL is unreachable its half is
skipped with the reason shown, unless FORUM_REQUIRE_POSTGRES=1, which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from forum.db.engine import Database
from forum.outbox.models import OutboxEvent
from forum.settings import Settings

PG_ADMIN_DSN = os.environ.get("FORUM_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_SERVER_URL = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
REQUIRE_PG = os.environ.get("FORUM_REQUIRE_POSTGRES") == "1"


def _env(data_dir: Path, database_url: str) -> dict[str, str]:
    return {
        "FORUM_DATA_DIR": str(data_dir),
        "FORUM_DATABASE_URL": database_url,
        "FORUM_SECRET_KEY": "test-secret-" + "x" * 40,
        "FORUM_CLASSIFIER": "basic",
        "FORUM_WORKER_IN_PROCESS": "0",
    }


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_admin(sql: str) -> None:
    # Sync fixtures run while the test loop is idle, so a short loop of our own is fine here.
    asyncio.run(_pg_admin(sql))


def _require_postgres() -> None:
    try:
        pg_admin("SELECT 1")
    except Exception as exc:
        reason = f"PostgreSQL at {PG_ADMIN_DSN} is not reachable: {exc!r}"
        if REQUIRE_PG:
            pytest.fail(f"{reason} (FORUM_REQUIRE_POSTGRES=1 makes this a failure)")
        pytest.skip(reason)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def outbox_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for a database migrated to head, created for this module and dropped after it."""
    from forum.db.migrate import upgrade

    folder = tmp_path_factory.mktemp("outbox")
    if request.param == "sqlite":
        settings = Settings.from_env(_env(folder, f"sqlite+aiosqlite:///{folder / 'forum.db'}"))
        upgrade(settings)
        yield settings
        return
    _require_postgres()
    name = f"haven_outbox_{uuid.uuid4().hex[:12]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        settings = Settings.from_env(_env(folder, f"{PG_SERVER_URL}/{name}"))
        upgrade(settings)
        yield settings
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def database(outbox_settings: Settings) -> AsyncIterator[Database]:
    """A Database on the module's schema with an empty outbox."""
    db = Database(outbox_settings)
    async with db.engine.begin() as conn:
        await conn.execute(delete(OutboxEvent))
    yield db
    await db.dispose()
