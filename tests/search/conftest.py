"""Fixtures for the search tests: each contract test runs once per search engine.

Engines: SQLite FTS5 and PostgreSQL (the SQL backend on each database), and Meilisearch when
FORUM_TEST_MEILI_URL points at a running server (each test gets an index of its own, deleted after).
Content goes in through the real JSON API; the outbox events it writes are handed to the real
search indexer by `World.sync()`, the way the outbox worker would.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select, update

from forum.settings import Settings
from tests.conftest import Api

if TYPE_CHECKING:
    from litestar import Litestar

    from search.indexer import SearchIndexer
    from search.protocol import SearchBackend

MEILI_URL = os.environ.get("FORUM_TEST_MEILI_URL")
MEILI_KEY = os.environ.get("FORUM_TEST_MEILI_KEY")
MEILI_SKIP = ("Meilisearch server not installable on this machine (not in any reachable registry); "
              "set FORUM_TEST_MEILI_URL to run")


@pytest.fixture(params=[
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("meilisearch", marks=pytest.mark.skipif(not MEILI_URL, reason=MEILI_SKIP)),
])
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def backend(engine: str) -> str:
    """The database under the engine (Meilisearch runs beside SQLite)."""
    return "postgres" if engine == "postgres" else "sqlite"


@pytest.fixture
def settings(settings: Settings, engine: str) -> Settings:
    if engine != "meilisearch":
        return settings
    return dataclasses.replace(settings, search_backend="meilisearch", meili_url=MEILI_URL, meili_key=MEILI_KEY,
                               extra={**settings.extra, "meili_index": f"haven_test_{uuid.uuid4().hex[:10]}"})


def search_indexer(app: Litestar) -> SearchIndexer:
    """The SearchIndexer this app was composed with (it holds the app's backend)."""
    from search.indexer import SearchIndexer

    for subscriber in app.state.composition.subscribers:
        if isinstance(subscriber, SearchIndexer):
            return subscriber
    raise AssertionError("the search plugin isn't installed")


@dataclass
class Delivered:
    """An outbox event as a subscriber receives it."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int = 1


@dataclass
class World:
    """A forum to search in: members, threads and replies made through the API."""

    api: Api
    app: Litestar
    delivered_up_to: int = 0
    topics: list[str] = field(default_factory=lambda: ["anxiety"])

    @property
    def indexer(self) -> SearchIndexer:
        return search_indexer(self.app)

    @property
    def backend(self) -> SearchBackend:
        return self.indexer.backend

    async def member(self, name: str, role: str | None = None) -> str:
        await self.api.member(name, role=role)
        return name

    async def topic(self, slug: str, name: str) -> str:
        from forum.discussions.writing import DiscussionWriter

        async with self.app.state.db.session() as s:
            await DiscussionWriter(s).save_topic(slug, name, f"About {name.lower()}")
        self.topics.append(slug)
        return slug

    async def thread(self, author: str, title: str, body: str, warnings: tuple[str, ...] = (),
                     topic: str = "anxiety") -> tuple[int, int]:
        r = await self.api.post(f"/api/v1/topics/{topic}/threads", as_=author,
                                json={"title": title, "body": body, "warnings": list(warnings)})
        assert r.status_code == 201, r.text
        return r.json()["id"], r.json()["post"]["id"]

    async def reply(self, author: str, thread_id: int, body: str, warnings: tuple[str, ...] = ()) -> int:
        r = await self.api.post(f"/api/v1/threads/{thread_id}/posts", as_=author,
                                json={"body": body, "warnings": list(warnings)})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def edit(self, author: str, post_id: int, **changes: Any) -> None:
        r = await self.api.call("PATCH", f"/api/v1/posts/{post_id}", as_=author, json=changes)
        assert r.status_code == 200, r.text

    async def delete(self, author: str, post_id: int) -> None:
        r = await self.api.call("DELETE", f"/api/v1/posts/{post_id}", as_=author)
        assert r.status_code == 200, r.text

    async def set_status(self, post_id: int, status: str) -> None:
        """What moderation does to a post (hold, hide, remove), with the event it writes."""
        from forum.discussions.models import Post
        from forum.outbox.events import POST_VISIBILITY_CHANGED, emit

        async with self.app.state.db.session() as s:
            await s.execute(update(Post).where(Post.id == post_id).values(status=status))
            emit(s, POST_VISIBILITY_CHANGED, post_id=post_id, status=status)
            await s.commit()

    async def preferences(self, name: str, **choices: Any) -> None:
        r = await self.api.call("PUT", "/api/v1/me/warning-preferences", as_=name, json=choices)
        assert r.status_code == 200, r.text

    async def sync(self) -> int:
        """Deliver every outbox event written since the last sync to the search indexer."""
        from forum.outbox.models import OutboxEvent

        indexer = self.indexer
        async with self.app.state.db.session() as s:
            rows = list(await s.scalars(select(OutboxEvent).where(OutboxEvent.id > self.delivered_up_to)
                                        .order_by(OutboxEvent.id)))
        events = [Delivered(e.id, e.kind, dict(e.payload)) for e in rows if e.kind in indexer.kinds]
        if events:
            await indexer.handle(events)
        if rows:
            self.delivered_up_to = rows[-1].id
        return len(events)

    async def search(self, q: str, as_: str | None = None, **params: Any) -> dict[str, Any]:
        r = await self.api.get("/api/v1/search", as_=as_, params={"q": q, **params})
        assert r.status_code == 200, r.text
        return r.json()

    async def found(self, q: str, as_: str | None = None, **params: Any) -> list[int]:
        """Post ids of the hits, best first."""
        return [h["post_id"] for h in (await self.search(q, as_, **params))["hits"]]


@pytest.fixture
async def world(api: Api, engine: str) -> AsyncIterator[World]:
    w = World(api, api.client.app)
    yield w
    if engine == "meilisearch":
        from search.meili import MeiliSearchBackend

        backend = w.backend
        assert isinstance(backend, MeiliSearchBackend)
        await backend.client.delete_index_if_exists(backend.index_uid)
