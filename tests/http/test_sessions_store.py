"""Sessions and rate limits live in the database by default, and in Redis when FORUM_REDIS_URL is set."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from forum.accounts.models import StoreEntry
from forum.app import create_app
from forum.settings import Settings
from tests.helpers.pages import (
    PASSWORD,
    another_browser,
    form_post,
    make_topic,
    serving,
    sign_in,
    sign_out,
    signed_in_as,
)

REDIS_URL = os.environ.get("FORUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("FORUM_REQUIRE_REDIS") == "1"
SESSION_COOKIE = "haven_session"


async def _session_rows(app: Any) -> list[tuple[str, str]]:
    async with app.state.db.session() as s:
        return [(k, n) for k, n in await s.execute(select(StoreEntry.key, StoreEntry.namespace))
                if n.endswith("sessions")]


# --- the database store (the default) -------------------------------------------------------------


async def test_signing_in_keeps_the_session_in_the_database_by_default(api):
    await api.member("alice")
    await sign_in(api.client, "alice")
    session_id = api.client.cookies.get(SESSION_COOKIE)
    assert session_id
    assert [k for k, _ in await _session_rows(api.client.app)] == [session_id]
    await sign_out(api.client)
    assert await _session_rows(api.client.app) == []


async def test_a_visitor_who_only_reads_gets_no_stored_session(api):
    for path in ("/", "/topics/anxiety", "/login", "/settings/warnings"):
        assert (await api.client.get(path)).status_code == 200
    assert SESSION_COOKIE not in api.client.cookies
    assert await _session_rows(api.client.app) == []


async def test_reading_while_signed_in_does_not_write_the_session_again(api):
    await api.member("alice")
    await sign_in(api.client, "alice")

    async def stored() -> list[Any]:
        async with api.client.app.state.db.session() as s:
            return list(await s.execute(select(StoreEntry.key, StoreEntry.value, StoreEntry.expires_at)))

    before = await stored()
    for _ in range(3):
        assert signed_in_as((await api.client.get("/topics/anxiety")).text) == "alice"
    assert await stored() == before


async def test_a_session_cookie_that_was_never_issued_signs_nobody_in(api):
    await api.member("alice")
    api.client.cookies.set(SESSION_COOKIE, "made-up-session-id", domain="testserver.local")
    assert signed_in_as((await api.client.get("/")).text) is None


# --- Redis -----------------------------------------------------------------------------------------


def redis_client() -> Any:
    import redis.asyncio as redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)


async def require_redis() -> None:
    reason = None
    try:
        client = redis_client()
        try:
            await client.ping()
        finally:
            await client.aclose()
    except Exception as exc:
        reason = f"Redis at {REDIS_URL} is not reachable: {exc!r}"
    if reason:
        print(reason)
        if REQUIRE_REDIS:
            pytest.fail(f"{reason} (FORUM_REQUIRE_REDIS=1 makes this a failure)")
        pytest.skip(reason)


def redis_settings(settings: Settings, rate_limits: str = "off") -> Settings:
    return Settings.from_env({
        "FORUM_DATA_DIR": str(settings.data_dir), "FORUM_DATABASE_URL": settings.database_url,
        "FORUM_SECRET_KEY": settings.secret_key, "FORUM_CLASSIFIER": "basic", "FORUM_FAST_PASSWORD_HASHING": "1",
        "FORUM_WORKER_IN_PROCESS": "0", "FORUM_RATE_LIMITS": rate_limits, "FORUM_REDIS_URL": REDIS_URL,
    })


@pytest.fixture
async def redis_forum(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The forum with FORUM_REDIS_URL set and rate limits on, seen from an address of this test's own."""
    await require_redis()
    app = create_app(redis_settings(settings, rate_limits="on"), run_worker=False)
    address = "10." + ".".join(str(b) for b in uuid.uuid4().bytes[:3])
    redis = redis_client()
    created: list[str] = []
    try:
        async with serving(app, address) as c:
            await make_topic(app)
            await c.post("/api/v1/auth/register", json={"username": "alice", "password": PASSWORD})
            yield c, redis
            created = [k.decode() async for k in redis.scan_iter(match=f"*{address}*")]
            if session_id := c.cookies.get(SESSION_COOKIE):
                created += [k.decode() async for k in redis.scan_iter(match=f"*{session_id}*")]
    finally:
        if created:
            await redis.delete(*created)
        await redis.aclose()


async def test_with_redis_a_page_sign_in_works_and_the_session_lives_in_redis(redis_forum):
    c, redis = redis_forum
    await sign_in(c, "alice")
    session_id = c.cookies.get(SESSION_COOKIE)
    assert session_id
    assert signed_in_as((await c.get("/")).text) == "alice"
    keys = [k.decode() async for k in redis.scan_iter(match=f"*{session_id}*")]
    assert keys and all(k.startswith("haven_sessions") for k in keys)
    assert await _session_rows(c.app) == []  # not in the database
    await sign_out(c)
    assert [k async for k in redis.scan_iter(match=f"*{session_id}*")] == []
    assert signed_in_as((await c.get("/")).text) is None


async def test_with_redis_a_visitors_content_settings_are_kept_in_redis(redis_forum):
    c, redis = redis_forum
    r = await form_post(c, "/settings/warnings", {"mode-violence": "hide"})
    assert r.status_code in (302, 303)
    session_id = c.cookies.get(SESSION_COOKIE)
    assert [k async for k in redis.scan_iter(match=f"*{session_id}*")]
    settings_page = (await c.get("/settings/warnings")).text
    assert re.search(r'name="mode-violence" value="hide"[^>]*\schecked', settings_page)


async def test_with_redis_rate_limits_are_counted_in_redis(redis_forum):
    c, redis = redis_forum
    for _ in range(10):
        r = await c.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})
        assert r.status_code == 200
    r = await c.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})
    assert r.status_code == 429
    keys = [k.decode() async for k in redis.scan_iter(match="haven_rate_limit*login*")]
    assert any(str(c._transport.client[0]) in k for k in keys), keys


async def test_signing_in_starts_a_new_session_id_so_a_planted_one_is_worthless(api):
    await api.member("alice")
    api.client.cookies.set(SESSION_COOKIE, "planted-by-someone-else", domain="testserver.local")
    await sign_in(api.client, "alice")
    assert api.client.cookies.get(SESSION_COOKIE) not in (None, "planted-by-someone-else")
    attacker = another_browser(api.client)
    async with attacker:
        attacker.cookies.set(SESSION_COOKIE, "planted-by-someone-else", domain="testserver.local")
        assert signed_in_as((await attacker.get("/")).text) is None
    assert signed_in_as((await api.client.get("/")).text) == "alice"


async def test_a_visitors_session_gets_a_new_id_when_they_sign_in(api):
    await api.member("alice")
    await form_post(api.client, "/settings/warnings", {"mode-violence": "hide"})
    visitor_id = api.client.cookies.get(SESSION_COOKIE)
    assert visitor_id
    await sign_in(api.client, "alice")
    member_id = api.client.cookies.get(SESSION_COOKIE)
    assert member_id and member_id != visitor_id
    assert [k for k, _ in await _session_rows(api.client.app)] == [member_id]  # the old one is gone
