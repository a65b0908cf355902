"""Duplicate stories: the same text under two names, and the same wire story from two outlets.

Exact duplicates are caught by content hash before any embedding work. Near
duplicates are found with the vectors we already make: the nearest chunks of
another document are candidates, confirmed by the overlap of word 3-gram
shingles of the two documents' indexed text (Jaccard). Confirmed pairs are
linked both ways, and retrieval keeps only the best of a linked group, so an
answer never cites the same story twice.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .text import words

NEAR_DUPLICATE_JACCARD = 0.5


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """Word n-grams of a document's indexed text."""
    found = words(text)
    return {tuple(found[i : i + n]) for i in range(max(1, len(found) - n + 1))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def near_duplicates(firsts: dict[str, np.ndarray], nearest: Callable[[list, int], list[list[str]]],
                    indexed_texts: Callable[[list[str]], dict[str, str]], candidates: int = 5) -> list[tuple[str, str]]:
    """Pairs `(new document, other document)` whose indexed texts overlap by at least `NEAR_DUPLICATE_JACCARD`.

    `firsts` holds the vectors of each new document's first two chunks; `nearest(vectors, n)` gives the
    documents of the nearest chunks to each; `indexed_texts(ids)` the text of documents. A pair of two
    new documents is reported once."""
    queries = [(d, v) for d, vectors in firsts.items() for v in vectors]
    found = nearest([v for _, v in queries], candidates + 2) if queries else []
    others: dict[str, dict[str, None]] = {d: {} for d in firsts}
    for (doc_id, _), hits in zip(queries, found):
        for other in hits:
            if other != doc_id:
                others[doc_id][other] = None
    texts = indexed_texts(list(dict.fromkeys([*firsts, *(o for found in others.values() for o in found)])))
    cache: dict[str, set] = {}

    def shingled(doc_id: str) -> set:
        if doc_id not in cache:
            cache[doc_id] = shingles(texts[doc_id])
        return cache[doc_id]

    pairs: set[frozenset] = set()
    out = []
    for doc_id, found_others in others.items():
        for other in found_others:
            pair = frozenset((doc_id, other))
            if other in texts and pair not in pairs and jaccard(shingled(doc_id), shingled(other)) >= NEAR_DUPLICATE_JACCARD:
                pairs.add(pair)
                out.append((doc_id, other))
    return out
