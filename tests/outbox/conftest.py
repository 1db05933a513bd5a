"""Fixtures for the outbox worker tests: one freshly migrated database per module and backend.

Each backend (SQLite in a temporary file, PostgreSQL on 127.0.0.1:5432) is migrated once per test
module; every test then starts from an empty outbox. When PostgreSQL is unreachable its half is
skipped with the reason shown, unless FORUM_REQUIRE_POSTGRES=1, which turns the skip into a failure.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import delete

from forum.db.engine import Database
from forum.outbox.models import OutboxEvent
from forum.settings import Settings
from tests.conftest import PG_ADMIN_DSN, base_env, pg_execute, require_postgres

PG_SERVER_URL = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def outbox_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for a database migrated to head, created for this module and dropped after it."""
    from forum.db.migrate import upgrade

    folder = tmp_path_factory.mktemp("outbox")
    if request.param == "sqlite":
        settings = Settings.from_env(base_env(folder, f"sqlite+aiosqlite:///{folder / 'forum.db'}"))
        upgrade(settings)
        yield settings
        return
    require_postgres()
    name = f"haven_outbox_{uuid.uuid4().hex[:12]}"
    pg_execute(f'CREATE DATABASE "{name}"')
    try:
        settings = Settings.from_env(base_env(folder, f"{PG_SERVER_URL}/{name}"))
        upgrade(settings)
        yield settings
    finally:
        pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def database(outbox_settings: Settings) -> AsyncIterator[Database]:
    """A Database on the module's schema with an empty outbox."""
    db = Database(outbox_settings)
    async with db.engine.begin() as conn:
        await conn.execute(delete(OutboxEvent))
    yield db
    await db.dispose()
