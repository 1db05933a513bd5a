"""Which classifier runs, loaded lazily by the worker, and what the forum says about it.

`forum serve` must start fast and a web process never scores anything, so the model is loaded on
the first batch the worker sees (in a thread: torch takes seconds to import). Until then the
health is worked out from the settings alone; once loaded it says what actually happened.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from forum.health import Health, HealthState
from forum.settings import Settings
from moderation.classifiers.base import Classifier, ClassifierUnavailable
from moderation.classifiers.basic import BasicClassifier

log = logging.getLogger("moderation.classifier")

BASIC = "basic (alt-profanity-check + patterns)"


def not_working(problem: str) -> Health:
    return Health(HealthState.NOT_WORKING, f"classifier: NOT WORKING: {problem}")


def _local_files_problem(settings: Settings) -> str | None:
    """What is wrong with FORUM_DETOXIFY_CHECKPOINT / FORUM_DETOXIFY_HF_CONFIG, if one is set (file system only)."""
    checkpoint = settings.detoxify_checkpoint
    if not checkpoint:
        return None
    if not Path(checkpoint).is_file():
        return f"FORUM_DETOXIFY_CHECKPOINT={checkpoint} does not exist"
    hf = settings.detoxify_hf_config
    if hf and not Path(hf).is_dir():
        return f"FORUM_DETOXIFY_HF_CONFIG={hf} is not a folder"
    return None


def settings_problem(settings: Settings) -> str | None:
    """Why no post can be classified, seen from the settings alone: Detoxify is required and its files are missing."""
    why = _local_files_problem(settings)
    if settings.classifier == "detoxify" and why:
        return f"FORUM_CLASSIFIER=detoxify but {why}; posts are not being classified"
    return None


def expected_status(settings: Settings) -> Health:
    """What the worker will use, decided from settings and the file system only (no imports of torch)."""
    mode = settings.classifier
    checkpoint = settings.detoxify_checkpoint
    if mode == "basic":
        return Health(HealthState.OK, f"classifier: {BASIC}, because FORUM_CLASSIFIER=basic")
    if problem := settings_problem(settings):
        return not_working(problem)
    if why := _local_files_problem(settings):
        return Health(HealthState.DEGRADED, f"classifier: {BASIC} because Detoxify could not load its weights: {why}")
    if checkpoint:
        return Health(HealthState.OK,
                      f"classifier: Detoxify from the local checkpoint {checkpoint}, loaded by the worker on first use"
                      + ("" if mode == "detoxify" else f" (falls back to {BASIC} if it cannot load)"))
    if mode == "detoxify":
        return Health(HealthState.OK,
                      f"classifier: Detoxify ({settings.detoxify_model}), downloaded or taken from the cache by the "
                      "worker on first use; FORUM_CLASSIFIER=detoxify, so without its weights posts wait unclassified")
    return Health(HealthState.OK,
                  f"classifier: Detoxify ({settings.detoxify_model}) will be tried on first use by the worker; without "
                  f"network access or FORUM_DETOXIFY_CHECKPOINT it falls back to {BASIC} "
                  "(`forum classifier download DIR` fetches the weights for offline use)")


def loaded_status(classifier: Classifier) -> Health:
    """The status once the worker has loaded a classifier: which one, and why."""
    if isinstance(classifier, BasicClassifier):
        if classifier.fallback_reason:
            return Health(HealthState.DEGRADED, f"classifier: {BASIC} because {classifier.fallback_reason}")
        return Health(HealthState.OK, f"classifier: {BASIC}, selected by configuration")
    return Health(HealthState.OK, f"classifier: {classifier.name}: {classifier.description}")


class ClassifierHolder:
    """Loads the configured classifier once per process, on first use, and remembers what happened."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._classifier: Classifier | None = None
        self._lock = asyncio.Lock()
        # Why posts can't be classified, while they can't (what readiness and `forum doctor` report).
        self.error: str | None = settings_problem(settings)
        self._status = expected_status(settings)

    @property
    def loaded(self) -> Classifier | None:
        return self._classifier

    def health(self) -> Health:
        """Which classifier runs and why: from the settings until the worker has loaded one, then what loaded."""
        return self._status

    def use(self, classifier: Classifier) -> None:
        """Installs an already-loaded classifier (tests, benchmarks)."""
        self._classifier = classifier
        self.error = None
        self._status = loaded_status(classifier)

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
                    self._status = not_working(f"Detoxify could not load: {exc.reason}; posts wait unclassified "
                                               "(set FORUM_CLASSIFIER=auto to fall back)")
                    log.error("classifier unavailable: %s", exc.reason)
                    raise
                self.use(classifier)
        assert self._classifier is not None
        return self._classifier

    async def ready(self) -> None:
        """Raises when the classifier cannot work (readiness and `forum doctor`); never loads a model."""
        if self.error:
            raise RuntimeError(self.error)
