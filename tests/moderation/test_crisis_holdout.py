"""The crisis check on sentences its patterns were never tuned against.

moderation/data/crisis/seed_holdout.jsonl was written after the patterns, by someone who had not read them,
and must never be used to tune them: it is the honest estimate of how the check does on phrasings
nobody anticipated. The labelled development set (test_crisis_check.py) says how it does on
phrasings it was built from; this file says how far that generalises. Add new sentences here only
before looking at whether the check catches them.
"""

from __future__ import annotations

import json
from pathlib import Path

from moderation.crisis import detect_crisis

DATA = Path(__file__).parents[2] / "moderation" / "data" / "crisis" / "seed_holdout.jsonl"
REPORT = Path(__file__).parents[1] / ".reports" / "crisis_holdout.json"
URGENT = {"intent", "in_progress"}
CRISIS = URGENT | {"danger", "passive"}
CALM = {"figure_of_speech", "recovery"}


def test_holdout_recall_and_false_alarms_are_reported_and_hold_a_floor() -> None:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    fired = [(row["label"], detect_crisis(row["text"]) is not None, row["text"]) for row in rows]

    def rate(labels: set[str]) -> tuple[int, int]:
        picked = [f for label, f, _ in fired if label in labels]
        return sum(picked), len(picked)

    figures = {name: rate(labels) for name, labels in
               {"urgent": URGENT, "danger": {"danger"}, "passive": {"passive"}, "calm": CALM,
                "past_or_neutral": {"past", "neutral", "other_person"}}.items()}
    missed = [text for label, f, text in fired if label in CRISIS and not f]
    report = {name: {"fired": n, "of": total, "rate": round(n / total, 3)} for name, (n, total) in figures.items()}
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({"figures": report, "missed": missed}, indent=2))
    print("\ncrisis check on the hold-out set")
    for name, row in report.items():
        print(f"  {name:16} {row['fired']:3} of {row['of']:3}  ({row['rate']:.2f})")

    urgent_hits, urgent_total = figures["urgent"]
    calm_hits, calm_total = figures["calm"]
    # Floors below the development set's, on purpose: these phrasings were never seen.
    assert urgent_hits / urgent_total >= 0.7, missed
    assert calm_hits / calm_total <= 0.15
