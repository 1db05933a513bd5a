"""Detoxify-backed classifier (the real transformer models from unitaryai/detoxify)."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .base import LABELS, ClassifierUnavailable, Scores, clip01

log = logging.getLogger("moderation.classifier")

#: Detoxify's class names (after its own renaming) -> ours. Anything else (the unbiased models'
#: identity sub-group columns such as "female" or "muslim") is not a moderation signal and is dropped.
LABEL_ALIASES: dict[str, str] = {
    **{label: label for label in LABELS},
    "toxic": "toxicity",
    "severe_toxic": "severe_toxicity",
    "identity_hate": "identity_attack",
    "sexually_explicit": "sexual_explicit",
}

#: The Hugging Face model each published Detoxify checkpoint builds its config/tokenizer from
#: (``config.arch.args.model_type`` inside the checkpoint); used to check the HF cache up front.
HF_BASE_MODELS: dict[str, str] = {
    "original": "bert-base-uncased",
    "unbiased": "roberta-base",
    "multilingual": "xlm-roberta-base",
    "original-small": "albert-base-v2",
    "unbiased-small": "albert-base-v2",
}

#: How long to wait for GitHub / the HF hub before deciding we are offline.
PROBE_TIMEOUT_S = 5.0
#: Socket timeout while actually downloading, so a stalled connection cannot hang startup forever.
DOWNLOAD_SOCKET_TIMEOUT_S = 30.0


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def hub_offline() -> bool:
    """True when the operator told Hugging Face libraries not to touch the network."""
    if _truthy(os.environ.get("HF_HUB_OFFLINE")) or _truthy(os.environ.get("TRANSFORMERS_OFFLINE")):
        return True
    with contextlib.suppress(ImportError):
        from huggingface_hub import constants

        return bool(constants.HF_HUB_OFFLINE)
    return False


@contextlib.contextmanager
def forced_hub_offline() -> Iterator[None]:
    """Put huggingface_hub in offline mode for the duration of a load.

    huggingface_hub reads HF_HUB_OFFLINE once at import, so setting the env var alone is not enough
    once transformers is imported; we also flip the module constant. Without this, a checkpoint whose
    model_type names a hub model spends ~25 s retrying the network before failing. Restored after the
    load so other components of the process keep whatever mode they were configured with.
    """
    from huggingface_hub import constants

    saved_env = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    saved_const = constants.HF_HUB_OFFLINE
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = saved_const
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    # torch.hub's download uses urlopen without a timeout; a default timeout bounds a stalled transfer.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _reachable(url: str, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """Return None if ``url``'s host answers within ``timeout``, else a short reason."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None  # the server answered; any real problem surfaces in the download itself
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"cannot reach {urlparse(url).netloc} ({reason})"


def torch_hub_checkpoint_path(model_type: str) -> Path:
    """Where torch.hub caches the published checkpoint for ``model_type``."""
    import torch
    from detoxify.detoxify import MODEL_URLS

    filename = os.path.basename(urlparse(MODEL_URLS[model_type]).path)
    return Path(torch.hub.get_dir()) / "checkpoints" / filename


def _hf_cached(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)


def preflight_published(model_type: str, hf_config: str | None) -> bool:
    """Decide quickly whether the published ``model_type`` weights can be had.

    Returns True when everything is already cached (load offline), False when a download is
    needed and the hosts answer; raises ClassifierUnavailable fast otherwise.
    """
    from detoxify.detoxify import MODEL_URLS

    if model_type not in MODEL_URLS:
        raise ClassifierUnavailable(
            f"unknown Detoxify model type {model_type!r} (known: {', '.join(sorted(MODEL_URLS))})"
        )
    ckpt = torch_hub_checkpoint_path(model_type)
    base = HF_BASE_MODELS.get(model_type)
    missing: list[tuple[str, str]] = []  # (what, url to probe)
    if not ckpt.is_file():
        missing.append((f"checkpoint {ckpt.name} (not in {ckpt.parent})", MODEL_URLS[model_type]))
    if hf_config is None and base is not None and not _hf_cached(base):
        missing.append(
            (
                f"Hugging Face config/tokenizer {base!r} (not in the HF cache)",
                f"https://huggingface.co/{base}/resolve/main/config.json",
            )
        )
    if not missing:
        return True
    what = " and ".join(m[0] for m in missing)
    if hub_offline():
        raise ClassifierUnavailable(f"{what} and HF_HUB_OFFLINE is set, so it cannot be downloaded")
    for _, url in missing:
        problem = _reachable(url)
        if problem:
            raise ClassifierUnavailable(f"{what}; {problem}")
    return False


