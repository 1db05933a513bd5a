"""The search page and API around the engine: live results, empty states, crisis resources, outages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from forum.hooks import InlineFinding
from search.protocol import SearchUnavailable

pytestmark = pytest.mark.usefixtures("engine")
HTMX = {"HX-Request": "true", "HX-Target": "search-results"}


class WordCheck:
    """A stand-in crisis check (the real one is moderation's); fires on one phrase."""

    name = "crisis-stub"

    def check(self, text: str, analysis: object = None, suggestions: object = ()) -> InlineFinding | None:
        if "end it all" in text.lower():
            return InlineFinding(self.name, "crisis", ("end it all",), show_crisis_resources=True)
        return None


async def resources(_session: Any) -> list[dict[str, Any]]:
    return [{"name": "Samaritans", "phone": "116 123", "hours": "24 hours"}]


def with_crisis_check(app: Any) -> None:
    app.state.extensions.inline_checks.append(WordCheck())
    app.state.extensions.crisis_resources = resources


async def test_the_page_works_without_javascript(world) -> None:
    await world.member("ana")
    thread, post = await world.thread("ana", "Evenings", "Evenings are the hardest part.")
    await world.sync()
    r = await world.api.client.get("/search", params={"q": "evenings"})
    assert r.status_code == 200
    assert '<form class="search-form" method="get" action="/search"' in r.text
    assert 'hx-trigger="keyup changed delay:400ms' in r.text
    assert f'href="/threads/{thread}#post-{post}"' in r.text
    assert "<mark>Evenings</mark>" in r.text
    assert "1 post found" in r.text


async def test_live_search_gets_only_the_results_block(world) -> None:
    await world.member("ana")
    await world.thread("ana", "Evenings", "Evenings are the hardest part.")
    await world.sync()
    r = await world.api.client.get("/search", params={"q": "evenings"}, headers=HTMX)
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="search-results"')
    assert "<html" not in r.text and "<mark>Evenings</mark>" in r.text


async def test_before_searching_the_page_invites_rather_than_reports_nothing(world) -> None:
    r = await world.api.client.get("/search")
    assert r.status_code == 200
    assert "Nothing matched" not in r.text and "Try a feeling" in r.text
    answer = await world.search("")
    assert answer["hits"] == [] and answer["total"] == 0


async def test_no_results_suggests_what_to_try(world) -> None:
    await world.topic("grief", "Grief")
    r = await world.api.client.get("/search", params={"q": "xylophone", "topic": "grief"})
    assert r.status_code == 200
    assert "Nothing matched “xylophone” in Grief." in r.text
    assert 'href="/search?q=xylophone"' in r.text  # search every topic instead


async def test_a_warned_hit_stays_collapsed_on_the_page(world) -> None:
    await world.member("ana")
    await world.thread("ana", "Scars", "Summer makes me think about my scars.", ("self-harm",))
    await world.sync()
    r = await world.api.client.get("/search", params={"q": "scars"})
    block = r.text.split('<ol class="search-hits">', 1)[1]
    assert re.search(r'<details class="warned">\s*<summary>A post that mentions self-harm', block, re.IGNORECASE)
    assert block.index("<details") < block.index("<mark>")


async def test_hidden_content_never_reaches_the_page(world) -> None:
    await world.member("ana")
    await world.member("cleo")
    await world.thread("ana", "Summer", "Summer since the overdose.", ("suicide",))
    await world.sync()
    await world.preferences("cleo", suicide="hide")
    r = await world.api.get("/api/v1/search", as_="cleo", params={"q": "overdose"})
    assert r.json()["total"] == 0 and "overdose" not in str(r.json()["hits"])


async def test_pages_link_to_each_other_keeping_the_question(world) -> None:
    await world.member("ana")
    await world.topic("grief", "Grief")
    thread, _ = await world.thread("ana", "Letters", "Letters to my dad.", topic="grief")
    for n in range(12):
        await world.reply("ana", thread, f"Letters, number {n}.")
    await world.sync()
    r = await world.api.client.get("/search", params={"q": "letters", "topic": "grief"})
    assert 'href="/search?q=letters&amp;topic=grief&amp;page=2"' in r.text
    assert "page 1 of 2" in r.text


async def test_an_unknown_topic_is_a_kind_not_found(world) -> None:
    r = await world.api.get("/api/v1/search", params={"q": "x", "topic": "no-such-topic"})
    assert r.status_code == 404 and "topic" in r.json()["detail"]


async def test_crisis_words_bring_resources_above_the_results(world) -> None:
    with_crisis_check(world.app)
    await world.member("ana")
    await world.thread("ana", "Tonight", "Some nights I want to end it all.")
    await world.sync()
    r = await world.api.client.get("/search", params={"q": "end it all"})
    assert r.status_code == 200
    assert r.text.index('class="crisis-panel"') < r.text.index('class="search-hits"')
    assert "Samaritans" in r.text and "116 123" in r.text
    answer = await world.search("end it all")
    assert answer["crisis_resources"][0]["name"] == "Samaritans"
    assert (await world.search("evenings"))["crisis_resources"] is None


async def unreachable(*args: Any, **kwargs: Any) -> Any:
    raise SearchUnavailable()


def break_search(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine becomes unreachable: every call the backend makes to it fails."""
    for method in ("search", "index", "delete"):
        monkeypatch.setattr(world.backend, method, unreachable)


async def test_when_the_engine_is_down_search_says_so_and_the_forum_carries_on(
        world, monkeypatch: pytest.MonkeyPatch) -> None:
    with_crisis_check(world.app)
    await world.member("ana")
    break_search(world, monkeypatch)
    r = await world.api.get("/api/v1/search", params={"q": "end it all"})
    assert r.status_code == 503
    assert r.json()["kind"] == "search_unavailable" and "moment" in r.json()["detail"]
    assert r.json()["crisis_resources"], "resources don't depend on the search engine"
    page = await world.api.client.get("/search", params={"q": "evenings"})
    assert page.status_code == 503 and "Search is resting for a moment" in page.text
    live = await world.api.client.get("/search", params={"q": "evenings"}, headers=HTMX)
    assert live.status_code == 200 and "Search is resting for a moment" in live.text
    # Posting and reading don't notice; the indexer's failure leaves the events for a retry.
    thread, _ = await world.thread("ana", "Still here", "Posting works while search rests.")
    assert (await world.api.get(f"/api/v1/threads/{thread}")).status_code == 200
    with pytest.raises(SearchUnavailable):
        await world.sync()


async def test_readiness_includes_the_search_index(world) -> None:
    r = await world.api.client.get("/readyz")
    assert r.status_code == 200, r.text
