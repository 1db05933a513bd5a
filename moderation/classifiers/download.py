"""``forum classifier download DIR``: fetch Detoxify weights once, for offline machines.

Run on a machine with internet; copy DIR over; point FORUM_DETOXIFY_CHECKPOINT at DIR/<model_type>.ckpt
and FORUM_DETOXIFY_HF_CONFIG at DIR/hf.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any


def rewrite_checkpoint_model_type(ckpt_path: Path, hf_dir: Path) -> None:
    """Point the checkpoint's ``config.arch.args.model_type`` at the local ``hf_dir``.

    Detoxify always calls ``from_pretrained(model_type)`` for the config, even with a local checkpoint
    and huggingface_config_path, so a hub name there means a network access at every load.
    """
    import torch

    loaded = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    loaded["config"]["arch"]["args"]["model_type"] = str(Path(hf_dir).resolve())
    torch.save(loaded, ckpt_path)


def _checkpoint_config(detox: Any, original: dict[str, Any] | None) -> dict[str, Any]:
    if original is not None:
        return copy.deepcopy(original)
    import transformers

    tokenizer_name = type(detox.tokenizer).__name__
    if not hasattr(transformers, tokenizer_name):
        tokenizer_name = "AutoTokenizer"
    return {
        "arch": {
            "args": {
                "model_type": "",
                "model_name": type(detox.model).__name__,
                "tokenizer_name": tokenizer_name,
                "num_classes": len(detox.class_names),
            }
        },
        "dataset": {"args": {"classes": list(detox.class_names)}},
    }


def save_local_copy(
    detox: Any, model_type: str, dest: Path, original_config: dict[str, Any] | None = None
) -> tuple[Path, Path]:
    """Write a loaded ``Detoxify`` as DEST/<model_type>.ckpt + DEST/hf/ (config and tokenizer).

    Only the HF config is saved next to the tokenizer, not a second copy of the weights: Detoxify takes
    the weights from the checkpoint's state_dict. ``original_config`` (the published checkpoint's
    "config") is kept when given; otherwise one is rebuilt from the loaded objects.
    """
    import torch

    dest = Path(dest).expanduser().resolve()
    hf_dir = dest / "hf"
    hf_dir.mkdir(parents=True, exist_ok=True)
    detox.model.config.save_pretrained(hf_dir)
    detox.tokenizer.save_pretrained(hf_dir)
    ckpt_path = dest / f"{model_type}.ckpt"
    torch.save(
        {"config": _checkpoint_config(detox, original_config), "state_dict": detox.model.state_dict()},
        ckpt_path,
    )
    rewrite_checkpoint_model_type(ckpt_path, hf_dir)
    return ckpt_path, hf_dir


def download_detoxify(model_type: str, dest: Path) -> tuple[Path, Path]:
    """Download ``model_type`` (needs internet) and save an offline copy; returns (checkpoint, hf dir)."""
    import torch
    from detoxify import Detoxify

    from .detoxify_backend import torch_hub_checkpoint_path

    detox = Detoxify(model_type, device="cpu")
    original = None
    cached = torch_hub_checkpoint_path(model_type)
    if cached.is_file():  # keep the published training config verbatim
        original = torch.load(cached, map_location="cpu", weights_only=False).get("config")
    return save_local_copy(detox, model_type, dest, original)
