"""A tiny, untrained BERT saved as a Detoxify checkpoint, built offline in a second or two.

For tests and benchmarks on machines that cannot download the real weights: it runs the real
Detoxify loading and prediction path (checkpoint -> config -> tokenizer -> model) with a model
2 layers deep and 32 wide. The weights are random, so its scores mean nothing; its shapes and
its cost per batch are real. The `tiny_detoxify_checkpoint` fixture in
tests/moderation/conftest.py builds it for the test suite.
"""

from __future__ import annotations

from pathlib import Path

TINY_CLASSES = ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]

_WORDS_TEXT = """
the a an and or but if of to in on at by for with from up down out over under again then once here there
when where why how all any both each few more most other some such no nor not only own same so than too
very can will just should now i me my myself we our you your yours he him his she her it its they them
their what which who whom this that these those am is are was were be been being have has had having do
does did doing would could im youre ive dont didnt cant wont day days week month year today tonight
morning night time life work job home family mum dad friend friends partner doctor therapist feel feeling
think know want need help hope tired sad happy angry alone lonely scared anxious anxiety depression panic
grief loss gone miss sleep eat walk good bad better worse hard easy sorry thanks please yes maybe really
still never always nothing something someone people thread forum post place hate love care cry hurt pain
heart mind fuck fucking shit crap damn idiot moron loser stupid pathetic worthless useless kill die dead
"""
_WORDS = _WORDS_TEXT.split()


def build_tiny_detoxify(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """Writes FOLDER/hf (config, vocab, weights) and FOLDER/tiny.ckpt; returns (checkpoint, hf folder).

    Detoxify reads ``config.dataset.args.classes`` and passes ``config.arch.args`` to its loader,
    which calls ``from_pretrained(model_type)``: model_type is the local folder, so nothing is
    fetched from the network."""
    import torch
    import transformers

    folder = Path(folder)
    hf_dir = folder / "hf"
    hf_dir.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *dict.fromkeys(_WORDS)]
    (hf_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizer(vocab=str(hf_dir / "vocab.txt"))
    config = transformers.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=64, num_labels=len(TINY_CLASSES),
                                     max_position_embeddings=128)
    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(config)
    model.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    ckpt = folder / "tiny.ckpt"
    torch.save({
        "config": {
            "arch": {"args": {"model_type": str(hf_dir), "model_name": "BertForSequenceClassification",
                              "tokenizer_name": "BertTokenizer", "num_classes": len(TINY_CLASSES)}},
            "dataset": {"args": {"classes": TINY_CLASSES}},
        },
        "state_dict": model.state_dict(),
    }, ckpt)
    return ckpt, hf_dir
