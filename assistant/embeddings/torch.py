"""The sentence-transformers model itself: the reference the ONNX backends are checked against.

`torch` is imported only when this backend is loaded, after `configure_runtime` (see the package).
"""

from __future__ import annotations

import threading
from pathlib import Path

from langchain_core.embeddings import Embeddings


def load_torch_embeddings(model_path: Path, threads: int, batch_size: int) -> "TorchEmbeddings":
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    torch.set_num_threads(threads)
    hf_logging.disable_progress_bar()  # env vars are too late if gradio imported the hub first
    hf_logging.set_verbosity_error()
    model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
    return TorchEmbeddings(model, batch_size)


class TorchEmbeddings(Embeddings):
    """Normalised sentence-transformers vectors; calls are serialised (concurrent requests on 2 cores only
    oversubscribe torch's threads)."""

    backend = "torch"

    def __init__(self, model, batch_size: int = 32) -> None:
        self.model, self.batch_size = model, batch_size
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            return self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                     show_progress_bar=False, convert_to_numpy=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]
