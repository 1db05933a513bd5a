"""Quality of both checks on text they were never tuned on.

tests/data/crisis_test_*.jsonl and tests/data/warnings_test_*.jsonl were written by helpers who had seen
neither the training corpora nor the code, only the labelling guides (LABELS.md). Nothing was tuned on
them, and nothing may be: change the corpus or the thresholds for what these sets show and they stop
measuring anything. Add to them only before looking at whether the checks get a line right.

Three generations: sets A and B were written after the first heads froze (commit 796e015); their
per-class figures were then read, and steered where corpus parts G and H added examples (never their
lines). Set C was written while parts G and H were, by separate helpers, and kept outside the project
until the retrained heads were committed (cacd875); it had never been scored before that, and is the
honest figure for the crisis check. Its warning figures (precision well above target) then led to a
lower development precision floor for the warning heads (71f05f7), so for warnings the honest figure
is set D, written after that; set E (crisis) was written after a further corpus part was tried and not
kept, and had not been scored before. A and B (and C, for warnings) still guard against regressions.

The whole check runs as in the forum (rules + model, the same units, the same thresholds); the report
goes to stdout and tests/.reports/. The floors are what was measured when the sets were written, less a
small margin: they stop a change from making things worse. Where a floor is below the issue's target,
the target is not met yet, and bench/README.md says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forum.hooks import Extensions
from forum.warnings.suggest import WarningSuggester, suggest_warnings
from forum.warnings.taxonomy import SEED_SLUGS
from moderation.crisis import detect_crisis
from moderation.crisis_model import CrisisModel
from moderation.plugin import CrisisInlineCheck

DATA = Path(__file__).parents[1] / "data"
REPORTS = Path(__file__).parents[1] / ".reports"

# Targets from the issue, and the floors asserted per set (see the module docstring).
# Set C, first scored on the heads of commit cacd875 (2026-12-01): crisis on 605 lines urgent 0.88,
# danger 0.94, passive 0.80, false alarms 0.06 (rules alone 0.27, 0.19, 0.27, 0.04); warnings on 625
# posts micro recall 0.82, precision 0.91 (word list alone 0.46, 0.96).
CRISIS_FLOORS_C = {"urgent": 0.83, "danger": 0.89, "passive": 0.75, "false_alarms": 0.09}
# With the warning heads of 71f05f7 (development precision floor 0.60, chosen after C's precision was
# seen): 0.88, 0.85; discrimination 0.59 is the one warning under 0.75.
WARNING_FLOORS_C = {"micro_recall": 0.83, "micro_precision": 0.80}
CRISIS_TARGETS = {"urgent": 0.95, "danger": 0.90, "passive": 0.90, "false_alarms": 0.10}
CRISIS_FLOORS = {
    # Measured 2026-12-01 with the first heads on 470 lines: urgent 0.90, danger 0.98, passive 0.81,
    # false alarms 0.04 (rules alone: 0.27, 0.27, 0.37, 0.03); with the heads of cacd875: 0.88, 0.98,
    # 0.90, 0.04.
    "a+b": {"urgent": 0.83, "danger": 0.93, "passive": 0.75, "false_alarms": 0.08},
    "c": CRISIS_FLOORS_C,
    # Set E, written blind after the heads of cacd875 were kept (512 lines), first scored on them:
    # urgent 0.90, danger 0.93, passive 0.91, false alarms 0.06 (rules alone 0.29, 0.24, 0.33, 0.05).
    "e": {"urgent": 0.85, "danger": 0.88, "passive": 0.85, "false_alarms": 0.09},
}
WARNING_TARGETS = {"micro_recall": 0.90, "micro_precision": 0.80, "per_warning_recall": 0.75}
WARNING_FLOORS = {
    # Measured 2026-12-01 with the first heads on 370 posts: micro recall 0.69, precision 0.92; with
    # the heads of cacd875: 0.83, 0.91.
    # With the heads of 71f05f7: 0.87, 0.84.
    "a+b": {"micro_recall": 0.82, "micro_precision": 0.79},
    "c": WARNING_FLOORS_C,
    # Set D was written after the heads of 71f05f7 froze, by a helper who read only LABELS.md: on 627
    # posts micro recall 0.91, precision 0.83 (word list alone 0.54, 0.97); every warning's recall
    # 0.76 or more. The issue's targets are met on this set.
    "d": {"micro_recall": 0.87, "micro_precision": 0.78, "per_warning_recall": 0.70},
}
SETS = {"a+b": "[ab]", "c": "c"}
WARNING_SETS = {**SETS, "d": "d"}
CRISIS_SETS = {**SETS, "e": "e"}


def rows(pattern: str) -> list[dict]:
    paths = sorted(DATA.glob(pattern))
    assert paths, f"no test set matches tests/data/{pattern}"
    return [json.loads(line) for path in paths for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def extensions(safety) -> Extensions:
    extensions = Extensions(safety=safety, suggester=WarningSuggester.load(None))
    extensions.inline_checks.append(CrisisInlineCheck(CrisisModel.load(None)))
    return extensions


def write_report(name: str, report: dict) -> None:
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / name).write_text(json.dumps(report, indent=2))


@pytest.mark.parametrize("name", list(CRISIS_SETS))
async def test_crisis_check_on_the_unseen_test_set(extensions, name: str) -> None:
    data = rows(f"crisis_test_{CRISIS_SETS[name]}.jsonl")
    fired = [(row["label"], (await extensions.assess(row["text"])).crisis, row["text"]) for row in data]
    by_rules = [(row["label"], detect_crisis(row["text"]) is not None) for row in data]

    def rate(labels: set[str], results: list = fired) -> tuple[int, int]:
        picked = [f for label, f, *_ in results if label in labels]
        return sum(picked), len(picked)

    groups = {"urgent": {"intent", "in_progress"}, "danger": {"danger"}, "passive": {"passive"},
              "false_alarms": {"figure_of_speech", "recovery", "past", "neutral"}}
    per_class = {c: rate({c}) for c in sorted({label for label, _, _ in fired})}
    figures = {g: rate(labels) for g, labels in groups.items()}
    rules_only = {g: rate(labels, by_rules) for g, labels in groups.items()}
    report = {
        "groups": {g: {"fired": n, "of": t, "rate": round(n / t, 3)} for g, (n, t) in figures.items()},
        "per_class": {c: {"fired": n, "of": t, "rate": round(n / t, 3)} for c, (n, t) in per_class.items()},
        "rules_only": {g: round(n / t, 3) for g, (n, t) in rules_only.items()},
        "targets": CRISIS_TARGETS,
        "missed": [text for label, f, text in fired if label in groups["urgent"] | {"danger", "passive"} and not f],
        "false_alarms": [text for label, f, text in fired if label in groups["false_alarms"] and f],
    }
    write_report(f"crisis_test_{name}.json", report)
    print(f"\ncrisis check on the unseen test set {name.upper()} (fired / of)")
    for cls, row in report["per_class"].items():
        print(f"  {cls:18} {row['fired']:3} / {row['of']:3}  {row['rate']:.2f}")
    for group, row in report["groups"].items():
        print(f"  = {group:16} {row['rate']:.2f}   target {'<=' if group == 'false_alarms' else '>='} "
              f"{CRISIS_TARGETS[group]:.2f}   rules alone {report['rules_only'][group]:.2f}")
    assert all(t >= 40 for _, (_, t) in per_class.items()), "every class is measured on enough lines"
    floors = CRISIS_FLOORS[name]
    for group in ("urgent", "danger", "passive"):
        assert report["groups"][group]["rate"] >= floors[group], report["missed"]
    assert report["groups"]["false_alarms"]["rate"] <= floors["false_alarms"], report["false_alarms"]
    for group in ("urgent", "danger", "passive"):  # the model layer only ever adds to what the rules catch
        assert report["groups"][group]["rate"] >= report["rules_only"][group]


@pytest.mark.parametrize("name", list(WARNING_SETS))
async def test_warning_suggestions_on_the_unseen_test_set(extensions, name: str) -> None:
    data = rows(f"warnings_test_{WARNING_SETS[name]}.jsonl")
    per: dict[str, list[int]] = {slug: [0, 0, 0] for slug in SEED_SLUGS}  # tp, fp, fn
    words_hit = words_found = 0
    for row in data:
        truth = set(row["warnings"])
        found = {s.slug for s in (await extensions.assess(row["text"])).suggestions}
        words = {s.slug for s in suggest_warnings(row["text"])}
        words_hit, words_found = words_hit + len(words & truth), words_found + len(words)
        for slug in SEED_SLUGS:
            per[slug][0] += slug in found and slug in truth
            per[slug][1] += slug in found and slug not in truth
            per[slug][2] += slug not in found and slug in truth
    tp, fp, fn = (sum(v[i] for v in per.values()) for i in range(3))
    per_warning = {slug: {"recall": round(a / (a + c), 3) if a + c else None,
                          "precision": round(a / (a + b), 3) if a + b else None, "support": a + c}
                   for slug, (a, b, c) in per.items()}
    report = {"micro_recall": round(tp / (tp + fn), 3), "micro_precision": round(tp / (tp + fp), 3),
              "per_warning": per_warning, "posts": len(data), "targets": WARNING_TARGETS,
              "word_list_only": {"micro_recall": round(words_hit / (tp + fn), 3),
                                 "micro_precision": round(words_hit / words_found, 3)}}
    write_report(f"warnings_test_{name}.json", report)
    words = report["word_list_only"]
    print(f"\nwarning suggestions on the unseen test set {name.upper()} ({len(data)} posts): micro recall "
          f"{report['micro_recall']:.2f} (target 0.90), micro precision {report['micro_precision']:.2f} (target 0.80); "
          f"word list alone {words['micro_recall']:.2f} / {words['micro_precision']:.2f}")
    for slug, row in per_warning.items():
        print(f"  {slug:20} recall {row['recall']}  precision {row['precision']}  ({row['support']} posts)")
    floors = WARNING_FLOORS[name]
    assert report["micro_recall"] >= floors["micro_recall"]
    assert report["micro_precision"] >= floors["micro_precision"]
    if "per_warning_recall" in floors:  # no weak warning hidden in the average
        weak = {slug: row["recall"] for slug, row in per_warning.items()
                if row["recall"] is not None and row["recall"] < floors["per_warning_recall"]}
        assert weak == {}, weak
    assert report["micro_recall"] > report["word_list_only"]["micro_recall"]
