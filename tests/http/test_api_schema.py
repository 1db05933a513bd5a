"""/schema tells the truth: every /api/v1 route describes its answer, and every real answer fits it.

One walk through the whole API, each route in its main success case (and search while its engine
is down), checks each answer body against the schema /schema/openapi.json publishes for that
route and status, with `$ref`s resolved into its components and no key in an answer that the
schema doesn't name. A route that answers without a described body, or that this walk never
calls, fails the test: clients are generated from this document.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import msgspec
import pytest

from forum.discussions.crisis_help import order_for_reader
from forum.discussions.schemas import CrisisResourceOut
from forum.outbox.worker import OutboxWorker
from search.indexer import SearchIndexer
from search.protocol import SearchUnavailable
from tests.conftest import Api, set_role

CRISIS = "I can't do this anymore. I'm going to kill myself tonight, I have the pills ready."
PASSWORD = "a-long-password-123"


def _closed(schema: Any) -> Any:
    """The schema with every object that names its properties closed to others (additionalProperties
    false where it says nothing), so an answer can't carry a key the document doesn't describe."""
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if "properties" in closed and "additionalProperties" not in closed:
        closed["additionalProperties"] = False
    return closed


class SchemaCheck:
    """Calls routes by their path template and checks each answer against the published schema."""

    def __init__(self, api: Api, document: dict[str, Any]) -> None:
        self.api = api
        self.document = document
        self.components = _closed(document.get("components", {}))
        self.called: set[tuple[str, str]] = set()

    def operations(self) -> set[tuple[str, str]]:
        return {(method.upper(), path) for path, item in self.document["paths"].items()
                if path.startswith("/api/v1/") for method in item}

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A `$ref` (or an allOf of one) followed into components, to see what it describes."""
        while True:
            if "$ref" in schema:
                schema = self.components["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            elif len(schema.get("allOf", [])) == 1:
                schema = schema["allOf"][0]
            else:
                return schema

    def response_schema(self, method: str, template: str, status: int) -> dict[str, Any]:
        operation = self.document["paths"].get(template, {}).get(method.lower())
        assert operation is not None, f"/schema has no {method} {template}"
        response = operation["responses"].get(str(status))
        assert response is not None, f"/schema says nothing of {method} {template} answering {status}"
        content = (response.get("content") or {}).get("application/json")
        assert content and content.get("schema"), f"/schema describes no body for {method} {template} {status}"
        described = self._resolve(content["schema"])
        assert described.get("properties"), f"{method} {template} {status}: the body's fields aren't described"
        return content["schema"]

    async def call(self, method: str, template: str, as_: str | None = None, expect: int = 200,
                   headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        path_params = {k: kwargs.pop(k) for k in list(kwargs) if "{" + k + "}" in template}
        auth = self.api.auth(as_) | (headers or {})
        r = await self.api.client.request(method, template.format(**path_params), headers=auth, **kwargs)
        assert r.status_code == expect, f"{method} {template}: {r.status_code} {r.text[:500]}"
        self.called.add((method, template))
        body = r.json()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  **_closed(self.response_schema(method, template, r.status_code)), "components": self.components}
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.path))
        assert not errors, f"{method} {template} answered what /schema doesn't describe:\n" + "\n".join(
            f"  at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}" for e in errors)
        return body


async def deliver_outbox(app: Any) -> None:
    """Runs what the background worker would: flags, the classifier, search indexing."""
    worker = OutboxWorker(app.state.db, app.state.composition.subscribers, poll_interval=0)
    while await worker.run_once():
        pass


def _search_backend(app: Any) -> Any:
    return next(s for s in app.state.composition.subscribers if isinstance(s, SearchIndexer)).backend


async def _unreachable(*args: Any, **kwargs: Any) -> Any:
    raise SearchUnavailable()


