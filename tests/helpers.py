"""Builders of typed values for the fast tests (no index needed)."""

from __future__ import annotations

from assistant.chunking import Chunk
from assistant.documents import Meta
from assistant.ids import ChunkId
from assistant.retrieval import Passage


def passage(source: str, text: str = "", *, title: str = "", start: int = 0, end: int | None = None,
            published: str | None = None, outlet: str | None = None, url: str | None = None,
            score: float = 0.0, best_coverage: float = 0.0) -> Passage:
    """A retrieved passage of document `source` holding `text` at `start` (the other evidence at zero)."""
    end = start + len(text) if end is None else end
    chunk = Chunk(ChunkId(source, 0), source, 0, start, end, text)
    return Passage(chunk, Meta(title, published, outlet, url), score, 0.0, 0.0, 0.0, best_coverage)
