"""Alembic environment: runs migrations on the async engine the forum itself uses."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import forum.accounts.models
import forum.discussions.models
import forum.outbox.models
import forum.warnings.models
import moderation.models
from forum.aio import run_sync
from forum.db.base import metadata
from forum.db.engine import create_engine
from forum.settings import Settings

# Every package's models: importing them adds their tables to `metadata`, so that it holds the whole
# schema (the migrations are the database's composition root). Search has no models: its index
# tables are made by the migrations alone (see _include_object).
MODEL_MODULES = (
    forum.accounts.models,
    forum.discussions.models,
    forum.warnings.models,
    forum.outbox.models,
    moderation.models,
)
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
