"""How much a piece of text supports a question: semantic similarity plus weighted word coverage.

Retrieval ranks chunks and their sentences with two kinds of evidence, on absolute scales so they mean the same thing for every
question: cosine similarity of MiniLM embeddings, and the share of the
question's stemmed content words present in the text, each word weighted by
its inverse document frequency in the corpus (so "Hutchins" counts for more
than "said"). Absolute scales are what let one abstention threshold work for
all questions; rank-based fusion cannot say "nothing here is good enough".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .text import terms


def idf(df: int, units: int) -> float:
    """A word's weight from how many of the index's `units` (chunks) hold it; smoothed, so a word every chunk holds
    still counts a little."""
    return math.log(1 + (units + 1) / (1 + df))


class Frequencies:
    """Document frequencies read from the store, remembered until its next write (`generation`, one small query):
    a story's articles and the questions about them share their words, and a lookup in the lexical index costs
    about 50 µs a word."""

    def __init__(self, lookup: Callable[[list[str]], dict[str, int]], generation: Callable[[], int],
                 kept: int = 200_000) -> None:
        self.lookup, self.generation, self.kept = lookup, generation, kept  # `kept` words at most (a few MB)
        self.known: dict[str, int] = {}
        self.at: int | None = None  # the store's generation `known` was read at

    def __call__(self, words: list[str]) -> dict[str, int]:
        now = self.generation()
        if now != self.at:
            self.known, self.at = {}, now
        known = self.known  # another thread may start a fresh one meanwhile: this call keeps its own
        missing = [w for w in dict.fromkeys(words) if w not in known]
        found = self.lookup(missing) if missing else {}
        fresh = {w: found.get(w, 0) for w in missing}
        if len(known) < self.kept:
            known.update(fresh)
        return {w: fresh[w] if w in fresh else known[w] for w in words}


@dataclass
class Query:
    """A question prepared once: its vector, its content words and their weights."""

    text: str
    vector: np.ndarray
    weights: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, text: str, vector, document_frequency, n_docs: int) -> "Query":
        words = dict.fromkeys(terms(text))
        weights = {w: idf(document_frequency(w), n_docs) for w in words}
        return cls(text, np.asarray(vector, dtype=np.float32), weights)

    def coverage(self, text_terms: set[str]) -> float:
        """Weighted share of the question's content words found in the text (0..1)."""
        total = sum(self.weights.values())
        if not total:
            return 0.0
        return sum(w for t, w in self.weights.items() if t in text_terms) / total

    def similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity to normalised vectors."""
        if len(vectors) == 0:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(vectors, dtype=np.float32) @ self.vector
