"""Training the warning suggester's heads (`forum safety train`), from forum/warnings/data/corpus/.

One class-weighted logistic regression per warning on each post's embedding. A warning's threshold
is chosen on the development split, together with the word list (a suggestion is the word list's
OR the head's): the threshold with the most recall for that warning while its precision stays at
or above ``DEV_PRECISION``. The figures that chose each
threshold are written into the heads file. The test set (tests/data/) is never used here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forum.safety.heads import HeadForm, Heads
from forum.safety.model import Embedder
from forum.safety.train import Example, corpus_sha256, embed_units, fit_sigmoid, read_jsonl, split, training_features
from forum.warnings.suggest import CORPUS, HEADS_NAME, IMPLIES, suggest_warnings
from forum.warnings.taxonomy import SEED_SLUGS

# Precision each warning must keep on the development split. The target on unseen text is micro
# precision >= 0.80, and development precision has run below test precision (0.83 against 0.92 on
# the first test sets), so the floor is set under the target. On the corpus with parts G and H
# (2026-12-01, bench/README.md): floor 0.75 gave development recall 0.74 / precision 0.79, 0.70 gave
# 0.78 / 0.76, 0.60 gave 0.83 / 0.65; C=8 was a little better than C=4 at each floor. With 0.70 the
# test sets measured precision 0.91 (A+B and C alike) against 0.76 on development: development's
# near-miss negatives are harder than real posts, so 0.60 (development precision 0.65) was chosen,
# then scored on test set D, written after it froze.
DEV_PRECISION = 0.60
REGULARISATION = 8.0


def corpus_files() -> list[Any]:
    return sorted(CORPUS.glob("*.jsonl"))


def load_corpus() -> list[Example]:
    examples = read_jsonl(corpus_files(), "warnings")
    unknown = {slug for e in examples for slug in e.labels} - set(SEED_SLUGS)
    if unknown:
        raise ValueError(f"unknown warnings in the corpus: {sorted(unknown)}")
    return examples


@dataclass(frozen=True)
class Scored:
    truth: frozenset[str]
    rules: frozenset[str]
    best: dict[str, float]


def predict(row: Scored, thresholds: dict[str, float]) -> set[str]:
    found = set(row.rules) | {slug for slug, p in row.best.items() if p >= thresholds[slug]}
    for slug, implied in IMPLIES.items():
        if slug in found:
            found.update(implied)
    return found


def figures(rows: Sequence[Scored], thresholds: dict[str, float]) -> dict[str, Any]:
    tp = fp = fn = 0
    per: dict[str, dict[str, float]] = {}
    predicted = [predict(r, thresholds) for r in rows]
    for slug in SEED_SLUGS:
        s_tp = sum(1 for r, p in zip(rows, predicted, strict=True) if slug in p and slug in r.truth)
        s_fp = sum(1 for r, p in zip(rows, predicted, strict=True) if slug in p and slug not in r.truth)
        s_fn = sum(1 for r, p in zip(rows, predicted, strict=True) if slug not in p and slug in r.truth)
        tp, fp, fn = tp + s_tp, fp + s_fp, fn + s_fn
        per[slug] = {"recall": round(s_tp / (s_tp + s_fn), 3) if s_tp + s_fn else 1.0,
                     "precision": round(s_tp / (s_tp + s_fp), 3) if s_tp + s_fp else 1.0,
                     "support": s_tp + s_fn}
    return {"micro_recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
            "micro_precision": round(tp / (tp + fp), 3) if tp + fp else 1.0, "per_warning": per}


def choose_thresholds(rows: Sequence[Scored]) -> dict[str, float]:
    thresholds = dict.fromkeys(SEED_SLUGS, 2.0)  # 2.0: the head never fires (word list only)
    for slug in SEED_SLUGS:
        best = (figures(rows, thresholds)["per_warning"][slug]["recall"], 2.0)
        for t in [round(x, 2) for x in np.arange(0.96, 0.14, -0.02)]:
            row = figures(rows, {**thresholds, slug: t})["per_warning"][slug]
            if row["precision"] < DEV_PRECISION:
                continue
            if row["recall"] > best[0]:
                best = (row["recall"], t)
        thresholds[slug] = best[1]
    return thresholds


def train(embedder: Embedder) -> tuple[Heads, dict[str, Any]]:
    examples = load_corpus()
    train_set, dev_set = split(examples)
    lexicon, x = training_features(embedder, train_set)
    coef, intercept = fit_sigmoid(x, [e.labels for e in train_set], SEED_SLUGS, REGULARISATION)
    draft = Heads(HEADS_NAME, SEED_SLUGS, HeadForm.SIGMOID, coef, intercept, {}, embedder.fingerprint,
                  corpus_sha256(corpus_files()), lexicon)
    rows = []
    for example, (pieces, vectors) in zip(dev_set, embed_units(embedder, dev_set), strict=True):
        probs = draft.probabilities(vectors, pieces).max(axis=0)
        rows.append(Scored(frozenset(example.labels), frozenset(s.slug for s in suggest_warnings(example.text)),
                           {slug: float(probs[i]) for i, slug in enumerate(SEED_SLUGS)}))
    thresholds = choose_thresholds(rows)
    meta = {
        "examples": len(examples), "train": len(train_set), "development": len(dev_set),
        "per_warning": {slug: sum(1 for e in examples if slug in e.labels) for slug in SEED_SLUGS},
        "no_warning": sum(1 for e in examples if not e.labels),
        "regularisation_C": REGULARISATION, "dev_precision_floor": DEV_PRECISION,
        "development_figures": figures(rows, thresholds),
        "development_figures_word_list_only": figures(rows, dict.fromkeys(SEED_SLUGS, 2.0)),
    }
    heads = Heads(HEADS_NAME, SEED_SLUGS, HeadForm.SIGMOID, coef, intercept, thresholds, embedder.fingerprint,
                  draft.corpus_sha256, lexicon, meta)
    return heads, meta
