"""Shared types for the toxicity classifiers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

#: Every label a classifier may report, in Detoxify's (unbiased model) naming.
LABELS: tuple[str, ...] = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
)

#: One text's scores: label -> probability in 0..1. Only the labels the model supports are present.
Scores = dict[str, float]


class ClassifierUnavailable(RuntimeError):
    """A classifier backend could not be loaded; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@runtime_checkable
class Classifier(Protocol):
    """A toxicity classifier. ``score_batch`` is synchronous and CPU bound: run it in a thread."""

    name: str
    #: Human-readable: which backend is active and why.
    description: str

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        """Score each text; the result has one ``Scores`` per input, in order."""
        ...


def clip01(value: float) -> float:
    """Clamp to 0..1 (and turn NaN into 0) so downstream thresholds never see odd values."""
    if value != value:  # NaN
        return 0.0
    return min(1.0, max(0.0, float(value)))
