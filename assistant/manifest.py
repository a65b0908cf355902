"""What an index was built with, and the check that refuses to read it with anything else.

Vectors from another model, backend family or chunking would still "work" and give quietly
wrong answers, so the store's manifest records them and opening an index compares.
"""

from __future__ import annotations

from pathlib import Path

from .embeddings import model_fingerprint, vector_family
from .errors import IndexMismatchError
from .settings import Settings

MANIFEST_VERSION = 2  # 2: sentence vectors stored beside chunk vectors
CHECKED = ("version", "embedding_fingerprint", "encoding", "chunk_tokens", "chunk_overlap", "collection", "vectors",
           "sentence_vectors")


def build_manifest(settings: Settings, backend: str, sentence_vectors: str = "standalone") -> dict:
    return {
        "version": MANIFEST_VERSION,
        "embedding_model": settings.model_path().as_posix(),
        "embedding_fingerprint": model_fingerprint(settings.model_path()),
        "encoding": settings.encoding,
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap": settings.chunk_overlap,
        "collection": settings.collection,
        "embedder": backend,
        "vectors": vector_family(backend),
        "sentence_vectors": sentence_vectors,
    }


def backend_for(settings: Settings, stored: dict | None, embeddings=None) -> str:
    """Embedding backend: that of the embedder given, else the settings' choice, else the one the index was built
    with (`torch` before the ONNX backends existed), else the default for new indexes."""
    from .embeddings import DEFAULT_BACKEND

    if embeddings is not None:
        return getattr(embeddings, "backend", "torch")
    if settings.embedder != "auto":
        return settings.embedder
    return stored.get("embedder", "torch") if stored else DEFAULT_BACKEND


def sentence_mode_for(settings: Settings, stored: dict | None) -> str:
    """How sentence vectors are made (see `vectors`): the settings' choice, else what the index was built with
    (`standalone` before contextual ones existed), else the default for new indexes."""
    from .vectors import DEFAULT_MODE

    if settings.sentence_vectors != "auto":
        return settings.sentence_vectors
    return stored.get("sentence_vectors", "standalone") if stored else DEFAULT_MODE


def check_manifest(root: Path, stored: dict | None, current: dict) -> None:
    """Raise `IndexMismatchError`, naming each difference and the one command that fixes it."""
    if stored is None:
        return  # an index that has never been written to holds nothing to mismatch
    stored = dict(stored)
    stored.setdefault("vectors", "fp32")  # built before the ONNX backends: torch vectors
    stored.setdefault("sentence_vectors", "standalone")  # built before contextual ones existed
    diff = [f"{k}: index has {stored.get(k)!r}, settings say {current[k]!r}" for k in CHECKED if stored.get(k) != current[k]]
    if diff:
        raise IndexMismatchError(
            f"{root} was built with other settings ({'; '.join(diff)}). "
            f"Rebuild it with `assistant --index {root} rebuild` (re-indexes the stored documents with "
            "the current settings) or change the settings back."
        )
