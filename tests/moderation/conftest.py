"""Fixtures for the moderation tests: an offline, tiny, untrained Detoxify checkpoint."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import Api
from tests.helpers.moderation import Forum

if TYPE_CHECKING:  # imported where used: torch and transformers take seconds to import
    from moderation.classifiers.basic import BasicClassifier
    from moderation.classifiers.detoxify_backend import DetoxifyClassifier

# No hub access on this machine or in CI: make any accidental hub lookup fail at once, not after retries.
# Set before transformers/huggingface_hub are imported, which read these once at import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

@pytest.fixture(scope="session")
def tiny_detoxify_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """Build a 2-layer, 32-wide BERT and wrap it as a Detoxify checkpoint, fully offline.

    Detoxify (detoxify/detoxify.py) reads ``config.dataset.args.classes`` and passes
    ``config.arch.args`` (model_type, model_name, tokenizer_name, num_classes) to its loader, which calls
    ``from_pretrained(model_type)`` for the config and tokenizer, so model_type is the local folder.
    Yields (checkpoint path, HF folder). The weights are random: scores are meaningless, shapes are real.
    """
    import transformers

    from moderation.classifiers.tiny import build_tiny_detoxify

    transformers.utils.logging.disable_progress_bar()  # keep `pytest -s` output readable
    ckpt, folder = build_tiny_detoxify(tmp_path_factory.mktemp("tiny_detoxify"))
    yield ckpt, folder


@pytest.fixture(scope="session")
def tiny_detoxify_classifier(tiny_detoxify_checkpoint: tuple[Path, Path]) -> DetoxifyClassifier:
    """The real DetoxifyClassifier loaded through the tiny checkpoint (loaded once per session)."""
    from moderation.classifiers.detoxify_backend import DetoxifyClassifier

    ckpt, folder = tiny_detoxify_checkpoint
    return DetoxifyClassifier(checkpoint=ckpt, hf_config=folder)


@pytest.fixture(scope="session")
def basic_classifier() -> BasicClassifier:
    """The offline fallback classifier."""
    from moderation.classifiers.basic import BasicClassifier

    return BasicClassifier()


# --- moderation queue, actions and reports (tests/moderation/test_queue.py and friends) ----------


@pytest.fixture
async def forum(api: Api) -> Forum:
    """A vocabulary over the API, the worker and the database (see tests.helpers.moderation.Forum)."""
    return Forum(api)
