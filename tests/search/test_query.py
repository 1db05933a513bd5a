"""Reading what people type: the small query language, and the engine syntax built from it.

No database needed; the FTS5 checks use an in-memory SQLite table with the same tokenizer as the
migration, because "FTS5 accepts everything we build" is the promise that keeps bad queries from
ever becoming a 500.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.query import (
    MAX_QUERY_CHARS,
    MAX_TERMS,
    Term,
    light_stem,
    parse,
    stems_of,
    to_fts5,
    to_meili,
    variants,
    websearch_pieces,
)
from search.snippets import END, START, sanitize


def test_words_are_terms_and_everything_must_match() -> None:
    parsed = parse("panic  Night")
    assert parsed.groups == ((Term(("panic",)),), (Term(("night",)),))
    assert to_fts5(parsed) == '("panic" OR "panick") AND "night"'


def test_quotes_make_a_phrase_even_when_left_open() -> None:
    assert parse('"panic attack" bus').groups == ((Term(("panic", "attack")),), (Term(("bus",)),))
    assert parse('bus "panic attack').groups == ((Term(("bus",)),), (Term(("panic", "attack")),))


def test_joined_words_become_phrases_as_the_index_splits_them() -> None:
    assert parse("self-harm").groups == ((Term(("self", "harm")),),)
    assert parse("don't").groups == ((Term(("don", "t")),),)


def test_minus_excludes_and_or_offers_alternatives() -> None:
    parsed = parse("anxious work or school -exams")
    assert parsed.groups == ((Term(("anxious",)),), (Term(("work",)), Term(("school",))))
    assert parsed.excluded == (Term(("exams",)),)
    assert to_fts5(parsed) == '("anxious" AND ("work" OR "school")) NOT "exams"'


def test_nothing_to_look_for_means_no_query_at_all() -> None:
    for text in ("", "   ", '"', "*", "OR OR", "-panic", "()", "!!!"):
        assert parse(text).is_empty, text
        assert to_fts5(parse(text)) is None


def test_long_queries_are_cut_to_a_sensible_size() -> None:
    parsed = parse(" ".join(f"word{n}" for n in range(500)))
    assert len(parsed.groups) == MAX_TERMS
    assert parse("x" * 10_000).groups == ((Term(("x" * MAX_QUERY_CHARS,)),),)


def test_ic_words_meet_their_ick_forms() -> None:
    assert variants("panicking") == ("panicking", "panic")
    assert variants("panic") == ("panic", "panick")
    assert variants("sleep") == ("sleep",)


def test_websearch_pieces_are_quoted_words_only() -> None:
    groups, excluded = websearch_pieces(parse('panic or "bad night" -"work stress"'))
    assert groups == [[['"panic"', '"panick"'], ['"bad night"']]]
    assert excluded == [['"work stress"']]


def test_the_light_stemmer_brings_forms_together() -> None:
    for forms in (("panic", "panics", "panicked", "panicking"), ("sleep", "sleeping", "sleeps"),
                  ("run", "running"), ("worry", "worries", "worried")):
        assert len({light_stem(f) for f in forms}) == 1, forms
    assert light_stem("stress") == "stress"
    assert light_stem("crisis") == "crisis"
    assert stems_of("Panicking, panicked!") == "panic"


def test_meilisearch_gets_stemmed_words_phrases_and_exclusions() -> None:
    assert to_meili(parse('panicking "bad night" -work')) == 'panic "bad night" -work'


def test_snippets_escape_everything_but_our_marks() -> None:
    raw = f"a <b>{START}panic{END}</b> & <script>x</script> {START}cut off"
    assert sanitize(raw) == ("a &lt;b&gt;<mark>panic</mark>&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt; "
                             "<mark>cut off</mark>")
    assert sanitize(f"{END}stray{START}{START}x{END}{END}") == "stray<mark>x</mark>"


@pytest.fixture(scope="module")
def fts5() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO t (title, body) VALUES ('Panic', 'I keep panicking at night, a panic attack')")
    return db


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
       | st.lists(st.sampled_from(['"', "*", "NEAR(", ")", "OR", "AND", "NOT", "-", ":", "^", "{", "}", "+",
                                   "panic", "night", "'", "\\", "\x00", "é", " "]), max_size=30).map("".join))
def test_fts5_accepts_every_query_we_build(fts5: sqlite3.Connection, text: str) -> None:
    expression = to_fts5(parse(text))
    if expression is not None:
        fts5.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()


def test_fts5_finds_what_the_query_says(fts5: sqlite3.Connection) -> None:
    def hits(text: str) -> int:
        return len(fts5.execute("SELECT rowid FROM t WHERE t MATCH ?", (to_fts5(parse(text)),)).fetchall())

    assert hits("panic") == hits("PANICKED") == hits('"panic attack"') == hits("night -work") == 1
    assert hits('"attack panic"') == hits("panic -night") == 0
