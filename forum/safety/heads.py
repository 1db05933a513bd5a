"""Small trained classifiers ("heads") that read a post's embeddings, and the file they live in.

A head reads two blocks of features: the unit's sentence embedding and its word / word-pair
TF-IDF (forum/safety/lexical.py), both of unit length. A heads file is JSON: the classes, the
vocabulary, the logistic-regression weights, the per-class thresholds chosen
on the development split (with the figures that chose them), the sha256 of the corpus it was
trained on and of the embedding model's weights. Heads trained on one embedding model mean nothing
on another, so a file whose model fingerprint doesn't match the loaded model is not used (and the
forum says so) rather than giving confident nonsense.

`forum safety train` writes retrained heads to FORUM_DATA_DIR/safety/; those win over the files
shipped in the package, so an operator can retrain for their own model without touching the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from forum.safety.lexical import Lexicon
from forum.safety.model import SafetyModel, TextAnalysis


class HeadForm(StrEnum):
    SOFTMAX = "softmax"  # one class per text (the crisis check: what is the writer saying about now?)
    SIGMOID = "sigmoid"  # any number of classes per text (content warnings)


@dataclass(frozen=True)
class ClassScore:
    """A class's best score over a post's units, and the unit that gave it."""

    probability: float
    unit: str


@dataclass(frozen=True)
class Heads:
    name: str
    classes: tuple[str, ...]
    form: HeadForm
    coef: np.ndarray
    intercept: np.ndarray
    thresholds: dict[str, float]
    model_fingerprint: str
    corpus_sha256: str
    lexicon: Lexicon | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def features(self, vectors: np.ndarray, units: tuple[str, ...] | list[str]) -> np.ndarray:
        if self.lexicon is None:
            return vectors
        return np.hstack([vectors, self.lexicon.transform(units)])

    def probabilities(self, vectors: np.ndarray, units: tuple[str, ...] | list[str]) -> np.ndarray:
        """One row per unit, one column per class."""
        logits = self.features(vectors, units) @ self.coef.T + self.intercept
        if self.form is HeadForm.SOFTMAX:
            logits = logits - logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            return exp / exp.sum(axis=1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-logits))

    def fits(self, analysis: TextAnalysis) -> bool:
        return analysis.model_fingerprint == self.model_fingerprint

    def scores(self, analysis: TextAnalysis) -> dict[str, ClassScore]:
        """Each class's highest probability over the post's units (whole post and windows)."""
        probs = self.probabilities(analysis.vectors, analysis.units)
        best = probs.argmax(axis=0)
        return {cls: ClassScore(float(probs[best[i], i]), analysis.units[best[i]])
                for i, cls in enumerate(self.classes)}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "classes": list(self.classes),
            "form": self.form.value,
            "thresholds": self.thresholds,
            "model_fingerprint": self.model_fingerprint,
            "corpus_sha256": self.corpus_sha256,
            "meta": self.meta,
            "lexicon": None if self.lexicon is None else {
                "terms": sorted(self.lexicon.vocabulary, key=self.lexicon.vocabulary.__getitem__),
                "idf": [float(f"{v:.5g}") for v in self.lexicon.idf]},
            # Five significant digits: far below what changes a decision, and the file stays small.
            "intercept": [float(f"{v:.5g}") for v in self.intercept],
            "coef": [[float(f"{v:.5g}") for v in row] for row in self.coef],
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Heads:
        return cls(
            name=data["name"],
            classes=tuple(data["classes"]),
            form=HeadForm(data["form"]),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=np.asarray(data["intercept"], dtype=np.float32),
            thresholds={k: float(v) for k, v in data["thresholds"].items()},
            model_fingerprint=data["model_fingerprint"],
            corpus_sha256=data["corpus_sha256"],
            lexicon=None if not data.get("lexicon") else Lexicon(
                {term: i for i, term in enumerate(data["lexicon"]["terms"])},
                np.asarray(data["lexicon"]["idf"], dtype=np.float32)),
            meta=data.get("meta", {}),
        )

    @classmethod
    def load(cls, path: Path) -> Heads:
        return cls.from_json(json.loads(path.read_text()))


def unusable(heads: Heads, safety: SafetyModel) -> str | None:
    """Why these heads can't read this process's embeddings, in plain words; None when they can."""
    if safety.embedder is None:
        return safety.status.reason
    if safety.embedder.fingerprint != heads.model_fingerprint:
        return "the trained heads were made for another embedding model; run `forum safety train`"
    return None


def heads_path(name: str, shipped: Path, data_dir: Path | None) -> Path:
    """Retrained heads in the data folder win over the shipped ones."""
    if data_dir is not None:
        local = data_dir / "safety" / f"{name}.json"
        if local.is_file():
            return local
    return shipped
