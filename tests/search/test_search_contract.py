"""The search contract: what every engine must do, said once and run on each of them.

Runs on SQLite FTS5 and PostgreSQL every time, and on Meilisearch when FORUM_TEST_MEILI_URL is
set. Content goes in through the JSON API, indexing happens through the real outbox events and
indexer (`world.sync()`), and searching through GET /api/v1/search, as a reader would.
"""

from __future__ import annotations

import re
import uuid

import pytest

from search.indexer import reindex

pytestmark = pytest.mark.usefixtures("engine")
TAG = re.compile(r"<(/?[a-zA-Z][a-zA-Z0-9]*)")


def only_tags(html: str) -> set[str]:
    """The tag names in an HTML string ("mark", "/mark", ...)."""
    return {t.lower() for t in TAG.findall(html)}


async def test_a_new_post_is_found_once_the_indexer_has_seen_its_event(world) -> None:
    await world.member("ana")
    word = uuid.uuid4().hex  # the contract check searches for exactly this kind of token
    _, post = await world.thread("ana", "First time here", f"Hello everyone {word}")
    assert await world.found(word) == []
    assert await world.sync() >= 1
    assert await world.found(word) == [post]


@pytest.mark.parametrize("token", ["12e45abc9f0d", "0e12", "deadbeef01e5", "3f2a9c00"])
async def test_hex_like_tokens_are_searchable_words(world, token: str) -> None:
    # Number-like hex (PostgreSQL's parser reads "12e45" as a float) must still find the post.
    await world.member("ana")
    _, post = await world.thread("ana", "Token", f"reference {token} here")
    await world.sync()
    assert await world.found(token) == [post]


async def test_a_title_match_ranks_above_a_passing_mention(world) -> None:
    await world.member("ana")
    await world.member("ben")
    _, passing = await world.thread("ben", "A long week", "Work was busy. Also had a small panic on Tuesday, "
                                    "but mostly I was tired and the weather was grey all week long.")
    _, titled = await world.thread("ana", "Panic attacks on the train", "Every morning commute lately, my heart "
                                   "races and I have to get off at the next stop.")
    await world.sync()
    found = await world.found("panic attacks")
    assert found[0] == titled
    assert set(found) <= {titled, passing}


async def test_stemming_matches_other_forms_of_a_word(world) -> None:
    await world.member("ana")
    _, panic = await world.thread("ana", "Tonight", "The panic came back around midnight.")
    _, panicking = await world.thread("ana", "Again", "I keep panicking whenever the phone rings.")
    _, sleep = await world.thread("ana", "Rest", "I can't sleep before a big day.")
    await world.sync()
    assert set(await world.found("panicking")) == {panic, panicking}
    assert set(await world.found("panic")) == {panic, panicking}
    assert await world.found("sleeping") == [sleep]


async def test_a_quoted_phrase_needs_the_words_together_and_in_order(world) -> None:
    await world.member("ana")
    _, together = await world.thread("ana", "Bus", "I had a panic attack on the bus today.")
    _, apart = await world.thread("ana", "Work", "The attack of nerves left me in a panic all day.")
    await world.sync()
    assert await world.found('"panic attack"') == [together]
    assert set(await world.found("panic attack")) == {together, apart}


async def test_excluded_words_and_alternatives(world) -> None:
    await world.member("ana")
    _, work = await world.thread("ana", "Work", "Anxious about work again.")
    _, school = await world.thread("ana", "School", "Anxious about school again.")
    _, home = await world.thread("ana", "Home", "Anxious at home again.")
    await world.sync()
    assert set(await world.found("anxious -school")) == {work, home}
    assert set(await world.found("anxious work or school")) == {work, school}


async def test_the_topic_filter_keeps_to_one_topic(world) -> None:
    await world.member("ana")
    await world.topic("grief", "Grief")
    _, anxious = await world.thread("ana", "Evenings", "Evenings are the hardest part.", topic="anxiety")
    _, grieving = await world.thread("ana", "Since March", "Evenings are the hardest part since she died.",
                                     topic="grief")
    await world.sync()
    assert await world.found("evenings", topic="grief") == [grieving]
    assert await world.found("evenings", topic="anxiety") == [anxious]
    assert set(await world.found("evenings")) == {anxious, grieving}
    answer = await world.search("evenings", topic="grief")
    assert answer["topic"] == "grief" and answer["total"] == 1


async def test_a_warned_hit_carries_its_warnings_and_says_warn(world) -> None:
    await world.member("ana")
    # self-harm is collapsed ("warn") by default.
    _, warned = await world.thread("ana", "Scars", "Summer makes me think about my scars.", ("self-harm",))
    await world.sync()
    [hit] = (await world.search("scars"))["hits"]
    assert hit["post_id"] == warned
    assert hit["warnings"] == ["self-harm"]
    assert hit["warning_mode"] == "warn"


