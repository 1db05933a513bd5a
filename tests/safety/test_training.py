"""`forum safety train`: reproducible, and the shipped heads are the ones the corpus in the tree makes."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from forum.safety.heads import Heads
from forum.safety.train import Example, corpus_sha256, read_jsonl, split
from forum.warnings import suggest, training
from moderation import crisis_model


@pytest.mark.parametrize(("module", "shipped"), [(crisis_model, crisis_model.SHIPPED_HEADS),
                                                 (training, suggest.SHIPPED_HEADS)], ids=["crisis", "warnings"])
def test_the_shipped_heads_were_trained_on_the_corpus_as_it_is_now(module, shipped) -> None:
    heads = Heads.load(shipped)
    assert heads.corpus_sha256 == corpus_sha256(module.corpus_files()), (
        "the labelled corpus changed after the heads were trained: run `forum safety train --ship` and commit both")


def test_the_corpora_are_as_big_and_varied_as_promised() -> None:
    crisis = crisis_model.load_corpus()
    per_class = {c: sum(1 for e in crisis if e.labels[0] == c) for c in crisis_model.CLASSES}
    assert len(crisis) >= 1500 and min(per_class.values()) >= 80, per_class
    posts = training.load_corpus()
    per_warning = {s: sum(1 for e in posts if s in e.labels) for s in training.SEED_SLUGS}
    assert len(posts) >= 1500 and min(per_warning.values()) >= 60, per_warning
    assert sum(1 for e in posts if not e.labels) >= 300


def test_the_split_depends_on_the_text_alone_so_new_examples_never_move_old_ones() -> None:
    examples = [Example(f"sentence number {i}", ("neutral",)) for i in range(500)]
    dev = {e.text for e in split(examples)[1]}
    more = [*examples, *(Example(f"another {i}", ("neutral",)) for i in range(100))]
    assert {e.text for e in split(more)[1]} >= dev
    assert 0.12 < len(dev) / len(examples) < 0.28


def test_duplicate_texts_are_read_once(tmp_path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "Same words", "label": "neutral"}) + "\n"
                                      + json.dumps({"text": "same  words ", "label": "past"}) + "\n")
    assert len(read_jsonl([tmp_path / "a.jsonl"], "label")) == 1


def test_training_twice_on_the_same_corpus_gives_the_same_heads(safety, tmp_path, monkeypatch) -> None:
    rows = [json.loads(line) for path in crisis_model.corpus_files() for line in path.read_text().splitlines()
            if line.strip()]
    random.Random(7).shuffle(rows)
    small = [r for c in crisis_model.CLASSES for r in [r for r in rows if r["label"] == c][:25]]
    (tmp_path / "small.jsonl").write_text("".join(json.dumps(r) + "\n" for r in small))
    monkeypatch.setattr(crisis_model, "CORPUS", tmp_path)
    first, _ = crisis_model.train(safety.embedder)
    second, _ = crisis_model.train(safety.embedder)
    np.testing.assert_array_equal(first.coef, second.coef)
    assert first.thresholds == second.thresholds
    assert first.to_json() == second.to_json()
