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
import re

from pydantic import ConfigDict

from .bm25 import terms
from .evidence import Query


_LATEST = re.compile(r"\b(latest|most recent|newest|recently|last week|this week|current)\b", re.I)


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
    """Top-`k` chunks for a query; each result's metadata says why it was found.

    Candidates come from both dense (Chroma) and BM25 search. With
    `fusion="evidence"` (default) they are ranked by absolute evidence: chunk
    and best-sentence cosine similarity plus idf-weighted coverage of the
    question's words by the chunk and by its best sentence (see `evidence`).
    `fusion="rrf"` ranks by reciprocal rank fusion instead, for comparison.
    Either way every result carries its sentences' evidence for the answerer.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any
    k: int = 5
    candidates: int = 30
    fusion: str = "evidence"
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    weights: tuple[float, float, float, float] = (1.0, 1.0, 0.7, 0.3)
    since: str | None = None  # ISO date: only documents published on or after it
    until: str | None = None  # ISO date (or YYYY-MM, YYYY): only documents published on or before it
    outlets: tuple[str, ...] = ()  # only documents from these outlets (case-insensitive)
    recency_weight: float = 0.3  # for "latest"/"most recent" questions: bonus for newer documents

    def _allowed(self, chunk_id: str) -> bool:
        record = self.index.documents[chunk_id.rpartition("#")[0]]
        published = (record.get("published") or "")[:10]
        if self.since and not published >= self.since:
            return False
        if self.until and not (published and published[: len(self.until)] <= self.until):
            return False
        return not self.outlets or (record.get("outlet") or "").casefold() in {o.casefold() for o in self.outlets}

    def query(self, text: str) -> Query:
        bm25 = self.index.bm25
        return Query.build(text, self.index.embeddings.embed_query(text), bm25.document_frequency, len(bm25.ids))

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        index = self.index
        if not index.documents:
            return []
        q = self.query(query)
        filtered = bool(self.since or self.until or self.outlets)
        n = self.candidates * (10 if filtered else 1)  # filters discard candidates: look deeper
        dense = [(c, s) for c, s in index.dense_search(q.vector.tolist(), n) if self._allowed(c)][: self.candidates]
        lexical = [(c, s) for c, s in index.bm25_search(query, n) if self._allowed(c)][: self.candidates]
        if self.fusion == "rrf":
            fused = self._one_per_story(reciprocal_rank_fusion(
                [[c for c, _ in dense], [c for c, _ in lexical]], k=self.rrf_k,
                weights=[self.dense_weight, self.bm25_weight]))[: self.k]
            evidence = self._evidence(q, [c for c, _ in fused], dict(dense))
            ranked = [(cid, score, evidence[cid]) for cid, score in fused]
        else:
            pool = list(dict.fromkeys([c for c, _ in dense] + [c for c, _ in lexical]))
            evidence = self._evidence(q, pool, dict(dense))
            w = self.weights
            scored = [(cid, w[0] * e["similarity"] + w[1] * e["best_similarity"] + w[2] * e["coverage"]
                       + w[3] * e["best_coverage"], e) for cid, e in evidence.items()]
            if _LATEST.search(query):
                scored = self._prefer_recent(scored)
            ranked = self._one_per_story(sorted(scored, key=lambda x: -x[1]))[: self.k]
        dense_rank = {cid: rank for rank, (cid, _) in enumerate(dense, start=1)}
        bm25_rank = {cid: rank for rank, (cid, _) in enumerate(lexical, start=1)}
        return [self._document(cid, score, {**e, "query_weights": q.weights}, dense_rank.get(cid), bm25_rank.get(cid))
                for cid, score, e in ranked]

    def _prefer_recent(self, scored: list[tuple]) -> list[tuple]:
        """Add up to `recency_weight` by publication date rank among the candidates (undated: nothing)."""
        dates = sorted({self.index.documents[c.rpartition("#")[0]].get("published", "")[:10] for c, _, _ in scored} - {""})
        if len(dates) < 2:
            return scored
        rank = {d: i / (len(dates) - 1) for i, d in enumerate(dates)}
        return [(c, s + self.recency_weight * rank.get(self.index.documents[c.rpartition("#")[0]].get("published", "")[:10], 0.0), e)
                for c, s, e in scored]

    def _one_per_story(self, ranked: list[tuple]) -> list[tuple]:
        """Drop chunks of documents linked as near-duplicates of a better-ranked document."""
        kept_docs: set[str] = set()
        shadowed: set[str] = set()  # near-duplicates of documents already kept
        kept = []
        for item in ranked:
            doc_id = item[0].rpartition("#")[0]
            if doc_id in shadowed and doc_id not in kept_docs:
                continue
            kept_docs.add(doc_id)
            shadowed.update(self.index.documents[doc_id].get("near_duplicates", []))
            kept.append(item)
        return kept

    def _evidence(self, q: Query, chunk_ids: list[str], known_similarity: dict[str, float]) -> dict[str, dict]:
        """Similarity and coverage of each chunk and each of its sentences, from stored vectors."""
        index = self.index
        chunks = {cid: index.chunk(cid) for cid in chunk_ids}
        sentences = {cid: index.sentences_in(c.doc_id, c.start, c.end) for cid, c in chunks.items()}
        missing = [cid for cid in chunk_ids if cid not in known_similarity]
        chunk_vectors = index.vectors(missing)
        sentence_vectors = index.vectors(list({sid for sents in sentences.values() for sid, _, _ in sents}), sentences=True)
        out = {}
        for cid, chunk in chunks.items():
            sim = known_similarity.get(cid)
            if sim is None:
                sim = float(q.similarity(chunk_vectors[cid][None])[0]) if cid in chunk_vectors else 0.0
            doc_text = index.documents[chunk.doc_id]["text"]
            sents = []
            for sid, a, b in sentences[cid]:
                vec = sentence_vectors.get(sid)
                sents.append({
                    "id": sid, "start": a, "end": b,
                    "similarity": float(q.similarity(vec[None])[0]) if vec is not None else 0.0,
                    "coverage": q.coverage(set(terms(doc_text[a:b]))),
                })
            out[cid] = {
                "similarity": sim,
                "coverage": q.coverage(set(terms(chunk.text))),
                "best_similarity": max((x["similarity"] for x in sents), default=0.0),
                "best_coverage": max((x["coverage"] for x in sents), default=0.0),
                "sentences": sents,
            }
        return out

    def _document(self, chunk_id: str, score: float, evidence: dict, dense_rank, bm25_rank) -> LCDocument:
        chunk = self.index.chunk(chunk_id)
        record = self.index.documents[chunk.doc_id]
        metadata = {
            "chunk_id": chunk_id, "source": chunk.doc_id, "title": record.get("title", chunk.doc_id),
            "start": chunk.start, "end": chunk.end, "score": score,
            "dense_rank": dense_rank, "bm25_rank": bm25_rank, **evidence,
        }
        for key in ("published", "outlet", "url"):
            if record.get(key):
                metadata[key] = record[key]
        return LCDocument(page_content=chunk.text, id=chunk_id, metadata=metadata)
