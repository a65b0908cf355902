"""Duplicate stories: the same text under two names, and the same wire story from two outlets.

Exact duplicates are caught by content hash before any embedding work. Near
duplicates are found with the vectors we already store: the nearest chunks of
another document are candidates, confirmed by the overlap of word 3-gram
shingles of the two documents' indexed text (Jaccard). Confirmed pairs are
linked both ways, and retrieval keeps only the best of a linked group, so an
answer never cites the same story twice.
"""

from __future__ import annotations

import re

NEAR_DUPLICATE_JACCARD = 0.5
_WORD = re.compile(r"\w+")


def shingles(record: dict, n: int = 3) -> set[tuple[str, ...]]:
    """Word n-grams of a stored document's indexed text."""
    text = " ".join(record["text"][a:b] for a, b in record["chunks"])
    words = [w.lower() for w in _WORD.findall(text)]
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def near_duplicates(index, doc_id: str, candidates: int = 5) -> list[str]:
    """Other documents whose text overlaps `doc_id`'s by at least `NEAR_DUPLICATE_JACCARD`."""
    record = index.documents[doc_id]
    first_chunks = [f"{doc_id}#{i}" for i in range(min(2, len(record["chunks"])))]
    others: dict[str, None] = {}
    for vector in index.vectors(first_chunks).values():
        for chunk_id, _ in index.dense_search(vector.tolist(), candidates + 2):
            other = chunk_id.rpartition("#")[0]
            if other != doc_id and other in index.documents:
                others[other] = None
    mine = shingles(record)
    return [o for o in others if jaccard(mine, shingles(index.documents[o])) >= NEAR_DUPLICATE_JACCARD]
