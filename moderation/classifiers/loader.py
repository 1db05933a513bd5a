"""Pick the active classifier: Detoxify when its weights can be had, else the basic fallback."""

from __future__ import annotations

import logging
import os
import time
from typing import Literal

from .base import Classifier, ClassifierUnavailable
from .basic import BasicClassifier

log = logging.getLogger("moderation.classifier")

Mode = Literal["auto", "detoxify", "basic"]


def load_classifier(
    mode: Mode = "auto",
    model_type: str = "unbiased-small",
    checkpoint: str | os.PathLike[str] | None = None,
    hf_config: str | os.PathLike[str] | None = None,
) -> Classifier:
    """Load the classifier for ``mode``.

    * ``basic``: alt-profanity-check + patterns, always available.
    * ``detoxify``: Detoxify or ``ClassifierUnavailable``.
    * ``auto``: Detoxify, falling back to basic (the description says why). Offline with nothing cached
      this decides in a couple of seconds (see ``preflight_published``).
    """
    started = time.monotonic()
    if mode == "basic":
        classifier: Classifier = BasicClassifier(
            "basic classifier (alt-profanity-check + patterns), selected by configuration"
        )
    elif mode in ("detoxify", "auto"):
        # Imported lazily: torch + transformers take a second or two to import.
        try:
            from .detoxify_backend import DetoxifyClassifier

            classifier = DetoxifyClassifier(model_type=model_type, checkpoint=checkpoint, hf_config=hf_config)
        except ClassifierUnavailable as exc:
            if mode == "detoxify":
                log.error("Detoxify classifier unavailable: %s", exc.reason)
                raise
            why = (
                f"FORUM_DETOXIFY_CHECKPOINT={checkpoint} could not be loaded"
                if checkpoint
                else "no network and no FORUM_DETOXIFY_CHECKPOINT"
            )
            classifier = BasicClassifier.instead_of_detoxify(
                f"Detoxify could not load its weights ({why}): {exc.reason}"
            )
    else:
        raise ValueError(f"unknown classifier mode {mode!r} (expected auto, detoxify or basic)")
    log.info(
        "moderation classifier: %s (decided in %.1fs) - %s",
        classifier.name,
        time.monotonic() - started,
        classifier.description,
    )
    return classifier
