"""The safety model loads once, at start-up, off the event loop; when it can't, both checks use their rules
and the forum says so in plain words (start-up log, `forum doctor`, /admin). Never silently."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from forum.hooks import Extensions, FindingSource
from forum.safety.model import SafetyModel, SafetyState, default_folder
from forum.warnings.suggest import WarningSuggester
from moderation.crisis_model import CrisisModel
from moderation.plugin import CrisisInlineCheck
from tests.conftest import running

RULES_FIRE = "I'm going to kill myself tonight."
# Said without any of the rules' words: only a model that reads meaning catches it.
MEANING_ONLY = "Bought a hosepipe this morning and I'll use it in the garage tonight once the kids are at their dad's."


def test_the_packaged_model_loads_and_embeds_to_unit_vectors(safety) -> None:
    assert safety.status.state is SafetyState.LOADED
    assert "all-MiniLM-L6-v2" in safety.status.line
    analysis = safety.analyse_now("I can't do this anymore, I have the pills ready tonight")
    assert analysis is not None and analysis.vectors.shape == (1, 384)
    np.testing.assert_allclose(np.linalg.norm(analysis.vectors, axis=1), 1.0, rtol=1e-4)


@pytest.mark.parametrize(("setting", "why"), [
    ("/no/such/folder", "is not a folder"),
    ("EMPTY", "not a sentence-transformers model folder"),
    ("NO_WEIGHTS", "has no weights"),
])
def test_a_model_that_cannot_load_is_reported_in_plain_words(setting: str, why: str, tmp_path: Path) -> None:
    if setting == "EMPTY":
        setting = str(tmp_path)
    elif setting == "NO_WEIGHTS":
        folder = tmp_path / "model"
        shutil.copytree(default_folder(), folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
        setting = str(folder)
    model = SafetyModel(setting)
    status = model.load()
    assert status.state is SafetyState.UNAVAILABLE and why in status.reason
    assert status.line.startswith("safety model: NOT LOADED") and "rules only" in status.line
    assert model.analyse_now("anything") is None


def test_off_means_rules_only_by_choice() -> None:
    model = SafetyModel("off")
    assert model.load().state is SafetyState.OFF and not model.wanted
    assert "rules only" in model.status.line


def _extensions(safety: SafetyModel) -> Extensions:
    extensions = Extensions(safety=safety, suggester=WarningSuggester.load(None))
    extensions.inline_checks.append(CrisisInlineCheck(CrisisModel.load(None)))
    return extensions


async def test_without_the_model_the_rules_still_fire_and_the_meaning_only_post_is_missed_as_reported() -> None:
    broken = SafetyModel("/no/such/folder")
    broken.load()
    extensions = _extensions(broken)
    assert (await extensions.assess(RULES_FIRE)).crisis
    assert not (await extensions.assess(MEANING_ONLY)).crisis
    assert "warning suggestions: the word list only" in extensions.suggester.describe(broken)


async def test_with_the_model_a_post_without_the_rules_words_is_caught(safety) -> None:
    assessment = await _extensions(safety).assess(MEANING_ONLY)
    assert assessment.crisis
    finding = assessment.findings[0]
    assert finding.source is FindingSource.MODEL and finding.category in ("intent", "in_progress")
    assert finding.add_warnings == ("suicide",)


async def test_embedding_runs_off_the_event_loop(safety) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    long_post = " ".join(f"This is sentence {i} of a long post about a hard week at work." for i in range(60))
    await safety.analyse(long_post + " unseen " + os.urandom(4).hex())  # fresh text: nothing cached
    task.cancel()
    assert ticks >= 3, "the loop kept serving while the post was embedded"


async def test_the_app_loads_the_model_at_start_up_and_logs_what_it_runs_on(app, caplog) -> None:
    extensions = app.state.extensions
    assert extensions.safety.embedder is None, "nothing is loaded before start-up"
    with caplog.at_level(logging.INFO, logger="forum"):
        async with running(app):
            assert extensions.safety.status.state is SafetyState.LOADED, "loaded before the first request"
    lines = "\n".join(r.getMessage() for r in caplog.records)
    assert "safety model: all-MiniLM-L6-v2" in lines
    assert "crisis check: its rules and the model" in lines
    assert "warning suggestions: the word list and the model" in lines


def test_forum_doctor_says_when_the_model_cannot_load(settings, tmp_path: Path) -> None:
    env = {**os.environ, "FORUM_DATA_DIR": str(settings.data_dir), "FORUM_DATABASE_URL": settings.database_url,
           "FORUM_SECRET_KEY": settings.secret_key, "FORUM_CLASSIFIER": "basic",
           "FORUM_SAFETY_MODEL": str(tmp_path / "missing")}
    forum = str(Path(sys.executable).parent / "forum")
    out = subprocess.run([forum, "doctor"], env=env, capture_output=True, text=True, timeout=120, check=False)
    text = out.stdout + out.stderr
    assert f"safety model: NOT LOADED: FORUM_SAFETY_MODEL={tmp_path / 'missing'} is not a folder" in text
    assert "crisis check: its rules only" in text
    assert "warning suggestions: the word list only" in text


async def test_admin_shows_what_the_safety_model_runs_on(api) -> None:
    await api.member("ada", role="admin")
    page = await api.get("/admin", as_="ada")
    assert page.status_code == 200
    assert "safety model: all-MiniLM-L6-v2" in page.text
    assert "crisis check: its rules and the model" in page.text


async def test_admin_says_plainly_when_the_model_could_not_load(settings, tmp_path: Path) -> None:
    import dataclasses

    import httpx

    from forum.app import create_app
    from tests.conftest import Api, make_topic

    app = create_app(dataclasses.replace(settings, safety_model=str(tmp_path / "gone")), run_worker=False)
    async with running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                               base_url="http://testserver.local") as client:
        client.app = app  # type: ignore[attr-defined]
        await make_topic(app)
        api = Api(client, {})  # type: ignore[arg-type]
        await api.member("ada", role="admin")
        page = await api.get("/admin", as_="ada")
        assert "safety model: NOT LOADED" in page.text and "rules only" in page.text
        await api.member("ash")
        r = await api.post("/api/v1/posts/preview", as_="ash", json={"body": RULES_FIRE})
        assert r.json()["crisis_resources"], "the rules still point a writer in danger to help"


def test_heads_trained_for_another_model_are_set_aside_and_the_forum_says_why(safety) -> None:
    import dataclasses

    from forum.safety.heads import unusable

    shipped = CrisisModel.load(None).heads
    assert unusable(shipped, safety) is None
    other = dataclasses.replace(shipped, model_fingerprint="0" * 64)
    assert "another embedding model" in (unusable(other, safety) or "")
    suggester = WarningSuggester(dataclasses.replace(WarningSuggester.load(None).heads, model_fingerprint="0" * 64),
                                 "warning suggestions: the word list and the model")
    assert suggester.describe(safety).startswith("warning suggestions: the word list only (the trained heads")
    post = "got the razor out again after dinner, first time in months"
    # Heads that don't fit add nothing: the suggestions are the word list's alone.
    assert suggester.suggest(post, safety.analyse_now(post)) == suggester.suggest(post, None)
