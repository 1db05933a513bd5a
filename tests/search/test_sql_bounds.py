"""The SQL backend's bounds on work: the counting cap and the ranking window, made tiny to see them.

At full size they are 1,000 (COUNT_CAP) and 5,000 (RANK_WINDOW); the rules must hold at any size:
totals are exact below the cap and flagged above it, and a reader's hidden posts never leave a
page short while more visible matches exist.
"""

from __future__ import annotations

import pytest

import search.sql


@pytest.fixture
def tiny_bounds(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    if engine == "meilisearch":
        pytest.skip("bounds of the SQL backend")
    monkeypatch.setattr(search.sql, "COUNT_CAP", 12)
    monkeypatch.setattr(search.sql, "RANK_WINDOW", 15)


@pytest.mark.usefixtures("tiny_bounds")
async def test_totals_are_exact_below_the_cap_and_flagged_above_it(world) -> None:
    await world.member("ana")
    thread, _ = await world.thread("ana", "Tea", "Tea helps.")
    for n in range(10):
        await world.reply("ana", thread, f"Tea, cup {n}.")
    await world.sync()
    exact = await world.search("tea")
    assert exact["total"] == 11 and exact["total_exact"] is True
    for n in range(5):
        await world.reply("ana", thread, f"Tea, another {n}.")
    await world.sync()
    capped = await world.search("tea")
    assert capped["total"] == 12 and capped["total_exact"] is False
    assert len(capped["hits"]) == 10


@pytest.mark.usefixtures("tiny_bounds")
async def test_hidden_posts_never_leave_a_page_short_or_a_total_wrong(world) -> None:
    await world.member("ana")
    await world.member("cleo")
    # Twenty matches, the newest sixteen hidden for cleo: the ranking window (15) holds none
    # that she may see, so the backend has to look further.
    _, first = await world.thread("ana", "Letters", "Letters to dad.")
    other, _ = await world.thread("ana", "More letters", "Letters, the rest.", ("suicide",))
    thread, _ = await world.thread("ana", "Letters again", "Letters, plain.")
    visible = [first, *[await world.reply("ana", thread, f"Letters {n}.") for n in range(2)]]
    for n in range(15):
        await world.reply("ana", other, f"Letters, hidden {n}.")
    await world.sync()
    await world.preferences("cleo", suicide="hide")
    answer = await world.search("letters", as_="cleo")
    assert answer["total"] == 4 and answer["total_exact"] is True
    assert len(answer["hits"]) == 4
    assert set(visible) <= {h["post_id"] for h in answer["hits"]}