async def test_every_api_route_answers_what_its_openapi_schema_describes(api: Api,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    app = api.client.app
    r = await api.client.get("/schema/openapi.json")
    assert r.status_code == 200
    check = SchemaCheck(api, r.json())
    call = check.call

    # Accounts: sign-up and tokens (by hand, so those answers are checked too).
    for name in ("ash", "bob", "cal", "sam", "ada"):
        extra = {"email": f"{name}@example.org"} if name == "ash" else {}
        await call("POST", "/api/v1/auth/register", expect=201, json={"username": name, "password": PASSWORD, **extra})
        answer = await call("POST", "/api/v1/auth/token", json={"username": name, "password": PASSWORD})
        api.tokens[name] = answer["token"]
    await set_role(app, "sam", "moderator")
    await set_role(app, "ada", "admin")
    await call("GET", "/api/v1/me", "ash")

    # Reading and writing.
    await call("GET", "/api/v1/topics")
    await call("GET", "/api/v1/warnings")
    thread = await call("POST", "/api/v1/topics/{slug}/threads", "ash", expect=201, slug="anxiety",
                        json={"title": "Rough week", "body": "Mornings are **hard**.", "warnings": ["self-harm"]})
    assert thread["crisis_resources"] is None
    tid = thread["id"]
    crisis_thread = await call("POST", "/api/v1/topics/{slug}/threads", "cal", expect=201, slug="anxiety",
                               json={"title": "Tonight", "body": CRISIS, "warnings": []})
    assert crisis_thread["crisis_resources"]
    reply = await call("POST", "/api/v1/threads/{thread_id}/posts", "bob", expect=201, thread_id=tid,
                       json={"body": "Me too. Short walks help me a little."})
    assert reply["crisis_resources"] is None
    crisis = await call("POST", "/api/v1/threads/{thread_id}/posts", "bob", expect=201, thread_id=tid,
                        headers={"Accept-Language": "en-GB"}, json={"body": CRISIS})
    resources = crisis["crisis_resources"]
    assert any(r["primary"] for r in resources) and any("group" in r for r in resources), \
        "both kinds of crisis resource (shown first, and grouped by country) are checked"
    await call("GET", "/api/v1/topics/{slug}/threads", "bob", slug="anxiety")
    await call("GET", "/api/v1/threads/{thread_id}", "bob", thread_id=tid)
    await call("PATCH", "/api/v1/posts/{post_id}", "bob", post_id=reply["id"],
               json={"body": "Me too. Walks help.", "warnings": ["other"], "other_warning": "low mood"})
    await call("PATCH", "/api/v1/threads/{thread_id}", "sam", thread_id=tid, json={"pinned": True})
    preview = await call("POST", "/api/v1/posts/preview", "ash", json={"body": "I cut myself again last night"})
    assert preview["suggested_warnings"]
    assert (await call("POST", "/api/v1/posts/preview", "ash", json={"body": CRISIS}))["crisis_resources"]
    await call("POST", "/api/v1/posts/{post_id}/reactions", "ash", post_id=reply["id"], json={"kind": "support"})

    # Reports, the queue and acting on it.
    await call("POST", "/api/v1/posts/{post_id}/reports", "cal", expect=201, post_id=reply["id"],
               json={"reason": "unkind", "note": "It felt harsh."})
    await deliver_outbox(app)
    queue = await call("GET", "/api/v1/mod/queue", "sam")
    assert any(item["crisis"] for item in queue["items"]), "a crisis card is checked"
    flag = next(item["id"] for item in queue["items"] if item["post"]["id"] == reply["id"])
    await call("POST", "/api/v1/mod/flags/{flag_id}/claim", "sam", flag_id=flag)
    await call("POST", "/api/v1/mod/flags/{flag_id}/unclaim", "sam", flag_id=flag)
    done = await call("POST", "/api/v1/mod/flags/{flag_id}/resolve", "sam", flag_id=flag,
                      json={"action": "remove", "reason": "Unkind to another member."})
    await call("POST", "/api/v1/posts/{post_id}/appeal", "bob", expect=201, post_id=reply["id"],
               json={"note": "I didn't mean it unkindly."})
    queue = await call("GET", "/api/v1/mod/queue", "ada")
    assert any(item["appeal"] for item in queue["items"]), "an appeal card is checked"
    notices = await call("GET", "/api/v1/me/notices", "bob")
    assert notices["items"], "a notice is checked"
    await call("POST", "/api/v1/mod/actions/{action_id}/undo", "sam", action_id=done["action_id"])
    await call("GET", "/api/v1/mod/log", "sam")

    # The reader's choices, search, and a member's own data.
    await call("GET", "/api/v1/me/warning-preferences", "bob")
    saved = await call("PUT", "/api/v1/me/warning-preferences", "bob",
                       json={"self-harm": "hide", "gentle_mode": True, "gentle_for": "hour"})
    assert saved["self-harm"] == "hide" and saved["gentle_until"]
    await deliver_outbox(app)
    found = await call("GET", "/api/v1/search", "ash", params={"q": "mornings", "topic": "anxiety"})
    assert found["hits"], "a hit is checked"
    assert (await call("GET", "/api/v1/search", "ash", params={"q": "kill myself tonight"}))["crisis_resources"]
    await call("GET", "/api/v1/me/export", "bob")
    monkeypatch.setattr(_search_backend(app), "search", _unreachable)
    down = await call("GET", "/api/v1/search", "ash", expect=503, params={"q": "kill myself tonight"})
    assert down["crisis_resources"], "resources don't depend on the search engine"
    await call("DELETE", "/api/v1/posts/{post_id}", "bob", post_id=crisis["id"])
    await call("DELETE", "/api/v1/me", "cal", json={"password": PASSWORD})

    assert check.operations() - check.called == set(), "every /api/v1 route is called here"


async def test_crisis_resources_reach_the_api_with_every_field_their_provider_gives(api: Api) -> None:
    """CrisisResourceOut drops nothing: what the provider gives, ordered for the reader, is what is sent."""
    from moderation.plugin import seed_resources

    async with api.client.app.state.db.session() as s:
        stored = await api.client.app.state.extensions.resources(s)
    for resources in (stored, seed_resources()):
        for region in ("GB", "US", None):
            ordered = order_for_reader(resources, region)
            assert ordered
            assert [msgspec.to_builtins(CrisisResourceOut.from_dict(r)) for r in ordered] == ordered
