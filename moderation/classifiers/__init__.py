"""Toxicity classifiers: Detoxify when its weights are available, else an offline basic fallback."""

from .base import LABELS, Classifier, ClassifierUnavailable, Scores
from .basic import BasicClassifier
from .loader import Mode, load_classifier

__all__ = [
    "LABELS",
    "BasicClassifier",
    "Classifier",
    "ClassifierUnavailable",
    "DetoxifyClassifier",
    "Mode",
    "Scores",
    "load_classifier",
]


def __getattr__(name: str) -> object:
    # Lazy so importing the package (e.g. for the basic fallback) doesn't pay for torch + transformers.
    if name == "DetoxifyClassifier":
        from .detoxify_backend import DetoxifyClassifier

        return DetoxifyClassifier
    raise AttributeError(name)
