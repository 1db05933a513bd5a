"""Which classifier runs, loaded lazily by the worker, and what the forum says about it.

`forum serve` must start fast and a web process never scores anything, so the model is loaded on
the first batch the worker sees (in a thread: torch takes seconds to import). Until then the
status line is worked out from the settings alone; once loaded it says what actually happened.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from forum.settings import Settings
from moderation.classifiers.base import Classifier, ClassifierUnavailable

log = logging.getLogger("moderation.classifier")

BASIC = "basic (alt-profanity-check + patterns)"


def expected_status(settings: Settings) -> str:
    """What the worker will use, decided from settings and the file system only (no imports of torch)."""
    mode = settings.classifier
    checkpoint = settings.detoxify_checkpoint
    if mode == "basic":
        return f"classifier: {BASIC}, because FORUM_CLASSIFIER=basic"
    if checkpoint:
        if not Path(checkpoint).is_file():
            why = f"FORUM_DETOXIFY_CHECKPOINT={checkpoint} does not exist"
            if mode == "detoxify":
                return f"classifier: NOT WORKING: FORUM_CLASSIFIER=detoxify but {why}; posts are not being classified"
            return f"classifier: {BASIC} because Detoxify could not load its weights: {why}"
        hf = settings.detoxify_hf_config
        if hf and not Path(hf).is_dir():
            why = f"FORUM_DETOXIFY_HF_CONFIG={hf} is not a folder"
            if mode == "detoxify":
                return f"classifier: NOT WORKING: FORUM_CLASSIFIER=detoxify but {why}; posts are not being classified"
            return f"classifier: {BASIC} because Detoxify could not load its weights: {why}"
        return (f"classifier: Detoxify from the local checkpoint {checkpoint}, loaded by the worker on first use"
                + ("" if mode == "detoxify" else f" (falls back to {BASIC} if it cannot load)"))
    if mode == "detoxify":
        return (f"classifier: Detoxify ({settings.detoxify_model}), downloaded or taken from the cache by the worker "
                "on first use; FORUM_CLASSIFIER=detoxify, so without its weights posts wait unclassified")
    return (f"classifier: Detoxify ({settings.detoxify_model}) will be tried on first use by the worker; without "
            f"network access or FORUM_DETOXIFY_CHECKPOINT it falls back to {BASIC} "
            "(`forum classifier download DIR` fetches the weights for offline use)")


def loaded_status(classifier: Classifier) -> str:
    """The status line once the worker has loaded a classifier: which one, and why."""
    description = classifier.description
    if classifier.name == "basic":
        if description.startswith("Detoxify could not"):
            return f"classifier: {BASIC} because {description.split('; using the basic classifier')[0]}"
        return f"classifier: {BASIC}, selected by configuration"
    return f"classifier: {classifier.name}: {description}"


class ClassifierHolder:
    """Loads the configured classifier once per process, on first use, and remembers what happened."""

    def __init__(self, settings: Settings, status_lines: list[str] | None = None) -> None:
        self.settings = settings
        # The plugin's own status_lines list: updated in place, so /admin shows the real state.
        self.status_lines = status_lines if status_lines is not None else []
        self.status_lines[:] = [expected_status(settings)]
        self._classifier: Classifier | None = None
        self._lock = asyncio.Lock()
        self.error: str | None = None

    @property
    def loaded(self) -> Classifier | None:
        return self._classifier

    def use(self, classifier: Classifier) -> None:
        """Installs an already-loaded classifier (tests, benchmarks)."""
        self._classifier = classifier
        self.error = None
        self.status_lines[:] = [loaded_status(classifier)]

    async def get(self) -> Classifier:
        if self._classifier is not None:
            return self._classifier
        async with self._lock:
            if self._classifier is None:
                from moderation.classifiers.loader import load_classifier

                try:
                    classifier = await asyncio.to_thread(
                        load_classifier, self.settings.classifier, self.settings.detoxify_model,
                        self.settings.detoxify_checkpoint, self.settings.detoxify_hf_config)
                except ClassifierUnavailable as exc:
                    # FORUM_CLASSIFIER=detoxify and no weights: say so loudly; events wait and are retried.
                    self.error = exc.reason
                    self.status_lines[:] = [f"classifier: NOT WORKING: Detoxify could not load: {exc.reason}; "
                                            "posts wait unclassified (set FORUM_CLASSIFIER=auto to fall back)"]
                    log.error("classifier unavailable: %s", exc.reason)
                    raise
                self.use(classifier)
        assert self._classifier is not None
        return self._classifier

    async def health(self) -> None:
        """Raises when the classifier cannot work (readiness and `forum doctor`); never loads a model."""
        if self.error:
            raise RuntimeError(self.error)
        line = self.status_lines[0] if self.status_lines else ""
        if "NOT WORKING" in line:
            raise RuntimeError(line.removeprefix("classifier: NOT WORKING: "))
