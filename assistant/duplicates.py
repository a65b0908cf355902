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


def near_duplicates(index, doc_ids: list[str], candidates: int = 5, batch: int = 256) -> dict[str, list[str]]:
    """For each of `doc_ids`, the other documents whose text overlaps it by at least `NEAR_DUPLICATE_JACCARD`.

    Candidates are the documents of the chunks nearest each document's first two chunks: one vector
    fetch and one batched nearest-neighbour query per `batch` documents, each document's shingles
    computed once (ingest of thousands of documents)."""
    cache: dict[str, set] = {}

    def shingled(doc_id: str) -> set:
        if doc_id not in cache:
            cache[doc_id] = shingles(index.documents[doc_id])
        return cache[doc_id]

    out: dict[str, list[str]] = {}
    for i in range(0, len(doc_ids), batch):
        part = doc_ids[i : i + batch]
        firsts = {d: [f"{d}#{j}" for j in range(min(2, len(index.documents[d]["chunks"])))] for d in part}
        vectors = index.vectors([c for chunk_ids in firsts.values() for c in chunk_ids])
        queries = [(d, vectors[c]) for d in part for c in firsts[d] if c in vectors]
        found = index.dense_search_many([v for _, v in queries], candidates + 2)
        others: dict[str, dict[str, None]] = {d: {} for d in part}
        for (doc_id, _), hits in zip(queries, found):
            for chunk_id, _ in hits:
                other = chunk_id.rpartition("#")[0]
                if other != doc_id and other in index.documents:
                    others[doc_id][other] = None
        for doc_id in part:
            mine = shingled(doc_id)
            out[doc_id] = [o for o in others[doc_id] if jaccard(mine, shingled(o)) >= NEAR_DUPLICATE_JACCARD]
    return out