async def test_content_a_reader_hides_is_never_in_hits_or_totals(world) -> None:
    await world.member("ana")
    await world.member("cleo")
    thread, tagged_thread_post = await world.thread("ana", "Summer", "Summer is hard since the overdose.",
                                                    ("suicide",))
    reply = await world.reply("ana", thread, "Summer evenings especially.")  # covered by its thread's warning
    other_thread, _ = await world.thread("ana", "Walks", "Summer walks help me.")
    tagged_reply = await world.reply("ana", other_thread, "Summer makes the scars show.", ("self-harm",))
    await world.sync()
    assert (await world.search("summer"))["total"] == 4

    await world.preferences("cleo", suicide="hide", **{"self-harm": "hide"})
    answer = await world.search("summer", as_="cleo")
    found = [h["post_id"] for h in answer["hits"]]
    assert tagged_thread_post not in found and reply not in found and tagged_reply not in found
    assert answer["total"] == len(found) == 1
    assert "overdose" not in str(answer) and "scars" not in str(answer)


async def test_gentle_mode_hides_everything_tagged(world) -> None:
    await world.member("ana")
    await world.member("cleo")
    _, plain = await world.thread("ana", "Rain", "Rain on the window tonight.")
    await world.thread("ana", "Rain again", "Rain, and memories of the abuse.", ("abuse",))
    await world.sync()
    assert len(await world.found("rain", as_="cleo")) == 2
    await world.preferences("cleo", gentle_mode=True)
    answer = await world.search("rain", as_="cleo")
    assert [h["post_id"] for h in answer["hits"]] == [plain]
    assert answer["total"] == 1


async def test_your_own_words_come_back_collapsed_not_hidden(world) -> None:
    await world.member("ana")
    _, mine = await world.thread("ana", "Mine", "Writing about the overdose helped.", ("suicide",))
    await world.sync()
    await world.preferences("ana", suicide="hide")
    [hit] = (await world.search("overdose", as_="ana"))["hits"]
    assert hit["post_id"] == mine and hit["warning_mode"] == "warn"


@pytest.mark.parametrize("status", ["pending", "hidden", "removed"])
async def test_held_hidden_and_removed_posts_never_reach_other_readers(world, status: str) -> None:
    await world.member("ana")
    await world.member("ben")
    thread, _ = await world.thread("ana", "Shared", "Breathing exercises: my list.")
    post = await world.reply("ben", thread, "Breathing exercises never worked for me, honestly.")
    await world.sync()
    assert post in await world.found("breathing")

    await world.set_status(post, status)
    # Even before the indexer hears of it, the reader's rule is applied at search time.
    for reader in (None, "ana"):
        answer = await world.search("breathing", as_=reader)
        assert post not in [h["post_id"] for h in answer["hits"]]
        assert answer["total"] == 1
        assert "never worked" not in str(answer)
    await world.sync()
    assert post not in await world.found("breathing")
    # Its author still finds it, marked, as on the thread page.
    [own] = [h for h in (await world.search("breathing", as_="ben"))["hits"] if h["post_id"] == post]
    assert own["status"] == status


async def test_a_deleted_post_is_gone_for_everyone(world) -> None:
    await world.member("ana")
    await world.member("mod", role="moderator")
    thread, _ = await world.thread("ana", "Keeping", "Journaling helps on bad days.")
    post = await world.reply("ana", thread, "Journaling at night, mostly.")
    await world.sync()
    await world.delete("ana", post)
    await world.sync()
    for reader in (None, "ana", "mod"):
        assert post not in await world.found("journaling", as_=reader)


async def test_deleting_an_account_with_its_posts_removes_them(world) -> None:
    await world.member("ana")
    r = await world.api.post("/api/v1/auth/token", json={"username": "ana", "password": "a-long-password-123"})
    assert r.status_code == 200
    _, post = await world.thread("ana", "Goodbye", "Gardening kept me going.")
    await world.sync()
    assert await world.found("gardening") == [post]
    from forum.accounts.services import AccountService

    async with world.app.state.db.session() as s:
        accounts = AccountService(s, True)
        await accounts.delete_account(await accounts.by_username("ana"), remove_posts=True)
    await world.sync()
    assert await world.found("gardening") == []


async def test_an_edit_replaces_the_old_words(world) -> None:
    await world.member("ana")
    thread, post = await world.thread("ana", "Draft", "Counselling starts on Monday.")
    await world.sync()
    await world.edit("ana", post, body="Therapy starts on Monday.", title="Therapy soon")
    await world.sync()
    assert await world.found("counselling") == []
    assert await world.found("therapy") == [post]
    [hit] = (await world.search("therapy"))["hits"]
    assert hit["thread_title"] == "Therapy soon" and hit["thread_id"] == thread


