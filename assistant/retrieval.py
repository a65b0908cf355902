"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by weighted reciprocal rank fusion.

RRF needs no score calibration between the two retrievers, which matters
because cosine similarities and BM25 scores live on unrelated scales. The
retriever is a LangChain `BaseRetriever`, so it composes with LCEL (`|`,
`.batch`, tracing) like any other runnable.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


def reciprocal_rank_fusion(
    rankings: list[list[str]], k: int = 60, weights: list[float] | None = None
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(id) = sum_i w_i / (k + rank_i(id)), ranks from 1. Ties keep first-seen order."""
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


class HybridRetriever(BaseRetriever):
    """Top-`k` chunks for a query; each result's metadata says why it was found."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    k: int = 5
    candidates: int = 30
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        index = self.index
        if not index.documents:
            return []
        dense = index.dense_search(index.embeddings.embed_query(query), self.candidates)
        lexical = index.bm25_search(query, self.candidates)
        fused = reciprocal_rank_fusion(
            [[cid for cid, _ in dense], [cid for cid, _ in lexical]],
            k=self.rrf_k,
            weights=[self.dense_weight, self.bm25_weight],
        )
        dense_info = {cid: (rank, score) for rank, (cid, score) in enumerate(dense, start=1)}
        lexical_info = {cid: (rank, score) for rank, (cid, score) in enumerate(lexical, start=1)}
        results = []
        for chunk_id, score in fused[: self.k]:
            chunk = index.chunk(chunk_id)
            record = index.documents[chunk.doc_id]
            metadata = {
                "chunk_id": chunk_id,
                "source": chunk.doc_id,
                "title": record.get("title", chunk.doc_id),
                "start": chunk.start,
                "end": chunk.end,
                "score": score,
                "dense_rank": dense_info.get(chunk_id, (None, None))[0],
                "dense_score": dense_info.get(chunk_id, (None, None))[1],
                "bm25_rank": lexical_info.get(chunk_id, (None, None))[0],
                "bm25_score": lexical_info.get(chunk_id, (None, None))[1],
            }
            for key in ("published", "outlet", "url"):
                if record.get(key):
                    metadata[key] = record[key]
            results.append(LCDocument(page_content=chunk.text, id=chunk_id, metadata=metadata))
        return results
