"""What each part of the forum runs on and whether it works, as data.

Each part says it where its state is known (the safety model, the classifier holder, the search
backend...) as a `Health`; the start-up log, `forum doctor` and /admin show its line as it is, and
nothing reads the words back to find the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from forum.safety.model import SafetyModel, SafetyState


class HealthState(StrEnum):
    """How one part is doing."""

    OK = "ok"  # works as configured
    DEGRADED = "degraded"  # works, on less than it was meant to (a fallback, its rules only); the line says why
    NOT_WORKING = "not working"  # can't do its job (posts wait unclassified): `forum doctor` fails


@dataclass(frozen=True)
class Health:
    """One part's state, and one line in plain words saying what it runs on and why."""

    state: HealthState
    line: str


def safety_model_health(safety: SafetyModel) -> Health:
    # Off is a choice (rules only, said so); unavailable means it was wanted and could not load.
    state = HealthState.DEGRADED if safety.status.state is SafetyState.UNAVAILABLE else HealthState.OK
    return Health(state, safety.status.line)


def safety_check_health(line: str, *, uses_model: bool, safety: SafetyModel) -> Health:
    """A check on the safety model (crisis check, warning suggestions) is degraded when it runs on its
    rules only although the model was wanted; with FORUM_SAFETY_MODEL=off that is the choice made."""
    return Health(HealthState.OK if uses_model or not safety.wanted else HealthState.DEGRADED, line)
