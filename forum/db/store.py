"""Litestar's key-value `Store` on the forum's own database: sessions and rate limits without Redis.

advanced-alchemy's SQLAlchemyStore does the same through an ORM session per call; a signed-in
page view reads its session first thing, and that path cost ~440 µs there against ~150 µs for the
one plain statement here (bench/README.md). Same table (`store_entries`), same namespaces.
"""

from __future__ import annotations

import datetime as dt

from litestar.stores.base import NamespacedStore
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from forum.accounts.models import StoreEntry

_entries = StoreEntry.__table__


# `expires_at` can't be empty (advanced-alchemy's column); "never" is stored as the far future.
_NEVER = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class DatabaseStore(NamespacedStore):
    """Entries live in `store_entries`, one namespace per use ("LITESTAR_sessions", ...)."""

    def __init__(self, engine: AsyncEngine, namespace: str = "LITESTAR") -> None:
        self.engine = engine
        self.namespace = namespace

    def with_namespace(self, namespace: str) -> DatabaseStore:
        return DatabaseStore(self.engine, f"{self.namespace}_{namespace}")

    def _where(self, key: str) -> tuple:
        return (_entries.c.key == key, _entries.c.namespace == self.namespace)

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(_entries.c.value, _entries.c.expires_at).where(*self._where(key)))).first()
            if row is None or row.expires_at <= _now():
                return None
            if renew_for:
                await conn.execute(update(_entries).where(*self._where(key))
                                   .values(expires_at=_now() + dt.timedelta(seconds=_seconds(renew_for))))
                await conn.commit()
            return bytes(row.value)

    async def set(self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        expires_at = _now() + dt.timedelta(seconds=_seconds(expires_in)) if expires_in else _NEVER
        insert = postgresql_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(_entries).values(key=key, namespace=self.namespace, value=data, expires_at=expires_at)
        statement = statement.on_conflict_do_update(index_elements=[_entries.c.key, _entries.c.namespace],
                                                    set_={"value": data, "expires_at": expires_at})
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def delete(self, key: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(_entries).where(*self._where(key)))

    async def delete_all(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(_entries).where(_entries.c.namespace == self.namespace))

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        async with self.engine.connect() as conn:
            expires_at = await conn.scalar(select(_entries.c.expires_at).where(*self._where(key)))
        if expires_at is None or expires_at >= _NEVER:
            return None
        remaining = int((expires_at - _now()).total_seconds())
        return remaining if remaining > 0 else None  # gone, as far as get() and exists() are concerned

    async def delete_expired(self) -> int:
        """Forget every expired entry, in every namespace (the outbox worker calls this now and then)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(_entries).where(_entries.c.expires_at <= _now()))
        return result.rowcount or 0
