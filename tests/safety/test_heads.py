"""The heads file: what it stores, that it reads back the same, and that its words match scikit-learn's."""

from __future__ import annotations

import json

import numpy as np
import pytest

from forum.safety.heads import HeadForm, Heads, heads_path
from forum.safety.lexical import Lexicon, terms
from forum.safety.model import TextAnalysis
from forum.warnings.suggest import SHIPPED_HEADS as WARNING_HEADS
from moderation.crisis_model import SHIPPED_HEADS as CRISIS_HEADS

TEXTS = ["I took them an hour ago", "two years ago I took an overdose", "this exam is killing me lol",
         "the pills are ready for tonight", "I used to cut, now I paint"]


def test_the_word_features_are_exactly_scikit_learns_tfidf() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    lexicon = Lexicon.fit(TEXTS, min_df=1)
    reference = TfidfVectorizer(analyzer=terms, min_df=1, sublinear_tf=True, norm="l2").fit(TEXTS)
    ours = lexicon.transform(["I took the pills an hour ago", "killing me"])
    theirs = reference.transform(["I took the pills an hour ago", "killing me"]).toarray()
    order = [lexicon.vocabulary[t] for t in sorted(lexicon.vocabulary, key=reference.vocabulary_.__getitem__)]
    np.testing.assert_allclose(ours[:, order], theirs, rtol=1e-5, atol=1e-6)


def test_word_pairs_and_emoji_are_terms() -> None:
    assert terms("Dead 💀 tired") == ["dead", "💀", "tired", "dead 💀", "💀 tired"]


def _heads(form: HeadForm) -> Heads:
    rng = np.random.default_rng(1)
    lexicon = Lexicon.fit(TEXTS, min_df=1)
    width = 4 + len(lexicon.vocabulary)
    return Heads("test", ("a", "b", "c"), form, rng.normal(size=(3, width)).astype(np.float32),
                 rng.normal(size=3).astype(np.float32), {"a": 0.5, "b": 0.6, "c": 0.7}, "fp", "sha", lexicon)


@pytest.mark.parametrize("form", list(HeadForm))
def test_a_heads_file_reads_back_to_the_same_probabilities(form: HeadForm, tmp_path) -> None:
    heads = _heads(form)
    heads.save(tmp_path / "h.json")
    again = Heads.load(tmp_path / "h.json")
    vectors = np.random.default_rng(2).normal(size=(2, 4)).astype(np.float32)
    pieces = ["I took them an hour ago", "lol"]
    np.testing.assert_allclose(again.probabilities(vectors, pieces), heads.probabilities(vectors, pieces), rtol=1e-4)
    assert again.thresholds == heads.thresholds and again.form is form


def test_softmax_rows_sum_to_one_and_scores_name_the_unit_that_scored() -> None:
    heads = _heads(HeadForm.SOFTMAX)
    vectors = np.random.default_rng(3).normal(size=(2, 4)).astype(np.float32)
    probs = heads.probabilities(vectors, ["x y", "the pills are ready"])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    scores = heads.scores(TextAnalysis(("x y", "the pills are ready"), vectors, "fp"))
    best_unit = int(probs[:, 0].argmax())
    assert scores["a"].unit == ("x y", "the pills are ready")[best_unit]
    assert scores["a"].probability == pytest.approx(float(probs[:, 0].max()))


def test_heads_made_for_another_model_are_not_used() -> None:
    heads = _heads(HeadForm.SIGMOID)
    assert heads.fits(TextAnalysis(("x",), np.zeros((1, 4), np.float32), "fp"))
    assert not heads.fits(TextAnalysis(("x",), np.zeros((1, 4), np.float32), "another model"))


def test_heads_retrained_into_the_data_folder_win_over_the_shipped_ones(tmp_path) -> None:
    shipped = tmp_path / "shipped.json"
    assert heads_path("crisis_heads", shipped, tmp_path) == shipped
    (tmp_path / "safety").mkdir()
    (tmp_path / "safety" / "crisis_heads.json").write_text("{}")
    assert heads_path("crisis_heads", shipped, tmp_path) == tmp_path / "safety" / "crisis_heads.json"


@pytest.mark.parametrize("path", [CRISIS_HEADS, WARNING_HEADS], ids=["crisis", "warnings"])
def test_the_shipped_heads_say_how_their_thresholds_were_chosen(path) -> None:
    data = json.loads(path.read_text())
    meta = data["meta"]
    assert meta["development"] > 300 and meta["train"] > 1000
    assert meta["development_figures"], "the figures that chose the thresholds are kept with them"
    assert set(data["thresholds"]) <= set(data["classes"])
