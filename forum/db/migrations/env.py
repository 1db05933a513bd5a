"""Alembic environment: runs migrations on the async engine the forum itself uses."""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy.engine import Connection

from forum.aio import run_sync
from forum.db.base import metadata
from forum.db.engine import create_engine
from forum.settings import Settings

# Every package's models, so the schema is complete (the migrations are the composition root of
# the database: forum's tables, then moderation's and search's).
MODEL_MODULES = (
    "forum.accounts.models",
    "forum.discussions.models",
    "forum.warnings.models",
    "forum.outbox.models",
    "moderation.models",
    "search.models",
)
for module in MODEL_MODULES:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise

config = context.config


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # Tables that only migrations create (the search index, FTS5's shadow tables) have no model;
    # autogenerate must not offer to drop them.
    return not (type_ == "table" and reflected and compare_to is None)


def _do_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    settings: Settings = config.attributes.get("settings") or Settings.from_env()
    engine = create_engine(settings)
    async with engine.connect() as connection:
        await connection.run_sync(_do_run)
        await connection.commit()
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _do_run(connection)
    else:
        run_sync(_run_async())


run_migrations_online()
