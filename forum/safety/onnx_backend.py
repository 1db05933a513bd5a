"""The embedding model's transformer run by ONNX Runtime: the same weights and the same sums, faster.

Embedding a post is almost all matrix products in the transformer's six layers; ONNX Runtime's CPU
kernels do them about 1.5× faster than torch's on one thread (bench/README.md). Nothing else
changes: the weights are the ones torch loaded (exported from the loaded model, so the heads'
fingerprint, the sha256 of the weights file, still names them), in full precision; the tokenizer is
the sentence-transformers model's own; mean pooling and normalisation are done here exactly as its
Pooling and Normalize modules do them. Every load checks a few texts against torch's embeddings of
them (made by the loaded model when it was exported) and uses this backend only when they agree
within TOLERANCE; otherwise the caller runs torch and says why.

The export is made once per weights file and kept in the cache folder (FORUM_SAFETY_CACHE, or the
user's cache folder), under a lock and by atomic rename, so two web workers starting together export
it once and neither reads half a file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Bump when the exported files change (inputs, outputs, opset, layout): old ones are then ignored.
EXPORT_VERSION = 2
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Embeddings from this backend and from torch differ by ~3e-7 per component (float sums in another
# order); anything near this bound means the graph is not the model's.
TOLERANCE = 1e-4
# A batch is padded to its longest piece. Pieces are sorted by length and a batch takes the next
# one while padding stays under this share of its tokens: the whole post goes alone, windows of like
# length together (each piece alone costs a few more calls; one padded batch costs up to 2×).
PADDING_SLACK = 0.1
MAX_BATCH = 32
# The load-time check: short and long, padded and not, windows, emoji, other scripts, past 256 pieces.
PROBES = (
    "ok",
    "I can't do this anymore, I have the pills ready tonight.",
    "Had a good day at the allotment. The beans are finally up 🌱🙂",
    "Je n'en peux plus. J'ai tout préparé pour ce soir.",
    "眠れない夜が続いています。誰かと話したい。",
    " ".join(["This is a long post about an ordinary week at work and at home."] * 30),
)


class FastBackendUnavailable(Exception):
    """Why ONNX Runtime can't run this model here, in plain words (the caller runs torch)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def cache_folder() -> Path:
    """Where exports are kept: FORUM_SAFETY_CACHE, else the user's cache folder (XDG_CACHE_HOME)."""
    if setting := os.environ.get("FORUM_SAFETY_CACHE"):
        return Path(setting).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "haven-forum" / "safety"


def export_path(cache: Path, fingerprint: str) -> Path:
    """One file per weights file (its sha256), so another model never reads this one's export."""
    return cache / f"{fingerprint}-v{EXPORT_VERSION}.onnx"


def check_pipeline(model: Any) -> None:
    """Only Transformer → mean Pooling (→ Normalize) is reproduced here; anything else stays on torch."""
    names = [type(module).__name__ for module in model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise FastBackendUnavailable(f"the model's pipeline ({' → '.join(names)}) is not a transformer "
                                     "with mean pooling")
    mode = model[1].pooling_mode
    modes = (mode,) if isinstance(mode, str) else tuple(mode)
    if modes != ("mean",):
        raise FastBackendUnavailable(f"the model pools by {'+'.join(modes)}, not by the mean")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside ``path``, between processes and threads alike (flock on its own file)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the atomic rename alone keeps readers safe
        yield
        return
    try:
        handle = open(path.with_name(path.name + ".lock"), "a")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise FastBackendUnavailable(f"the cache folder {path.parent} can't be written ({exc}); set "
                                     "FORUM_SAFETY_CACHE to a writable folder") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def traceable(bert: Any) -> Any:
    """The Hugging Face model as a module of the three inputs, returning the token embeddings."""
    import torch

    class Transformer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                             return_dict=True).last_hidden_state

    return Transformer().eval()


