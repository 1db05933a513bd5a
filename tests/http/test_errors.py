"""Bad input gets a clear 4xx answer in JSON {"status_code","detail"} (or a kind page), never a 500."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from forum.app import create_app


def assert_kind_json_error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["status_code"] == status
    assert isinstance(body["detail"], str) and len(body["detail"]) > 10
    assert "Traceback" not in body["detail"] and "Exception" not in body["detail"]
    return body


MALFORMED = [
    b"{not json",
    b'{"title": "unterminated',
    b"",
    b"[1, 2, 3]",
    b'"just a string"',
    b'{"title": 5, "body": ["a list"]}',
    b'{"body": "no title"}',
    b"\xff\xfe\x00garbage",
]


async def test_malformed_json_is_a_4xx_json_error_never_a_500(api):
    await api.member("alice")
    for raw in MALFORMED:
        r = await api.client.post("/api/v1/topics/anxiety/threads", content=raw,
                                  headers={"Content-Type": "application/json", **api.auth("alice")})
        assert 400 <= r.status_code < 500, (raw, r.text)
        assert_kind_json_error(r, r.status_code)
    assert (await api.get("/api/v1/topics/anxiety/threads")).json()["total"] == 0


async def test_malformed_json_on_sign_up_and_sign_in_is_a_400(client):
    for path in ("/api/v1/auth/register", "/api/v1/auth/token"):
        r = await client.post(path, content=b"{oops", headers={"Content-Type": "application/json"})
        body = assert_kind_json_error(r, 400)
        assert "valid JSON" in body["detail"]


async def test_a_wrongly_typed_field_is_a_400(api):
    await api.member("alice")
    r = await api.post("/api/v1/topics/anxiety/threads", "alice",
                       json={"title": "t", "body": "b", "warnings": "suicide"})
    assert_kind_json_error(r, 400)
    r = await api.call("PUT", "/api/v1/me/warning-preferences", "alice", json=["show"])
    assert_kind_json_error(r, 400)


async def test_an_unknown_api_path_or_method_is_a_json_error(api):
    assert_kind_json_error(await api.get("/api/v1/nothing-here"), 404)
    assert_kind_json_error(await api.call("PUT", "/api/v1/topics"), 405)


async def test_a_bad_page_number_is_read_as_the_first_page_or_refused_kindly(api):
    for path in ("/api/v1/topics/anxiety/threads?page=0", "/api/v1/topics/anxiety/threads?page=-3"):
        r = await api.get(path)
        assert r.status_code == 200 and r.json()["page"] == 1
    assert_kind_json_error(await api.get("/api/v1/topics/anxiety/threads?page=abc"), 400)
    assert (await api.client.get("/topics/anxiety?page=abc")).status_code == 400


async def test_an_unknown_page_is_a_friendly_404_page(client):
    r = await client.get("/no/such/page")
    assert r.status_code == 404
    assert "<html" in r.text and "We couldn" in r.text


async def test_a_reaction_of_an_unknown_kind_is_a_400(api):
    await api.member("alice")
    thread = (await api.post("/api/v1/topics/anxiety/threads", "alice", json={"title": "t", "body": "b"})).json()
    r = await api.post(f"/api/v1/posts/{thread['post']['id']}/reactions", "alice", json={"kind": "like"})
    assert_kind_json_error(r, 400)


async def test_an_unexpected_failure_is_a_kind_500_without_details(api, monkeypatch):
    from forum.discussions.reading import DiscussionReader

    async def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(DiscussionReader, "topics", explode)
    body = assert_kind_json_error(await api.get("/api/v1/topics"), 500)
    assert "secret internals" not in body["detail"]
    page = await api.client.get("/")
    assert page.status_code == 500 and "secret internals" not in page.text and "<html" in page.text


# --- health ----------------------------------------------------------------------------------------


async def test_healthz_answers_once_the_app_serves(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_readyz_answers_when_the_database_and_search_answer(client):
    r = await client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready"}


async def test_readyz_says_what_is_not_ready_when_the_database_is_down(settings):
    from tests.helpers.pages import BASE_URL

    down = dataclasses.replace(settings, database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none")
    app = create_app(down, run_worker=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        r = await c.get("/readyz")
        assert r.status_code == 503
        assert "database" in r.json()["problems"]
        assert (await c.get("/healthz")).status_code == 200
    await app.state.db.dispose()