class DetoxifyClassifier:
    """Scores texts with a Detoxify model loaded once at construction.

    Give ``checkpoint`` (+ ``hf_config``, the folder written by ``forum classifier download``) to load
    fully offline, or only ``model_type`` to use the published weights (downloaded/cached by torch.hub).
    """

    name = "detoxify"

    def __init__(
        self,
        model_type: str = "unbiased-small",
        checkpoint: str | os.PathLike[str] | None = None,
        hf_config: str | os.PathLike[str] | None = None,
        *,
        max_length: int = 512,
        batch_size: int = 16,
        num_threads: int | None = 1,
    ) -> None:
        started = time.monotonic()
        try:
            import torch
            from detoxify import Detoxify
        except ImportError as exc:  # pragma: no cover - the deps are pinned in pyproject
            raise ClassifierUnavailable(f"the detoxify/torch packages are not installed ({exc})") from exc

        if num_threads:
            # On 2 cores, intra-op threads fighting the web workers made a batch ~100x slower under load.
            torch.set_num_threads(num_threads)
        self.model_type = model_type
        self.batch_size = max(1, batch_size)
        hf_path = str(Path(hf_config).expanduser()) if hf_config else None
        if hf_path and not Path(hf_path).is_dir():
            raise ClassifierUnavailable(f"Detoxify HF config folder {hf_path} does not exist")

        if checkpoint is not None:
            ckpt_path = Path(checkpoint).expanduser()
            if not ckpt_path.is_file():
                raise ClassifierUnavailable(f"Detoxify checkpoint {ckpt_path} does not exist")
            source = f"local checkpoint {ckpt_path}" + (f" with HF config {hf_path}" if hf_path else "")
            # A local checkpoint means "offline": fail in milliseconds rather than retry the hub.
            loader = forced_hub_offline()
            kwargs: dict[str, Any] = {"checkpoint": str(ckpt_path)}
        else:
            cached = preflight_published(model_type, hf_path)
            source = f"published {model_type!r} weights" + (" (cached)" if cached else " (downloaded)")
            loader = forced_hub_offline() if cached else _socket_timeout(DOWNLOAD_SOCKET_TIMEOUT_S)
            kwargs = {"model_type": model_type}

        try:
            with loader:
                self._detox = Detoxify(device="cpu", huggingface_config_path=hf_path, **kwargs)
        except ClassifierUnavailable:
            raise
        except Exception as exc:
            # OSError/URLError when offline, ValueError for a malformed checkpoint, RuntimeError or
            # UnpicklingError for a corrupt file, KeyError for a config missing keys: for the caller
            # they all mean the same thing, so keep the detail in the reason.
            log.debug("Detoxify load failed", exc_info=True)
            raise ClassifierUnavailable(f"loading {source} failed: {type(exc).__name__}: {exc}") from exc

        # Keep only columns we understand, remembering their position in the model output.
        self._columns: list[tuple[str, str]] = []
        for cls in self._detox.class_names:
            label = LABEL_ALIASES.get(cls)
            if label and label not in {ours for _, ours in self._columns}:
                self._columns.append((cls, label))
        self.labels: tuple[str, ...] = tuple(label for _, label in self._columns)
        if "toxicity" not in self.labels:
            raise ClassifierUnavailable(
                f"{source} has classes {list(self._detox.class_names)}, none of which is 'toxicity'"
            )

        # Tokenizers loaded from a local folder often report an "infinite" model_max_length, which
        # makes truncation a no-op and crashes long posts past the position embeddings.
        self.max_length = self._safe_max_length(max_length)
        self._detox.tokenizer.model_max_length = self.max_length
        self._detox.model.eval()
        # Callers score from worker threads; fast tokenizers raise "Already borrowed" when one instance is
        # used concurrently, and with one torch thread there is no parallelism to lose anyway.
        self._lock = threading.Lock()

        self.description = (
            f"Detoxify {type(self._detox.model).__name__} from {source}; "
            f"labels {', '.join(self.labels)}; max {self.max_length} tokens"
        )
        log.debug("Detoxify loaded in %.2fs", time.monotonic() - started)

    def _safe_max_length(self, wanted: int) -> int:
        config = self._detox.model.config
        limit = getattr(config, "max_position_embeddings", None) or wanted
        # RoBERTa-family models reserve two positions for the padding offset.
        if "roberta" in str(getattr(config, "model_type", "")):
            limit -= 2
        return max(8, min(wanted, limit))

    def score_batch(self, texts: Sequence[str]) -> list[Scores]:
        """Score ``texts`` in chunks of ``batch_size``; long texts are truncated to ``max_length``."""
        results: list[Scores] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = [t if isinstance(t, str) else str(t) for t in texts[start : start + self.batch_size]]
            with self._lock:
                raw = self._detox.predict(chunk)
            for i in range(len(chunk)):
                results.append({ours: clip01(self._at(raw[cls], i)) for cls, ours in self._columns})
        return results

    @staticmethod
    def _at(column: Any, index: int) -> float:
        # Detoxify squeezes the batch dimension, so a one-item batch gives a float rather than a list.
        if isinstance(column, int | float):
            return float(column)
        return float(column[index])
