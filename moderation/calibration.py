"""Calibration: tuning the classifier's thresholds from this community's own decisions.

Every moderator decision on a classifier flag records whether they agreed the post was a problem
(Flag.agreed), and the flag keeps the scores it was raised with. Per label this gives points
(score, upheld?), from which:

- upheld rate: of the decided flags at or above the current flag threshold, the share upheld;
- suggested threshold: the lowest score t such that flags scoring >= t were upheld at least at the
  target precision, over at least CALIBRATION_MIN_DECISIONS decisions.

Only flagged posts were ever decided, so the evidence says nothing about scores below the lowest
one that was flagged: a suggestion never goes below the scores actually seen. Points flagged
because of another label still count for this one (the moderator judged the post as a whole);
that is what "would this label alone have been right at t" can be estimated from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from moderation.classifiers.base import LABELS
from moderation.config import ModerationConfig
from moderation.models import Flag
from moderation.rules import CALIBRATION_MIN_DECISIONS

Point = tuple[float, bool]  # (score for the label, did the moderator agree)


@dataclass(frozen=True)
class LabelCalibration:
    label: str
    flag_threshold: float | None
    hide_threshold: float | None
    decisions: int  # decided flags scoring at or above the current flag threshold
    upheld: int
    suggested: float | None
    note: str

    @property
    def upheld_rate(self) -> float | None:
        return self.upheld / self.decisions if self.decisions else None


def precision_at(points: Sequence[Point], threshold: float) -> tuple[int, int]:
    """(decisions, upheld) among points scoring at or above `threshold`."""
    above = [agreed for score, agreed in points if score >= threshold]
    return len(above), sum(above)


def suggest_threshold(points: Sequence[Point], target: float,
                      min_decisions: int = CALIBRATION_MIN_DECISIONS) -> float | None:
    """The lowest observed score whose flags at or above it met `target` precision, if any."""
    for candidate in sorted({score for score, _ in points}):
        decided, upheld = precision_at(points, candidate)
        if decided < min_decisions:
            return None  # higher candidates only have fewer decisions behind them
        if upheld / decided >= target:
            return candidate
    return None


async def decided_points(session: AsyncSession) -> dict[str, list[Point]]:
    points: dict[str, list[Point]] = {label: [] for label in LABELS}
    rows = await session.execute(
        select(Flag.details, Flag.agreed).where(Flag.source == "classifier", Flag.status == "resolved",
                                                Flag.agreed.is_not(None)))
    for details, agreed in rows:
        for label, score in ((details or {}).get("scores") or {}).items():
            points.setdefault(label, []).append((float(score), bool(agreed)))
    return points


async def calibrate(session: AsyncSession, config: ModerationConfig) -> list[LabelCalibration]:
    points = await decided_points(session)
    labels = [label for label in LABELS if label in config.thresholds or points.get(label)]
    result = []
    for label in labels:
        pair = config.thresholds.get(label, {})
        flag, hide = pair.get("flag"), pair.get("hide")
        mine = points.get(label, [])
        decided, upheld = precision_at(mine, flag) if flag is not None else (0, 0)
        suggested = suggest_threshold(mine, config.precision_target)
        if len(mine) < CALIBRATION_MIN_DECISIONS:
            note = f"Not enough decisions yet ({len(mine)} of {CALIBRATION_MIN_DECISIONS} needed)."
        elif suggested is None:
            note = (f"No threshold within the scores seen kept {round(config.precision_target * 100)}% of flags "
                    "upheld; consider raising it.")
        elif flag is not None and suggested < flag:
            note = "Moderators uphold flags below the current threshold: it could be lowered."
        elif flag is not None and suggested > flag:
            note = "Many flags at the current threshold were not upheld: consider raising it."
        else:
            note = "The current threshold matches your decisions."
        result.append(LabelCalibration(label, flag, hide, decided, upheld, suggested, note))
    return result
