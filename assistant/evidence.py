"""How much a piece of text supports a question: semantic similarity plus weighted word coverage.

Retrieval ranks chunks and the answerer ranks sentences with the same two
kinds of evidence, on absolute scales so they mean the same thing for every
question: cosine similarity of MiniLM embeddings, and the share of the
question's stemmed content words present in the text, each word weighted by
its inverse document frequency in the corpus (so "Hutchins" counts for more
than "said"). Absolute scales are what let one abstention threshold work for
all questions; rank-based fusion cannot say "nothing here is good enough".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .bm25 import terms


@dataclass
class Query:
    """A question prepared once: its vector, its content words and their weights."""

    text: str
    vector: np.ndarray
    weights: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, text: str, vector, document_frequency, n_docs: int) -> "Query":
        words = dict.fromkeys(terms(text))
        weights = {w: math.log(1 + (n_docs + 1) / (1 + document_frequency(w))) for w in words}
        return cls(text, np.asarray(vector, dtype=np.float32), weights)

    def coverage(self, text_terms: set[str]) -> float:
        """Weighted share of the question's content words found in the text (0..1)."""
        total = sum(self.weights.values())
        if not total:
            return 0.0
        return sum(w for t, w in self.weights.items() if t in text_terms) / total

    def missing(self, text_terms: set[str]) -> list[str]:
        """Question words the text lacks, heaviest first (a sign the text answers another question)."""
        return sorted((t for t in self.weights if t not in text_terms), key=lambda t: -self.weights[t])

    def similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity to normalised vectors."""
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(vectors, dtype=np.float32) @ self.vector


class WordVectors:
    """Embeddings of single words, cached, to tell a paraphrase ("attorney" for "lawyer", "fatally" for
    "deadly"): MiniLM puts such pairs at cosine 0.7-0.9 and unrelated words below 0.45."""

    def __init__(self, embeddings, limit: int = 200_000) -> None:
        self.embeddings = embeddings
        self.limit = limit
        self._cache: dict[str, np.ndarray] = {}

    def vectors(self, words: list[str]) -> dict[str, np.ndarray]:
        cache = self._cache  # another thread may start a new cache meanwhile; this call keeps its own
        missing = [w for w in dict.fromkeys(words) if w not in cache]
        if missing:
            if len(cache) + len(missing) > self.limit:
                cache = self._cache = {}
            cache.update(zip(missing, np.asarray(self.embeddings.embed_documents(missing), dtype=np.float32)))
        return {w: cache[w] for w in words}

    def closest(self, word: str, candidates: list[str], minimum: float) -> float:
        """Cosine of `word` to its closest candidate, or 0.0 below `minimum`."""
        found = self.match(word, candidates, minimum)
        return found[1] if found else 0.0

    def match(self, word: str, candidates: list[str], minimum: float) -> tuple[str, float] | None:
        """The candidate closest to `word` and its cosine, or None below `minimum`."""
        if not candidates:
            return None
        got = self.vectors([word, *candidates])
        cosine, best = max((float(got[word] @ got[c]), c) for c in candidates)
        return (best, cosine) if cosine >= minimum else None