async def test_pages_of_results_are_numbered_and_never_overlap(world) -> None:
    await world.member("ana")
    thread, first = await world.thread("ana", "Gratitude", "Gratitude list, day 1.")
    posts = [first] + [await world.reply("ana", thread, f"Gratitude list, day {n}.") for n in range(2, 24)]
    await world.sync()
    pages = [await world.search("gratitude", page=n) for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [23, 23, 23]
    assert [p["pages"] for p in pages] == [3, 3, 3]
    assert [len(p["hits"]) for p in pages] == [10, 10, 3]
    seen = [h["post_id"] for p in pages for h in p["hits"]]
    assert sorted(seen) == sorted(posts)
    beyond = await world.search("gratitude", page=9)
    assert beyond["hits"] == [] and beyond["total"] == 23


async def test_reindex_rebuilds_the_same_index_and_is_safe_to_repeat(world) -> None:
    await world.member("ana")
    thread, _ = await world.thread("ana", "Walking", "Walking by the river helps.")
    await world.reply("ana", thread, "Walking in the rain counts too.")
    gone = await world.reply("ana", thread, "Walking with a friend.")
    await world.sync()
    before = await world.search("walking")
    # Drift: an entry is lost, and a deleted post's entry lingers (the event was never delivered).
    await world.backend.delete([before["hits"][0]["post_id"]])
    await world.delete("ana", gone)
    world.delivered_up_to += 10_000

    first = await reindex(world.app.state.db, world.backend, batch=2)
    second = await reindex(world.app.state.db, world.backend, batch=2)
    after = await world.search("walking")
    assert first.indexed == second.indexed == 2
    assert sorted(h["post_id"] for h in after["hits"]) == sorted(
        h["post_id"] for h in before["hits"] if h["post_id"] != gone)
    assert after["total"] == 2
    assert await world.backend.count() == 2


async def test_replaying_events_changes_nothing(world) -> None:
    await world.member("ana")
    _, post = await world.thread("ana", "Music", "Music helps me settle.")
    await world.sync()
    once = await world.search("music")
    assert [h["post_id"] for h in once["hits"]] == [post]
    world.delivered_up_to = 0  # at-least-once delivery: everything again
    await world.sync()
    assert await world.search("music") == once
    assert await world.backend.count() == 1


BAD_QUERIES = [
    "", "   ", "\"", "\"\"", "\"panic", "*", "panic*", "NEAR(", "NEAR(panic attack, 2)", "OR OR", "OR",
    "AND", "NOT panic", "panic NOT", "-", "-panic", "--", "(", ")", "{title}:panic", "title:panic", "^panic",
    "x" * 10_000, "panic " * 2_000, "'; DROP TABLE posts; --", "1' OR '1'='1", "%_\\", "\x00", "\u202e",
    "😢 panic", "пaника", "パニック", "café", "ﬁ", "<script>alert(1)</script>", "&amp;", "!!! ???",
    "a:b", "@@", "&&", "||", "!!", "<->", "'", "\\\"", "\t\n", "(panic)", "panic OR OR",
]


@pytest.mark.parametrize("query", BAD_QUERIES, ids=lambda q: repr(q[:24]))
async def test_odd_queries_get_an_ordinary_answer(world, query: str) -> None:
    await world.member("ana")
    _, post = await world.thread("ana", "Panic", "A panic attack at work.")
    await world.sync()
    answer = await world.search(query)
    assert isinstance(answer["hits"], list) and answer["total"] >= 0
    if query in STILL_FIND_PANIC:
        assert [h["post_id"] for h in answer["hits"]] == [post]


# Stray syntax around a real word is ignored, not an error and not a reason to find nothing.
STILL_FIND_PANIC = {"\"panic", "panic*", "^panic", "😢 panic", "panic " * 2_000, "(panic)", "panic OR OR"}


async def test_snippets_mark_the_match_and_escape_everything_else(world) -> None:
    await world.member("ana")
    body = "I typed <script>alert(1)</script> & <b>bold</b> by mistake; the panic was real."
    await world.thread("ana", "Oops", body)
    await world.sync()
    [hit] = (await world.search("panic"))["hits"]
    assert only_tags(hit["snippet"]) <= {"mark", "/mark"}
    assert "<mark>panic</mark>" in hit["snippet"]
    # Text that looks like markup is escaped (PostgreSQL's ts_headline drops it altogether).
    assert "<script" not in hit["snippet"] and "&amp;" in hit["snippet"]


async def test_accents_are_folded_both_ways(world) -> None:
    await world.member("ana")
    _, accented = await world.thread("ana", "Small joys", "A café au lait with a friend helped today.")
    _, plain = await world.thread("ana", "Routine", "The cafe on the corner opens early.")
    await world.sync()
    assert set(await world.found("cafe")) == {accented, plain}
    assert set(await world.found("café")) == {accented, plain}
