"""DatabaseStore: Litestar's key-value store over `store_entries`, for sessions and rate limits without Redis."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from forum.accounts.models import StoreEntry
from forum.db.store import DatabaseStore

HOUR = 3600


@pytest.fixture
def store(db) -> DatabaseStore:
    return DatabaseStore(db.engine)


async def rows(store: DatabaseStore, namespace: str | None = None) -> int:
    query = select(func.count()).select_from(StoreEntry)
    if namespace is not None:
        query = query.where(StoreEntry.namespace == namespace)
    async with store.engine.connect() as conn:
        return await conn.scalar(query)


async def expire(store: DatabaseStore, key: str) -> None:
    """Move an entry's expiry into the past, as if its time had run out."""
    async with store.engine.begin() as conn:
        await conn.execute(update(StoreEntry)
                           .where(StoreEntry.key == key, StoreEntry.namespace == store.namespace)
                           .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))


async def test_a_value_set_comes_back_as_bytes(store) -> None:
    await store.set("binary", b"\x00\xff session", expires_in=HOUR)
    await store.set("text", "héllo", expires_in=HOUR)
    assert await store.get("binary") == b"\x00\xff session"
    assert await store.get("text") == "héllo".encode()
    assert await store.exists("text")


async def test_a_missing_key_reads_as_nothing(store) -> None:
    assert await store.get("nobody") is None
    assert not await store.exists("nobody")
    assert await store.expires_in("nobody") is None


async def test_setting_a_key_again_replaces_it_in_place(store) -> None:
    await store.set("k", b"first", expires_in=60)
    await store.set("k", b"second", expires_in=HOUR)
    assert await store.get("k") == b"second"
    assert HOUR - 10 <= await store.expires_in("k") <= HOUR
    assert await rows(store) == 1


@pytest.mark.parametrize("expires_in", [1, dt.timedelta(minutes=5)], ids=["seconds", "timedelta"])
async def test_an_expired_entry_reads_as_missing(store, expires_in) -> None:
    await store.set("k", b"v", expires_in=expires_in)
    assert await store.get("k") == b"v"
    await expire(store, "k")
    assert await store.get("k") is None
    assert not await store.exists("k")
    assert await store.expires_in("k") is None
    assert await store.get("k", renew_for=HOUR) is None  # renewing can't bring it back
    assert await store.get("k") is None


async def test_expires_in_counts_the_seconds_left(store) -> None:
    await store.set("seconds", b"v", expires_in=HOUR)
    await store.set("delta", b"v", expires_in=dt.timedelta(minutes=2))
    assert HOUR - 10 <= await store.expires_in("seconds") <= HOUR
    assert 110 <= await store.expires_in("delta") <= 120


@pytest.mark.parametrize("renew_for", [HOUR, dt.timedelta(hours=1)], ids=["seconds", "timedelta"])
async def test_a_get_with_renew_for_pushes_the_expiry_forward(store, renew_for) -> None:
    await store.set("k", b"v", expires_in=60)
    assert await store.get("k", renew_for=renew_for) == b"v"
    assert HOUR - 10 <= await store.expires_in("k") <= HOUR
    assert await store.get("k") == b"v"


async def test_a_plain_get_leaves_the_expiry_alone(store) -> None:
    await store.set("k", b"v", expires_in=60)
    await store.get("k")
    assert await store.expires_in("k") <= 60


async def test_an_entry_set_without_expiry_never_expires(store) -> None:
    await store.set("forever", b"v")
    await store.set("for nothing", b"v", expires_in=0)
    assert await store.get("forever") == await store.get("for nothing") == b"v"
    assert await store.expires_in("for nothing") is None
    assert await store.expires_in("forever") is None
    assert await store.delete_expired() == 0
    assert await store.exists("forever")


async def test_namespaces_keep_the_same_key_apart(store) -> None:
    a, b = store.with_namespace("a"), store.with_namespace("b")
    assert (a.namespace, b.namespace) == ("LITESTAR_a", "LITESTAR_b")
    await a.set("k", b"in a", expires_in=HOUR)
    await b.set("k", b"in b", expires_in=HOUR)
    assert await a.get("k") == b"in a"
    assert await b.get("k") == b"in b"
    assert await store.get("k") is None


async def test_delete_removes_the_key_from_its_own_namespace_only(store) -> None:
    a, b = store.with_namespace("a"), store.with_namespace("b")
    for s in (a, b):
        await s.set("k", b"v", expires_in=HOUR)
    await a.set("other", b"v", expires_in=HOUR)
    await a.delete("k")
    assert await a.get("k") is None
    assert await a.get("other") == b"v"
    assert await b.get("k") == b"v"
    await a.delete("k")  # deleting what isn't there is fine


async def test_delete_all_empties_its_own_namespace_only(store) -> None:
    a, b = store.with_namespace("a"), store.with_namespace("b")
    for key in ("k1", "k2"):
        await a.set(key, b"v", expires_in=HOUR)
        await b.set(key, b"v", expires_in=HOUR)
    await a.delete_all()
    assert await rows(store, "LITESTAR_a") == 0
    assert await rows(store, "LITESTAR_b") == 2
    assert await b.get("k1") == b"v"


async def test_delete_expired_removes_expired_entries_in_every_namespace(store) -> None:
    a, b = store.with_namespace("a"), store.with_namespace("b")
    for s in (a, b):
        await s.set("old", b"v", expires_in=HOUR)
        await s.set("new", b"v", expires_in=HOUR)
        await expire(s, "old")
    assert await store.delete_expired() == 2
    assert await rows(store) == 2
    assert await a.get("new") == b"v"
    assert await b.get("new") == b"v"
    assert await store.delete_expired() == 0
