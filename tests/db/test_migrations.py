"""Every migration can be undone and done again, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from forum.aio import run_sync
from forum.db.engine import Database
from forum.db.migrate import alembic_config, upgrade
from forum.settings import Settings


async def _state(settings: Settings) -> tuple[set[str], set[str]]:
    """(tables, applied revisions) of the database."""
    database = Database(settings)
    try:
        async with database.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            revisions: set[str] = set()
            if "alembic_version" in tables:
                revisions = {r for (r,) in await conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    finally:
        await database.dispose()
    return tables, revisions


def test_every_migration_can_be_undone_and_done_again(settings: Settings) -> None:
    config = alembic_config(settings)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    tables, revisions = run_sync(_state(settings))
    assert revisions == heads and {"members", "posts", "mod_actions"} <= tables

    command.downgrade(config, "base")
    tables, revisions = run_sync(_state(settings))
    assert revisions == set()
    assert not {"members", "posts", "threads", "mod_actions", "store_entries"} & tables

    upgrade(settings)
    tables, revisions = run_sync(_state(settings))
    assert revisions == heads and {"members", "posts", "mod_actions"} <= tables
