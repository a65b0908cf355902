"""Story links: do two articles tell the same story?

Two articles that name the same country can be different stories (the French riots of 2005 and French nationals
charged in Chad in 2007). Articles of one story share their specific words: the people, places and things of
the story. So each article is a vector of its stemmed terms, each weighted by its count (log-scaled) and by its
inverse document frequency in this index (`evidence.idf`, as the question's words are weighted: a word
most chunks hold, "said", counts for little), and two articles
are linked when the cosine of their vectors reaches `STORY_LINK`.

`STORY_LINK` was read off the development stories (`training/news_dev_stories.json`, never an evaluation set):
over the retrieved pairs of "the latest on <headline>" and the development latest questions, every pair of
articles of one story had a cosine of 0.214 or more, and 7 of the 18 other pairs (which named the question's
names) less than 0.15; 0.15 leaves a margin below the story pairs and drops almost as many others as 0.2 (8).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from .evidence import idf
from .text import terms

STORY_LINK = 0.15


class Linker:
    """Term vectors of articles, weighted by the index's document frequencies, and their cosine."""

    def __init__(self, document_frequencies: Callable[[list[str]], dict[str, int]], units: int) -> None:
        self.document_frequencies, self.units = document_frequencies, units
        self.vectors: dict[str, dict[str, float]] = {}  # by document id, for one question's articles

    def vector(self, doc_id: str, text: str) -> dict[str, float]:
        if doc_id not in self.vectors:
            counts = Counter(terms(text))
            df = self.document_frequencies(list(counts))
            weights = {w: (1 + math.log(c)) * idf(df.get(w, 0), self.units) for w, c in counts.items()}
            norm = math.sqrt(sum(x * x for x in weights.values())) or 1.0
            self.vectors[doc_id] = {w: x / norm for w, x in weights.items()}
        return self.vectors[doc_id]

    def similarity(self, a: tuple[str, str], b: tuple[str, str]) -> float:
        """Cosine of two articles given as (document id, text)."""
        u, v = self.vector(*a), self.vector(*b)
        if len(v) < len(u):
            u, v = v, u
        return sum(x * v.get(w, 0.0) for w, x in u.items())

    def linked(self, a: tuple[str, str], b: tuple[str, str]) -> bool:
        """Do the two articles tell the same story (the same article always does)?"""
        return a[0] == b[0] or self.similarity(a, b) >= STORY_LINK