def export(model: Any, path: Path) -> None:
    """Export the loaded model's transformer to ``path`` and its weights to ``path``.data.

    The legacy TorchScript exporter (dynamo=False): it exports this model in ~2 s, and its graph ran
    ~8% faster than the dynamo exporter's here. The example batch has padding, so the attention mask
    is traced into the graph (a batch without padding could let the model skip it). The weights go in
    a file of their own because ONNX Runtime maps such a file instead of copying it: the word-piece
    table (47 MB) is then read only where a post's pieces are, and the two workers share the pages
    (~45 MB less per worker). Both files are written in a scratch folder beside them and renamed into
    place, the graph last, so a reader never sees half an export.
    """
    import onnx
    import torch

    reference = np.vstack([model.encode([probe], normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False) for probe in PROBES])
    features = model.preprocess(["a short one", "and a longer example sentence, with padding after the short one"])
    args = tuple(features[name] for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "token_embeddings")}
    scratch = Path(tempfile.mkdtemp(dir=path.parent, prefix=path.name + "."))
    try:
        traced = scratch / "traced.onnx"
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer notes about Python-level branches, checked by the probes
            torch.onnx.export(traceable(model[0].auto_model), args, str(traced), dynamo=False,
                              input_names=list(INPUTS), output_names=["token_embeddings"], dynamic_axes=axes,
                              opset_version=OPSET, do_constant_folding=True)
        weights = weights_path(path)
        onnx.save_model(onnx.load(str(traced)), str(scratch / path.name), save_as_external_data=True,
                        all_tensors_to_one_file=True, location=weights.name, size_threshold=1024)
        np.save(scratch / "probes.npy", reference)
        os.replace(scratch / "probes.npy", probes_path(path))
        os.replace(scratch / weights.name, weights)
        os.replace(scratch / path.name, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def weights_path(path: Path) -> Path:
    return path.with_name(path.name + ".data")


def probes_path(path: Path) -> Path:
    """torch's embeddings of PROBES, made with the export: later loads check against them without
    running torch (whose first run would page in its own copy of the weights, ~60 MB a worker)."""
    return path.with_name(path.name + ".probes.npy")


class OnnxEncoder:
    """Tokenise with the model's tokenizer, run the exported transformer, pool and normalise in numpy."""

    def __init__(self, model: Any, path: Path) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one core per web worker, as for torch
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Without the arena a worker holds ~18 MB less after a few hundred posts, at the same speed (measured).
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.preprocess = model.preprocess
        self.version = ort.__version__
        self.path = path

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text, in the order given."""
        features = self.preprocess(texts)
        arrays = {name: features[name].numpy() for name in INPUTS}
        lengths = arrays["attention_mask"].sum(axis=1)
        out: np.ndarray | None = None
        for rows in batches(lengths):
            width = int(lengths[rows[0]])
            feeds = {name: np.ascontiguousarray(array[rows, :width]) for name, array in arrays.items()}
            tokens = self.session.run(None, feeds)[0]
            vectors = mean_pool(tokens, feeds["attention_mask"])
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        assert out is not None
        return out


def batches(lengths: np.ndarray) -> list[list[int]]:
    """Row indices grouped longest first, each group padded by at most PADDING_SLACK of its tokens."""
    order = sorted(range(len(lengths)), key=lambda i: -int(lengths[i]))
    groups: list[list[int]] = []
    for i in order:
        group = groups[-1] if groups else None
        if group and len(group) < MAX_BATCH:
            width = int(lengths[group[0]])
            real = sum(int(lengths[j]) for j in group) + int(lengths[i])
            if (len(group) + 1) * width <= real * (1 + PADDING_SLACK):
                group.append(i)
                continue
        groups.append([i])
    return groups


def mean_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean Pooling then Normalize, in float32 as torch does them."""
    weights = mask[..., None].astype(np.float32)
    summed = (tokens * weights).sum(axis=1)
    counts = np.clip(weights.sum(axis=1), 1e-9, None)
    vectors = summed / counts
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


@dataclass(frozen=True)
class Loaded:
    encoder: OnnxEncoder
    exported: bool  # this load made the file (False: an earlier start-up's export was reused)
    max_difference: float  # on PROBES, against torch


def load(model: Any, fingerprint: str, cache: Path | None = None) -> Loaded:
    """The fast encoder for this loaded model, exporting it first if no earlier start-up has.

    Raises FastBackendUnavailable (the caller then runs torch and says so) when onnxruntime is
    missing, the cache can't be written, the export fails, or the result disagrees with torch's
    embeddings of PROBES (computed when the file was exported). A cached file that won't load or
    disagrees is exported again once before giving up.
    """
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise FastBackendUnavailable(f"onnxruntime could not be imported ({exc})") from exc
    check_pipeline(model)
    cache = cache or cache_folder()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FastBackendUnavailable(f"the cache folder {cache} could not be made ({exc}); set FORUM_SAFETY_CACHE "
                                     "to a writable folder") from exc
    path = export_path(cache, fingerprint)
    with locked(path):
        exported = not all(p.is_file() for p in (path, weights_path(path), probes_path(path)))
        if exported:
            export_or_explain(model, path)
        loaded, problem = checked_encoder(model, path)
        if loaded is None and not exported:  # an earlier file, damaged or stale: made again, once
            export_or_explain(model, path)
            exported = True
            loaded, problem = checked_encoder(model, path)
    if loaded is None:
        raise FastBackendUnavailable(f"the ONNX export {path} {problem}")
    encoder, difference = loaded
    give_back_memory()
    return Loaded(encoder, exported, difference)


def export_or_explain(model: Any, path: Path) -> None:
    try:
        export(model, path)
    except Exception as exc:
        raise FastBackendUnavailable(f"exporting the model to ONNX failed ({type(exc).__name__}: {exc})") from exc
    for old in path.parent.glob(path.name.replace(f"-v{EXPORT_VERSION}.", "-v*.") + "*"):
        if not old.name.startswith(path.name):  # an export in an older layout: never read again
            with contextlib.suppress(OSError):
                old.unlink()


def give_back_memory() -> None:
    """Return the heap that the export and the checks freed to the system (glibc keeps it otherwise).

    ~30 MB of a web worker's resident memory; a no-op where the C library is not glibc.
    """
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)


def checked_encoder(model: Any, path: Path) -> tuple[tuple[OnnxEncoder, float] | None, str]:
    """The encoder and its largest difference from torch on PROBES, or None and what is wrong."""
    try:
        reference = np.load(probes_path(path))
        encoder = OnnxEncoder(model, path)
        difference = float(np.abs(encoder.encode(list(PROBES)) - reference).max())
    except Exception as exc:  # a damaged or foreign file
        return None, f"could not be run ({type(exc).__name__}: {exc})"
    if difference > TOLERANCE:
        return None, f"gives embeddings {difference:.1e} away from torch's"
    return (encoder, difference), ""
