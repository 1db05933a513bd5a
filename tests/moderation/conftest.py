"""Fixtures for the moderation tests: an offline, tiny, untrained Detoxify checkpoint."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# No hub access on this machine or in CI: make any accidental hub lookup fail at once, not after retries.
# Set before transformers/huggingface_hub are imported, which read these once at import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TINY_CLASSES = ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]

_WORDS_TEXT = """
the a an and or but if of to in on at by for with from up down out over under again then once here there
when where why how all any both each few more most other some such no nor not only own same so than too
very can will just should now i me my myself we our you your yours he him his she her it its they them
their what which who whom this that these those am is are was were be been being have has had having do
does did doing would could ought im youre hes shes its were theyre ive youve weve id youd hed wed ill
youll well isnt arent wasnt werent hasnt havent hadnt doesnt dont didnt wont wouldnt cant couldnt
day days week weeks month months year years today tonight morning night time life work job home family
mum mom dad mother father brother sister friend friends partner wife husband child kids doctor therapist
feel feeling feelings felt think thought know knew want need help hope tired sad happy angry alone lonely
scared afraid anxious anxiety depression panic grief loss lost gone miss missing sleep slept eat bed walk
good bad better worse best worst hard easy long short new old same different real normal okay fine sorry
thanks thank please yes no maybe really still even again always never sometimes often every nothing
something everything anything someone everyone nobody people person thread forum post posts place story
hate love like care cry crying hurt hurts pain heart brain head body mind breath racing awake replaying
fuck fucking fucked shit shitty crap damn bloody bastard hell bitch idiot moron loser stupid dumb pathetic
worthless useless prick cunt twat dickhead asshole kill die dead live threat attack insult toxic
go going get got make made take took see saw say said tell told come came give gave find found leave left
"""
_WORDS = _WORDS_TEXT.split()


@pytest.fixture(scope="session")
def tiny_detoxify_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """Build a 2-layer, 32-wide BERT and wrap it as a Detoxify checkpoint, fully offline.

    Detoxify (detoxify/detoxify.py) reads ``config.dataset.args.classes`` and passes
    ``config.arch.args`` (model_type, model_name, tokenizer_name, num_classes) to its loader, which calls
    ``from_pretrained(model_type)`` for the config and tokenizer, so model_type is the local folder.
    Yields (checkpoint path, HF folder). The weights are random: scores are meaningless, shapes are real.
    """
    import torch
    import transformers

    transformers.utils.logging.disable_progress_bar()  # keep `pytest -s` output readable
    root = tmp_path_factory.mktemp("tiny_detoxify")
    folder = root / "hf"
    folder.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(_WORDS)]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizer(vocab=str(folder / "vocab.txt"))
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=len(TINY_CLASSES),
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    ckpt = root / "tiny.ckpt"
    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": str(folder),
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(TINY_CLASSES),
                    }
                },
                "dataset": {"args": {"classes": TINY_CLASSES}},
            },
            "state_dict": model.state_dict(),
        },
        ckpt,
    )
    yield ckpt, folder


@pytest.fixture(scope="session")
def tiny_detoxify_classifier(tiny_detoxify_checkpoint: tuple[Path, Path]):
    """The real DetoxifyClassifier loaded through the tiny checkpoint (loaded once per session)."""
    from moderation.classifiers.detoxify_backend import DetoxifyClassifier

    ckpt, folder = tiny_detoxify_checkpoint
    return DetoxifyClassifier(checkpoint=ckpt, hf_config=folder)


@pytest.fixture(scope="session")
def basic_classifier():
    """The offline fallback classifier."""
    from moderation.classifiers.basic import BasicClassifier

    return BasicClassifier()


# --- moderation queue, actions and reports (tests/moderation/test_queue.py and friends) ----------
# Added by the moderation-queue tests: their helpers live in mod_helpers.py next to this file, and
# the page tests reuse tests/http/pages_helper.py; both become importable here.

import sys as _sys  # noqa: E402

for _folder in (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "http"):
    if str(_folder) not in _sys.path:
        _sys.path.insert(0, str(_folder))


@pytest.fixture
async def forum(api):
    """A vocabulary over the API, the worker and the database (see mod_helpers.Forum)."""
    from mod_helpers import Forum

    return Forum(api)
