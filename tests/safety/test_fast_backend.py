"""ONNX Runtime runs the same model as torch: the same embeddings within 1e-4, so every head decides
the same; the export is made once and reused; and when it can't run, torch does and the status line
says why. Never silently."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from forum.safety import model as safety_model
from forum.safety import onnx_backend
from forum.safety.model import Backend, Embedder, SafetyModel, SafetyState, TextAnalysis, default_folder
from forum.safety.units import units
from forum.warnings.suggest import WarningSuggester
from moderation.crisis_model import CrisisModel

ROOT = Path(__file__).resolve().parents[2]

VARIED = [
    "ok",
    "Morning all.",
    "I can't do this anymore, I have the pills ready tonight.",
    "Had a good day at the allotment 🌱🙂 the beans are up!!",
    "💀💀💀",
    "Je n'en peux plus. J'ai tout préparé pour ce soir, personne ne le saura.",
    "Ich kann nicht mehr schlafen. Die Tabletten liegen schon bereit.",
    "眠れない夜が続いています。誰かと話したい。",
    "لا أستطيع التحمل أكثر من ذلك",
    "> quoting someone\n\n**bold** and _italic_ and a [link](https://example.org)",
    "Day 3 of 30: 2 walks, 1 phone call, 0 drinks.",
    # Past the model's 256 word pieces: truncated the same way by both.
    " ".join(f"This is sentence {i} of a very long post about an ordinary week at work." for i in range(80)),
]


def demo_posts(count: int) -> list[str]:
    posts: list[str] = []
    for part in ("part_a", "part_b"):
        data = json.loads((ROOT / "forum" / "demo" / "data" / f"{part}.json").read_text())
        for thread in data["threads"]:
            posts.extend(p["body"] if isinstance(p, dict) else p for p in thread["posts"])
    return posts[:count]


def labelled_texts() -> list[str]:
    """A few dozen labelled posts nobody trained on: crisis classes and warnings, several voices."""
    texts = []
    for name, step in (("crisis_test_a.jsonl", 12), ("warnings_test_a.jsonl", 10)):
        lines = [json.loads(line) for line in (ROOT / "tests" / "data" / name).read_text().splitlines() if line.strip()]
        texts.extend(row["text"] for row in lines[::step])
    return texts


@pytest.fixture(scope="module")
def on_torch() -> Embedder:
    return Embedder(default_folder(), Backend.TORCH)


@pytest.fixture()
def fast(safety) -> Embedder:
    assert safety.embedder.backend is Backend.ONNX, safety.status.line
    return safety.embedder


def test_the_forum_runs_the_model_on_onnx_runtime_and_says_so(safety) -> None:
    assert safety.status.state is SafetyState.LOADED
    assert "all-MiniLM-L6-v2" in safety.status.line and "run by ONNX Runtime" in safety.status.line
    assert safety.embedder.fingerprint == safety_model.fingerprint(default_folder()), "the weights' sha256, unchanged"


def test_embeddings_equal_torchs_within_1e_4(fast, on_torch) -> None:
    batches = [[text] for text in VARIED] + [VARIED]
    batches += [units(post) for post in demo_posts(40)]  # whole posts and their windows, as a preview reads them
    batches += [units(" ".join(VARIED))]
    worst = 0.0
    for pieces in batches:
        ours, theirs = fast._encode(pieces), on_torch._encode(pieces)
        assert ours.shape == theirs.shape == (len(pieces), 384)
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, rtol=1e-5)
        worst = max(worst, float(np.abs(ours - theirs).max()))
    assert worst <= 1e-4, worst


def test_every_head_decides_the_same_on_both_backends(fast, on_torch) -> None:
    crisis = CrisisModel.load(None)
    suggester = WarningSuggester.load(None)
    fired = suggested = 0
    for text in labelled_texts():
        pieces = units(text)
        one = TextAnalysis(tuple(pieces), fast._encode(pieces), fast.fingerprint)
        other = TextAnalysis(tuple(pieces), on_torch._encode(pieces), on_torch.fingerprint)
        assert crisis.signal(one) == crisis.signal(other), text
        assert suggester.suggest(text, one) == suggester.suggest(text, other), text
        for heads in (crisis.heads, suggester.heads):
            assert heads is not None
            a, b = heads.scores(one), heads.scores(other)
            assert {k: s.unit for k, s in a.items()} == {k: s.unit for k, s in b.items()}
            assert max(abs(a[k].probability - b[k].probability) for k in a) < 1e-4
        fired += crisis.signal(one) is not None
        suggested += bool(suggester.suggest(text, one))
    assert fired >= 5 and suggested >= 10, "the texts make the heads decide something"


def test_pieces_are_batched_by_length_with_little_padding() -> None:
    lengths = np.array([12, 90, 30, 29, 31, 14, 28])  # a whole post (90) and its windows
    groups = onnx_backend.batches(lengths)
    assert groups[0] == [1], "the whole post goes alone"
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        width = max(lengths[group])
        assert len(group) * width <= lengths[group].sum() * (1 + onnx_backend.PADDING_SLACK)


def test_the_export_is_made_once_and_reused(fast, tmp_path, monkeypatch) -> None:
    first = onnx_backend.load(fast.model, fast.fingerprint, tmp_path)
    assert first.exported
    path = onnx_backend.export_path(tmp_path, fast.fingerprint)
    stamp = path.stat().st_mtime_ns

    def no_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_backend, "export", no_export)
    second = onnx_backend.load(fast.model, fast.fingerprint, tmp_path)
    assert not second.exported and path.stat().st_mtime_ns == stamp
    assert [p for p in tmp_path.iterdir() if p.is_dir()] == [], "no scratch folder left behind"


def test_two_workers_starting_together_export_once(tmp_path) -> None:
    script = textwrap.dedent("""
        import json
        from forum.safety.model import Embedder, default_folder
        e = Embedder(default_folder())
        print(json.dumps({"backend": e.backend, "exported": e.exported}))
    """)
    env = {**os.environ, "FORUM_SAFETY_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    workers = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["backend"] for r in results] == ["onnxruntime", "onnxruntime"]
    assert sorted(r["exported"] for r in results) == [False, True], "one exported, the other waited and reused it"


def test_a_damaged_export_is_made_again(fast, tmp_path) -> None:
    path = onnx_backend.export_path(tmp_path, fast.fingerprint)
    path.write_bytes(b"half a file from a disk that filled up")
    loaded = onnx_backend.load(fast.model, fast.fingerprint, tmp_path)
    assert loaded.exported and loaded.max_difference <= onnx_backend.TOLERANCE


def test_an_export_that_disagrees_with_torch_is_not_used(fast, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(onnx_backend, "TOLERANCE", 0.0)  # the real ~3e-7 now counts as disagreeing
    with pytest.raises(onnx_backend.FastBackendUnavailable, match="away from torch's"):
        onnx_backend.load(fast.model, fast.fingerprint, tmp_path)


def test_an_unwritable_cache_is_reported(fast) -> None:
    with pytest.raises(onnx_backend.FastBackendUnavailable, match="FORUM_SAFETY_CACHE"):
        onnx_backend.load(fast.model, fast.fingerprint, Path("/proc/haven-cache"))


def test_without_onnxruntime_torch_runs_and_the_status_line_says_so(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    monkeypatch.setattr(safety_model, "_loaded", {})
    monkeypatch.setenv("FORUM_SAFETY_CACHE", str(tmp_path))
    model = SafetyModel(None)
    status = model.load()
    assert status.state is SafetyState.LOADED
    assert "run by torch" in status.line and "ONNX Runtime NOT USED: onnxruntime could not be imported" in status.line
    assert model.embedder is not None and model.embedder.backend is Backend.TORCH
    analysis = model.analyse_now("I have the pills ready tonight")
    assert analysis is not None and analysis.vectors.shape == (1, 384)


def test_a_failed_export_falls_back_to_torch_and_says_why(monkeypatch, tmp_path) -> None:
    import torch

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(torch.onnx, "export", broken)
    embedder = Embedder(default_folder(), cache=tmp_path)
    assert embedder.backend is Backend.TORCH
    assert "ONNX Runtime NOT USED: exporting the model to ONNX failed (RuntimeError: exporter exploded)" in (
        embedder.runs_on)
    assert [p for p in tmp_path.iterdir() if p.is_dir()] == [], "the scratch folder is removed"
    assert not onnx_backend.export_path(tmp_path, embedder.fingerprint).exists()
    assert embedder.embed(["still embedded"]).shape == (1, 384)


def test_forum_safety_backend_torch_is_honoured(monkeypatch) -> None:
    monkeypatch.setattr(safety_model, "_loaded", {})
    monkeypatch.setenv("FORUM_SAFETY_BACKEND", "torch")
    model = SafetyModel(None)
    assert "run by torch (FORUM_SAFETY_BACKEND=torch)" in model.load().line
