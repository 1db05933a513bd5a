"""How a post is cut into the pieces the safety model reads."""

from __future__ import annotations

from forum.safety.units import MAX_WINDOWS, WHOLE_ONLY, plain, sentences, units


def test_a_short_post_is_read_whole() -> None:
    assert units("I can't do this anymore. I have the pills ready tonight.") == [
        "I can't do this anymore. I have the pills ready tonight."]


def test_markdown_marks_are_dropped_before_reading() -> None:
    assert plain("> **I can't** do _this_ [anymore](https://example.org)") == "I can't do this anymore"


def test_line_breaks_end_sentences_as_full_stops_do() -> None:
    assert sentences("hey\nso tired\n\nnot sleeping") == ["hey", "so tired", "not sleeping"]


def test_a_long_post_is_read_whole_and_as_pairs_of_sentences_so_one_sentence_in_the_middle_counts() -> None:
    chatter = [f"Sentence {i} about an ordinary day." for i in range(6)]
    post = " ".join([*chatter[:3], "I have written letters to everyone.", *chatter[3:]])
    pieces = units(post)
    assert pieces[0].startswith("Sentence 0") and pieces[0].endswith("Sentence 5 about an ordinary day.")
    assert any(p.count(".") == 2 and "letters to everyone" in p for p in pieces[1:])
    assert len(sentences(post)) > WHOLE_ONLY


def test_a_very_long_post_costs_a_bounded_number_of_pieces() -> None:
    post = " ".join(f"Line {i} of a very long post." for i in range(2000))
    assert len(units(post)) <= MAX_WINDOWS + 1


def test_an_empty_post_has_nothing_to_read() -> None:
    assert units("   \n ") == []
