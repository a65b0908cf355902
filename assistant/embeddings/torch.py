"""The sentence-transformers model through LangChain: the reference the ONNX backends are checked against.

`torch` is imported only when this backend is loaded, after `configure_runtime` (see the package).
"""

from __future__ import annotations

import threading
from pathlib import Path

from langchain_core.embeddings import Embeddings


def load_torch_embeddings(model_path: Path, threads: int, batch_size: int) -> "LockedEmbeddings":
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
