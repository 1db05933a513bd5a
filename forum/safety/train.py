"""What training the heads has in common: reading a corpus, a fixed split, embedding, fitting.

Deterministic by construction: the split is decided by a hash of each text (not by a random
draw), logistic regression is fitted with a fixed seed and a deterministic solver, so running
`forum safety train` twice on the same corpus and model writes the same file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forum.safety.lexical import Lexicon
from forum.safety.model import Embedder
from forum.safety.units import units

SEED = 20261201
# One text in five goes to the development split, on which thresholds are chosen.
DEV_BUCKETS = 5
# A word or pair of words becomes a feature when at least this many training texts use it.
MIN_DF = 3


@dataclass(frozen=True)
class Example:
    text: str
    labels: tuple[str, ...]
    voice: str = ""
    source: str = ""

    @property
    def is_dev(self) -> bool:
        """Fixed by the text alone, so adding examples never moves old ones between splits."""
        return int(hashlib.sha256(self.text.encode()).hexdigest(), 16) % DEV_BUCKETS == 0


def read_jsonl(paths: Iterable[Path], label_key: str) -> list[Example]:
    """Every example in ``paths`` (one JSON object a line); duplicate texts are kept once."""
    seen: set[str] = set()
    out: list[Example] = []
    for path in sorted(paths):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            text = row["text"].strip()
            key = " ".join(text.lower().split())
            if key in seen:
                continue
            seen.add(key)
            raw = row[label_key]
            labels = tuple(raw) if isinstance(raw, list) else (raw,)
            out.append(Example(text, labels, row.get("voice", ""), f"{path.name}:{n}"))
    return out


def corpus_sha256(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    train = [e for e in examples if not e.is_dev]
    dev = [e for e in examples if e.is_dev]
    return train, dev


def whole_texts(examples: Sequence[Example]) -> list[str]:
    """Training reads each example whole (its label is about the whole text)."""
    return [units(e.text)[0] for e in examples]


def embed_units(embedder: Embedder, examples: Sequence[Example]) -> list[tuple[list[str], np.ndarray]]:
    """Evaluation reads each example exactly as the forum reads a post: whole, plus windows if long."""
    out = []
    for e in examples:
        pieces = units(e.text)
        out.append((pieces, embedder.embed(pieces)))
    return out


def training_features(embedder: Embedder, examples: Sequence[Example]) -> tuple[Lexicon, np.ndarray]:
    """The vocabulary (from the training split only) and each example's [embedding | TF-IDF] row."""
    texts = whole_texts(examples)
    lexicon = Lexicon.fit(texts, min_df=MIN_DF)
    return lexicon, np.hstack([embedder.embed(texts), lexicon.transform(texts)])


def fit_softmax(x: np.ndarray, labels: Sequence[str], classes: Sequence[str],
                c: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    y = np.array([classes.index(label) for label in labels])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED, solver="lbfgs")
    model.fit(x, y)
    return model.coef_.astype(np.float32), model.intercept_.astype(np.float32)


def fit_sigmoid(x: np.ndarray, label_sets: Sequence[Sequence[str]], classes: Sequence[str],
                c: float) -> tuple[np.ndarray, np.ndarray]:
    """One class-weighted logistic regression per class (a post may carry several)."""
    from sklearn.linear_model import LogisticRegression

    coefs, intercepts = [], []
    for cls in classes:
        y = np.array([cls in labels for labels in label_sets], dtype=int)
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED, solver="lbfgs")
        model.fit(x, y)
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    return np.asarray(coefs, dtype=np.float32), np.asarray(intercepts, dtype=np.float32)
