"""Tests for moderation.classifiers: the Detoxify backend (tiny offline model), the basic fallback,
the auto loader and the download helper."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from moderation.classifiers import LABELS, BasicClassifier, ClassifierUnavailable, load_classifier
from moderation.classifiers import basic as basic_module
from moderation.classifiers.detoxify_backend import DetoxifyClassifier

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT / "tests" / "data" / "swearing_in_pain.jsonl"
REPORT = ROOT / "tests" / ".reports" / "swearing_in_pain.json"
#: The default toxicity flag threshold the forum uses.
TOXICITY_FLAG = 0.8
THREAT_FLAG = 0.8
TINY_LABELS = {"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"}


def _assert_scores(scores: list[dict[str, float]], n: int, labels: set[str]) -> None:
    assert len(scores) == n
    for s in scores:
        assert set(s) == labels
        assert set(s) <= set(LABELS)
        for value in s.values():
            assert type(value) is float
            assert 0.0 <= value <= 1.0


# --- Detoxify backend, through the real detoxify library and a tiny offline checkpoint -------------


def test_detoxify_tiny_scores_batch_and_single(tiny_detoxify_classifier, tiny_detoxify_checkpoint) -> None:
    import torch

    clf = tiny_detoxify_classifier
    assert clf.name == "detoxify"
    assert str(tiny_detoxify_checkpoint[0]) in clf.description
    batch = clf.score_batch(["you are an idiot", "I feel so tired today", ""])
    _assert_scores(batch, 3, TINY_LABELS)
    # One-item batches: detoxify squeezes these to bare floats; we still return a list of dicts.
    single = clf.score_batch(["thank you for listening"])
    _assert_scores(single, 1, TINY_LABELS)
    assert clf.score_batch([]) == []

    # The checkpoint's weights (not a fresh random init) were used: compare with the saved state_dict.
    import transformers

    model = transformers.BertForSequenceClassification.from_pretrained(tiny_detoxify_checkpoint[1])
    tok = transformers.BertTokenizer.from_pretrained(tiny_detoxify_checkpoint[1])
    with torch.no_grad():
        expected = torch.sigmoid(model(**tok(["thank you for listening"], return_tensors="pt")).logits)[0]
    assert single[0]["toxicity"] == pytest.approx(float(expected[0]), abs=1e-5)
    assert single[0]["identity_attack"] == pytest.approx(float(expected[5]), abs=1e-5)


def test_detoxify_long_text_is_truncated(tiny_detoxify_classifier) -> None:
    long_text = " ".join(["feeling"] * 2500 + ["fucking", "tired"] * 1250)  # 5,000 words
    assert tiny_detoxify_classifier.max_length == 128  # clamped to the model's position embeddings
    scores = tiny_detoxify_classifier.score_batch([long_text, "short one", long_text])
    _assert_scores(scores, 3, TINY_LABELS)


def test_detoxify_loads_without_hf_config_and_many_items(tiny_detoxify_checkpoint) -> None:
    # model_type inside the checkpoint is a local folder, so no hf_config is needed.
    clf = DetoxifyClassifier(checkpoint=tiny_detoxify_checkpoint[0], batch_size=4)
    _assert_scores(clf.score_batch([f"post number {i}" for i in range(10)]), 10, TINY_LABELS)


def test_detoxify_bad_checkpoints_fail_fast(tmp_path: Path, tiny_detoxify_checkpoint) -> None:
    import torch

    garbage = tmp_path / "garbage.ckpt"
    garbage.write_bytes(b"this is not a checkpoint" * 10)
    no_keys = tmp_path / "nokeys.ckpt"
    torch.save({"weights": 1}, no_keys)
    hub_name = tmp_path / "hubname.ckpt"  # model_type names a hub model: offline must fail, not retry
    loaded = torch.load(tiny_detoxify_checkpoint[0], weights_only=False)
    loaded["config"]["arch"]["args"]["model_type"] = "albert-base-v2"
    torch.save(loaded, hub_name)

    for path, needle in [
        (garbage, "failed"),
        (no_keys, "ValueError"),
        (hub_name, "failed"),
        (tmp_path / "missing.ckpt", "does not exist"),
    ]:
        started = time.monotonic()
        with pytest.raises(ClassifierUnavailable) as info:
            DetoxifyClassifier(checkpoint=path)
        assert time.monotonic() - started < 5, path
        assert needle in info.value.reason, info.value.reason
    # The caller's offline setting is restored after a forced-offline load.
    from huggingface_hub import constants

    assert constants.HF_HUB_OFFLINE is True  # conftest set HF_HUB_OFFLINE=1 before import
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_checkpoint_without_toxicity_is_rejected(tmp_path: Path, tiny_detoxify_checkpoint) -> None:
    import torch

    loaded = torch.load(tiny_detoxify_checkpoint[0], weights_only=False)
    loaded["config"]["dataset"]["args"]["classes"] = ["a", "b", "c", "d", "e", "f"]
    path = tmp_path / "odd.ckpt"
    torch.save(loaded, path)
    with pytest.raises(ClassifierUnavailable, match="toxicity"):
        DetoxifyClassifier(checkpoint=path)


# --- loader -------------------------------------------------------------------------------------


@pytest.fixture
def empty_torch_hub(tmp_path: Path):
    """Point torch.hub at an empty folder so no cached Detoxify checkpoint can be found."""
    import torch

    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "torch_hub"))
    yield
    torch.hub.set_dir(previous)


def test_auto_falls_back_fast_when_offline(empty_torch_hub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="moderation.classifier")
    started = time.monotonic()
    clf = load_classifier("auto", model_type="unbiased-small", checkpoint=None, hf_config=None)
    assert time.monotonic() - started < 10
    assert isinstance(clf, BasicClassifier)
    assert clf.description.startswith(
        "Detoxify could not load its weights (no network and no FORUM_DETOXIFY_CHECKPOINT): "
    )
    assert "HF_HUB_OFFLINE" in clf.description
    assert clf.description.endswith("using the basic classifier (alt-profanity-check + patterns)")
    assert any("basic" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


def test_auto_falls_back_when_hub_unreachable(empty_torch_hub, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    from moderation.classifiers import detoxify_backend

    # Not offline by configuration: the loader probes the download host (stubbed: no traffic in tests).
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    probed: list[str] = []

    def unreachable(url: str, timeout: float = 5.0) -> str:
        probed.append(url)
        return "cannot reach github.com (stubbed)"

    monkeypatch.setattr(detoxify_backend, "_reachable", unreachable)
    clf = load_classifier("auto")
    assert isinstance(clf, BasicClassifier)
    assert "Detoxify" in clf.description and "cannot reach github.com" in clf.description
    assert probed and "github.com" in probed[0]
    with pytest.raises(ClassifierUnavailable, match="cannot reach"):
        load_classifier("detoxify")


def test_auto_cold_start_decides_within_10s(tmp_path: Path) -> None:
    """A fresh interpreter, as the server would start on this offline machine: the decision itself
    (not importing torch, whose time depends on how busy the machine is) must not wait on the
    network; the failure this guards against is the hub's ~25 s of retries."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TORCH_HOME": str(tmp_path / "torch")}
    code = (
        "import time\n"
        "import moderation.classifiers.detoxify_backend, detoxify, torch\n"
        "from moderation.classifiers import load_classifier\n"
        "t = time.monotonic()\n"
        "c = load_classifier('auto')\n"
        "print(c.name, round(time.monotonic() - t, 2))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    name, decided_in = out.stdout.split()[-2:]
    assert name == "basic", out.stdout + out.stderr
    assert float(decided_in) < 10, f"auto took {decided_in}s to decide"


def test_modes(tiny_detoxify_checkpoint, tmp_path: Path) -> None:
    ckpt, folder = tiny_detoxify_checkpoint
    active = load_classifier("auto", checkpoint=str(ckpt), hf_config=str(folder))
    assert active.name == "detoxify"
    assert load_classifier("detoxify", checkpoint=ckpt).name == "detoxify"
    assert load_classifier("basic").name == "basic"
    broken = load_classifier("auto", checkpoint=str(tmp_path / "nope.ckpt"))
    assert broken.name == "basic"
    assert f"FORUM_DETOXIFY_CHECKPOINT={tmp_path / 'nope.ckpt'} could not be loaded" in broken.description
    with pytest.raises(ClassifierUnavailable):
        load_classifier("detoxify", checkpoint=str(tmp_path / "nope.ckpt"))
    with pytest.raises(ValueError):
        load_classifier("fancy")  # type: ignore[arg-type]


# --- download helper ----------------------------------------------------------------------------


def test_save_local_copy_and_offline_reload(tmp_path: Path, tiny_detoxify_checkpoint, tiny_detoxify_classifier):
    import torch
    from detoxify import Detoxify

    from moderation.classifiers.download import rewrite_checkpoint_model_type, save_local_copy

    # Stand-in for a freshly downloaded model: a copy we can delete afterwards.
    src_ckpt, src_folder = tiny_detoxify_checkpoint
    work = tmp_path / "downloaded"
    shutil.copytree(src_folder, work / "hf")
    shutil.copy(src_ckpt, work / "model.ckpt")
    rewrite_checkpoint_model_type(work / "model.ckpt", work / "hf")
    assert torch.load(work / "model.ckpt", weights_only=False)["config"]["arch"]["args"]["model_type"] == str(
        (work / "hf").resolve()
    )
    detox = Detoxify(checkpoint=str(work / "model.ckpt"), device="cpu")

    ckpt, hf_dir = save_local_copy(detox, "tiny", tmp_path / "offline")
    assert ckpt == (tmp_path / "offline" / "tiny.ckpt").resolve()
    assert hf_dir == (tmp_path / "offline" / "hf").resolve()
    saved = torch.load(ckpt, weights_only=False)
    assert saved["config"]["arch"]["args"]["model_type"] == str(hf_dir)
    assert saved["config"]["dataset"]["args"]["classes"] == list(detox.class_names)
    assert (hf_dir / "config.json").is_file()
    shutil.rmtree(work)  # the copy must not depend on where the model was loaded from

    reloaded = DetoxifyClassifier(checkpoint=ckpt, hf_config=hf_dir)
    texts = ["you are so stupid", "I miss my mum"]
    for got, want in zip(reloaded.score_batch(texts), tiny_detoxify_classifier.score_batch(texts), strict=True):
        assert got == pytest.approx(want, abs=1e-5)


# --- basic fallback -----------------------------------------------------------------------------

DIRECTED = [
    "you're a fucking idiot",
    "shut up you pathetic loser",
    "You are an idiot.",
    "fuck you, nobody asked",
    "he's a fucking moron",
    "ur a dumb cunt lol",
    "go fuck yourself",
    "just kill yourself",
]
THREATS = [
    "I'll kill you",
    "I know where you live",
    "you deserve to die",
    "I'm going to hurt you when I find out who you are",
    "watch your back",
]
PAIN = [
    "fucking hate that my mum's gone",
    "this shit week",
    "I'm so fucking tired of feeling like this",
    "Fuck you, depression.",
    "please don't kill yourself, we're here for you",
    "did you ever try to kill yourself? I did, two years ago",
    "do you freak out at night too?",
    "I'm such an idiot for believing him",
    "you're not stupid for feeling this way",
    "bloody hell, I finally got out of bed",
]


def test_basic_directed_and_threats_and_pain(basic_classifier) -> None:
    scores = basic_classifier.score_batch(DIRECTED + THREATS + PAIN)
    _assert_scores(scores, len(scores), set(BasicClassifier.labels))
    directed, threats, pain = (
        scores[: len(DIRECTED)],
        scores[len(DIRECTED) : len(DIRECTED) + len(THREATS)],
        scores[len(DIRECTED) + len(THREATS) :],
    )
    for text, s in zip(DIRECTED, directed, strict=True):
        assert s["toxicity"] >= TOXICITY_FLAG, (text, s)
    for text, s in zip(THREATS, threats, strict=True):
        assert s["threat"] >= THREAT_FLAG, (text, s)
        assert s["toxicity"] >= TOXICITY_FLAG, (text, s)
    for text, s in zip(PAIN, pain, strict=True):
        assert s["toxicity"] < TOXICITY_FLAG, (text, s)
        assert s["threat"] < THREAT_FLAG, (text, s)


def test_basic_identity_attack(basic_classifier) -> None:
    attacks, fine = (
        ["all immigrants are vermin", "gays should be locked up", "you f@ggot"],
        ["as a gay man I found this hard", "there's a chink in my armour", "going out for a fag"],
    )
    for text, s in zip(attacks + fine, basic_classifier.score_batch(attacks + fine), strict=True):
        if text in attacks:
            assert s["identity_attack"] >= 0.8 and s["toxicity"] >= TOXICITY_FLAG, text
        else:
            assert s["identity_attack"] == 0.0, text


def test_basic_is_vectorised(basic_classifier, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = basic_classifier._predict_prob

    def counting(texts):
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(basic_classifier, "_predict_prob", counting)
    assert len(basic_classifier.score_batch(["a", "b", "c", "you idiot"])) == 4
    assert calls == [4]
    assert basic_classifier.score_batch([]) == []
    assert basic_module.UNDIRECTED_DAMPING < TOXICITY_FLAG


# --- swearing-in-pain report --------------------------------------------------------------------


def _rates(scores: list[dict[str, float]], labels: list[str]) -> dict[str, float | int]:
    flagged = [s["toxicity"] >= TOXICITY_FLAG for s in scores]
    pain = [f for f, lab in zip(flagged, labels, strict=True) if lab == "pain"]
    abuse = [f for f, lab in zip(flagged, labels, strict=True) if lab == "abuse"]
    return {
        "pain_lines": len(pain),
        "abuse_lines": len(abuse),
        "pain_flagged_share": round(sum(pain) / len(pain), 3),
        "abuse_caught_share": round(sum(abuse) / len(abuse), 3),
    }


def test_swearing_in_pain_report(basic_classifier, tiny_detoxify_classifier) -> None:
    rows = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 40
    assert {r["label"] for r in rows} == {"pain", "abuse"}
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]

    report = {
        "threshold": {"toxicity": TOXICITY_FLAG},
        "dataset": str(DATASET.relative_to(ROOT)),
        "backends": {
            "basic": _rates(basic_classifier.score_batch(texts), labels),
            "detoxify-tiny": {
                **_rates(tiny_detoxify_classifier.score_batch(texts), labels),
                "note": "random untrained 2-layer test model: shows the pipeline runs, not model quality",
            },
        },
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    print(f"\nswearing-in-pain @ toxicity >= {TOXICITY_FLAG} ({len(rows)} lines)")
    print(f"{'backend':<15} {'pain flagged':>13} {'abuse caught':>13}")
    for name, r in report["backends"].items():
        print(f"{name:<15} {r['pain_flagged_share']:>13.0%} {r['abuse_caught_share']:>13.0%}")
    print(f"written to {REPORT.relative_to(ROOT)}")

    basic = report["backends"]["basic"]
    assert basic["pain_flagged_share"] <= 0.10
    assert basic["abuse_caught_share"] >= 0.80
