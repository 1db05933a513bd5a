"""With FORUM_RATE_LIMITS=on, joining, signing in and posting are limited per address; reading never is."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from forum.app import create_app
from forum.settings import Settings
from tests.helpers.pages import PASSWORD, form_post, make_topic, serving, sign_in, text_of

KIND_429 = "That's a lot of requests in a short time. Please wait a minute and try again."


def limited_settings(settings: Settings, **extra: str) -> Settings:
    """The test database's settings, built from the environment with rate limits turned on."""
    env = {
        "FORUM_DATA_DIR": str(settings.data_dir),
        "FORUM_DATABASE_URL": settings.database_url,
        "FORUM_SECRET_KEY": settings.secret_key,
        "FORUM_CLASSIFIER": "basic",
        "FORUM_FAST_PASSWORD_HASHING": "1",
        "FORUM_WORKER_IN_PROCESS": "0",
        "FORUM_RATE_LIMITS": "on",
        **extra,
    }
    limited = Settings.from_env(env)
    assert limited.rate_limits
    return limited


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(limited_settings(settings), run_worker=False)
    # A fresh address per test, so counts never carry over between tests.
    address = "10." + ".".join(str(b) for b in uuid.uuid4().bytes[:3])
    async with serving(app, address) as c:
        await make_topic(app)
        yield c


def assert_kind_429(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    assert r.json() == {"status_code": 429, "detail": KIND_429}


async def register(c: httpx.AsyncClient, name: str) -> httpx.Response:
    return await c.post("/api/v1/auth/register", json={"username": name, "password": PASSWORD})


async def token(c: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    return await c.post("/api/v1/auth/token", json={"username": name, "password": password})


async def test_joining_is_limited_to_ten_an_hour_from_one_address(limited):
    for n in range(10):
        assert (await register(limited, f"member{n}")).status_code == 201
    assert_kind_429(await register(limited, "member10"))
    page = await form_post(limited, "/register", {"username": "member11", "password": PASSWORD})
    assert page.status_code == 429 and "<html" in page.text and "Let's take a breath" in text_of(page.text)


async def test_signing_in_is_limited_to_ten_a_minute_wrong_passwords_included(limited):
    await register(limited, "alice")
    for _ in range(9):
        assert (await token(limited, "alice", "wrong-password-1")).status_code == 401
    assert (await token(limited, "alice")).status_code == 200
    assert_kind_429(await token(limited, "alice"))
    page = await form_post(limited, "/login", {"username": "alice", "password": PASSWORD})
    assert page.status_code == 429


async def test_posting_through_the_api_is_limited_to_twelve_a_minute(limited):
    await register(limited, "alice")
    auth = {"Authorization": f"Bearer {(await token(limited, 'alice')).json()['token']}"}
    r = await limited.post("/api/v1/topics/anxiety/threads", json={"title": "t", "body": "b"}, headers=auth)
    thread_id = r.json()["id"]
    for n in range(11):
        r = await limited.post(f"/api/v1/threads/{thread_id}/posts", json={"body": f"reply {n}"}, headers=auth)
        assert r.status_code == 201, r.text
    assert_kind_429(await limited.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "one more"}, headers=auth))
    assert (await limited.get(f"/api/v1/threads/{thread_id}")).json()["total"] == 12


async def test_posting_on_the_pages_is_limited_too(limited):
    await register(limited, "alice")
    await sign_in(limited, "alice")
    r = await form_post(limited, "/topics/anxiety/new", {"title": "Page thread", "body": "words"})
    assert r.status_code in (302, 303)
    thread_path = r.headers["location"]
    answers = [(await form_post(limited, thread_path, {"body": f"reply {n}"}, htmx=True)).status_code
               for n in range(12)]
    assert answers == [200] * 11 + [429]
    assert (await limited.get(thread_path)).status_code == 200


async def test_reading_is_never_limited(limited):
    for _ in range(40):
        assert (await limited.get("/api/v1/topics")).status_code == 200
    for _ in range(15):
        assert (await limited.get("/topics/anxiety")).status_code == 200


async def test_limits_are_off_when_the_setting_says_so(api):
    assert api.client.app.state.settings.rate_limits is False
    for n in range(12):
        assert (await register(api.client, f"member{n}")).status_code == 201


def test_rate_limits_are_on_unless_turned_off():
    assert Settings.from_env({"FORUM_SECRET_KEY": "k" * 40, "FORUM_DATA_DIR": "/tmp/haven-x"}).rate_limits is True
    for value in ("off", "0", "false"):
        assert Settings.from_env({"FORUM_SECRET_KEY": "k" * 40, "FORUM_DATA_DIR": "/tmp/haven-x",
                                  "FORUM_RATE_LIMITS": value}).rate_limits is False
