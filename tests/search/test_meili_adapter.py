"""Unit tests of OUR Meilisearch adapter (search/meili.py), not of Meilisearch.

A stub stands in for meilisearch_python_sdk.AsyncClient: it records what the adapter asks for
and answers or fails as told. What Meilisearch itself does with a filter or a query is covered
by the contract suite when FORUM_TEST_MEILI_URL points at a real server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx2
import pytest
from meilisearch_python_sdk.errors import MeilisearchApiError, MeilisearchCommunicationError

from forum.warnings.visibility import Reader
from search.meili import (
    FILTERABLE,
    SEARCH_ATTEMPTS,
    WRITE_ATTEMPTS,
    MeiliSearchBackend,
    document,
    reader_filter,
)
from search.protocol import SearchDoc, SearchUnavailable
from search.snippets import END, START

ANONYMOUS = Reader(modes={1: "warn", 2: "show", 3: "hide"})
GENTLE = Reader(member_id=7, modes={1: "warn"}, gentle_until=dt.datetime(2999, 1, 1, tzinfo=dt.UTC))


@dataclass
class StubIndex:
    client: StubClient
    calls: list[tuple[str, Any]] = field(default_factory=list)

    async def _record(self, name: str, value: Any) -> Any:
        self.client.calls.append((name, value))
        if self.client.failures:
            raise self.client.failures.pop(0)
        return SimpleNamespace(task_uid=len(self.client.calls))

    async def update_settings(self, settings: Any) -> Any:
        return await self._record("update_settings", settings)

    async def add_documents(self, docs: list[dict[str, Any]], primary_key: str | None = None) -> Any:
        return await self._record("add_documents", docs)

    async def delete_documents(self, ids: list[str]) -> Any:
        return await self._record("delete_documents", ids)

    async def delete_documents_by_filter(self, filter: str) -> Any:
        return await self._record("delete_documents_by_filter", filter)

    async def get_stats(self) -> Any:
        await self._record("get_stats", None)
        return SimpleNamespace(number_of_documents=len(self.client.hits))

    async def search(self, query: str, **options: Any) -> Any:
        await self._record("search", {"query": query, **options})
        return SimpleNamespace(hits=self.client.hits, total_hits=len(self.client.hits), estimated_total_hits=None)


@dataclass
class StubClient:
    calls: list[tuple[str, Any]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    task_status: str = "succeeded"

    def index(self, uid: str) -> StubIndex:
        return StubIndex(self)

    async def get_or_create_index(self, uid: str, primary_key: str | None = None) -> StubIndex:
        self.calls.append(("get_or_create_index", (uid, primary_key)))
        return StubIndex(self)

    async def wait_for_task(self, task_uid: int, timeout_in_ms: int | None = None) -> Any:
        self.calls.append(("wait_for_task", task_uid))
        return SimpleNamespace(status=self.task_status, error={"code": "stub"})

    async def health(self) -> Any:
        if self.failures:
            raise self.failures.pop(0)
        return SimpleNamespace(status="available")

    def named(self, name: str) -> list[Any]:
        return [value for call, value in self.calls if call == name]


def backend(client: StubClient, db: Any = None) -> MeiliSearchBackend:
    return MeiliSearchBackend(db, "http://meili.invalid:7700", "key", client=client, retry_delay=0)


def refused(status: int, message: str = "Invalid filter") -> MeilisearchApiError:
    return MeilisearchApiError("refused", httpx2.Response(status, json={"message": message, "code": "x"}))


# --- filters --------------------------------------------------------------------------------------

def test_a_visitor_sees_published_posts_in_published_threads() -> None:
    assert reader_filter(Reader()) == '(status IN ["published"] AND thread_status IN ["published"])'


def test_hidden_warnings_are_excluded_for_the_post_and_its_thread() -> None:
    assert reader_filter(ANONYMOUS) == (
        '(status IN ["published"] AND thread_status IN ["published"]) AND '
        "(NOT warning_ids IN [3] AND NOT thread_warning_ids IN [3])")


def test_gentle_mode_keeps_only_untagged_content_except_your_own() -> None:
    assert reader_filter(GENTLE).endswith(
        "((author_id = 7 OR warning_count = 0) AND (thread_author_id = 7 OR thread_warning_count = 0))")


def test_members_also_see_their_own_held_posts_and_moderators_see_held_ones() -> None:
    member = reader_filter(Reader(member_id=4))
    assert '(author_id = 4 AND status IN ["published", "pending", "hidden", "removed"])' in member
    moderator = reader_filter(Reader(member_id=1, is_moderator=True))
    assert moderator == ('(status IN ["published", "pending", "hidden", "removed"] AND '
                         'thread_status IN ["published", "pending", "hidden", "removed"])')
    assert "deleted" not in member + moderator


def test_the_topic_is_quoted_whatever_it_contains() -> None:
    assert reader_filter(Reader(), 'grief" OR status = "removed\\').endswith(
        '(topic = "grief\\" OR status = \\"removed\\\\")')


def test_every_filtered_field_is_filterable() -> None:
    used = reader_filter(Reader(member_id=2, modes={1: "hide"}), "grief") + reader_filter(GENTLE)
    for name in ("status", "thread_status", "author_id", "thread_author_id", "warning_ids", "thread_warning_ids",
                 "warning_count", "thread_warning_count", "topic"):
        assert name in used and name in FILTERABLE


def test_documents_carry_what_filters_need() -> None:
    doc = SearchDoc(post_id=5, thread_id=2, topic="grief", title="", body="Panicking again", status="published",
                    thread_status="published", author_id=9, thread_author_id=8, post_warning_ids=(3,),
                    thread_warning_ids=(1, 3), warning_slugs=("suicide", "self-harm"),
                    created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    body = document(doc, indexed_at=100.0)
    assert body["id"] == 5 and body["warning_ids"] == [1, 3] and body["warning_count"] == 2
    assert body["thread_warning_count"] == 2 and body["stems"] == "panic again"
    assert body["created_at"] == 1767225600 and body["indexed_at"] == 100.0


# --- set-up, writes and failures ---------------------------------------------------------------------

async def test_settings_are_applied_once_and_waited_for() -> None:
    client = StubClient()
    meili = backend(client)
    await meili.start()
    await meili.start()
    [settings] = client.named("update_settings")
    assert settings.searchable_attributes == ["title", "body", "stems"]
    assert {"topic", "warning_ids", "status", "thread_id", "created_at"} <= set(settings.filterable_attributes)
    assert settings.sortable_attributes == ["created_at"]
    assert settings.typo_tolerance.enabled is True
    assert len(client.named("wait_for_task")) == 1


async def test_writes_wait_until_meilisearch_has_applied_them() -> None:
    client = StubClient()
    meili = backend(client)
    await meili.start()
    doc = SearchDoc(1, 1, "t", "Title", "Body", "published", "published", 1, 1)
    await meili.index([doc])
    await meili.delete([1, 2])
    assert client.named("add_documents")[0][0]["id"] == 1
    assert client.named("delete_documents") == [["1", "2"]]
    assert len(client.named("wait_for_task")) == 3


async def test_a_failed_task_raises_so_the_outbox_retries() -> None:
    client = StubClient()
    meili = backend(client)
    await meili.start()
    client.task_status = "failed"
    with pytest.raises(SearchUnavailable):
        await meili.index([SearchDoc(1, 1, "t", "", "Body", "published", "published", 1, 1)])


async def test_an_unreachable_server_is_retried_then_reported_unavailable() -> None:
    client = StubClient()
    meili = backend(client)
    await meili.start()
    client.failures = [MeilisearchCommunicationError("connection refused")] * SEARCH_ATTEMPTS
    with pytest.raises(SearchUnavailable):
        await meili.search("panic", Reader())
    assert len(client.named("search")) == SEARCH_ATTEMPTS
    client.failures = [MeilisearchCommunicationError("refused")] * (WRITE_ATTEMPTS - 1)
    await meili.delete([1])  # recovers within its attempts
    assert client.named("delete_documents")[-1] == ["1"]


async def test_a_refused_request_is_not_retried_and_still_answers_calmly() -> None:
    client = StubClient()
    meili = backend(client)
    await meili.start()
    client.failures = [refused(400)]
    with pytest.raises(SearchUnavailable):
        await meili.search("panic", Reader())
    assert len(client.named("search")) == 1


async def test_server_errors_are_worth_a_retry() -> None:
    client = StubClient()
    meili = backend(client)
    await meili.start()
    client.failures = [refused(503, "overloaded")]
    result = await meili.search("panic", Reader(), session=_NoRows())
    assert result.total == 0 and len(client.named("search")) == 2


async def test_health_failure_is_not_ready() -> None:
    client = StubClient(failures=[MeilisearchCommunicationError("refused")])
    with pytest.raises(SearchUnavailable):
        await backend(client).ready()


async def test_empty_queries_never_reach_meilisearch() -> None:
    client = StubClient()
    result = await backend(client).search('"*"', Reader())
    assert result.total == 0 and client.calls == []


class _NoRows:
    """A session stand-in for searches whose hits list is empty (hydrate asks nothing then)."""


# --- searching: the request, and the database's last word ------------------------------------------

@pytest.mark.usefixtures("engine")
async def test_hits_are_rechecked_through_the_sql_visibility_rule(world) -> None:
    await world.member("ana")
    await world.member("cleo")
    _, shown = await world.thread("ana", "Shown", "Panic on the stairs.")
    _, tagged = await world.thread("ana", "Tagged", "Panic and the overdose.", ("suicide",))
    _, held = await world.thread("ana", "Held", "Panic, held for review.")
    await world.set_status(held, "pending")
    await world.preferences("cleo", suicide="hide")
    reader = await _reader(world, "cleo")

    client = StubClient(hits=[{"id": str(pid), "_formatted": {"body": f"{START}Panic{END} <b>x</b>"}}
                              for pid in (tagged, shown, held, 999_999)])
    meili = backend(client, world.app.state.db)
    result = await meili.search("panicking", reader, page=1)

    [request] = client.named("search")
    assert request["query"] == "panic"
    assert request["filter"] == reader_filter(reader)
    assert request["highlight_pre_tag"] == START and request["highlight_post_tag"] == END
    assert request["page"] == 1 and request["hits_per_page"] == 10
    assert [h.post_id for h in result.hits] == [shown]
    assert result.total == 1  # what the database refused leaves the total too
    assert str(result.hits[0].snippet) == "<mark>Panic</mark> &lt;b&gt;x&lt;/b&gt;"


async def _reader(world: Any, name: str) -> Reader:
    from forum.accounts.services import AccountService
    from forum.warnings.services import WarningService

    async with world.app.state.db.session() as s:
        member = await AccountService(s, True).by_username(name)
        return await WarningService(s).reader_for(member)
