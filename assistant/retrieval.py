"""Hybrid retrieval: dense (Chroma) and lexical (FTS5 BM25) candidates, ranked by absolute evidence.

Candidates come from both searches. With `fusion="evidence"` (default) they are ranked by
chunk and best-sentence cosine similarity plus idf-weighted coverage of the question's words
by the chunk and by its best sentence (see `evidence`); `fusion="rrf"` ranks by reciprocal
rank fusion instead, for comparison. Results are typed `Passage`s that carry their evidence
to the reader (`assistant.langchain_adapters.HybridRetriever` wraps the same search for LangChain).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .chunking import Chunk
from .documents import Meta
from .evidence import Query
from .ids import ChunkId, SentenceId
from .text import terms

# a question about the newest state of things: newer articles rank higher
LATEST = re.compile(r"\b(latest|most recent|newest|recently|last week|this week|current|any (?:news|updates?|word|"
                    r"developments?)|update (?:me )?on|what's new|stands? now|these days|(?:anything|what) (?:new|"
                    r"(?:has )?happened) since)\b", re.I)


@dataclass(frozen=True)
class Filters:
    """Which documents may answer: published on or after `since`, on or before `until` (ISO dates,
    or YYYY-MM, YYYY), from one of `outlets` (case-insensitive; empty = any)."""

    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.outlets)

    def allows(self, record) -> bool:
        published = (record.published or "")[:10]
        if self.since and not published >= self.since:
            return False
        if self.until and not (published and published[: len(self.until)] <= self.until):
            return False
        return not self.outlets or (record.outlet or "").casefold() in {o.casefold() for o in self.outlets}


@dataclass(frozen=True)
class SentenceEvidence:
    id: SentenceId
    start: int  # document offsets
    end: int
    similarity: float
    coverage: float


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk with its document's metadata and the evidence it was ranked on."""

    chunk: Chunk
    meta: Meta  # its document's title, date, outlet and URL
    score: float
    similarity: float
    coverage: float
    best_similarity: float
    best_coverage: float
    sentences: tuple[SentenceEvidence, ...] = ()
    dense_rank: int | None = None
    bm25_rank: int | None = None
    query_weights: dict[str, float] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.chunk.doc_id

    @property
    def text(self) -> str:
        return self.chunk.text

    @property
    def title(self) -> str:
        return self.meta.title

    def to_dict(self) -> dict:
        """Plain JSON for the API, the UI and eval reports (ids as strings)."""
        data = {k: v for k, v in asdict(self).items() if k not in ("chunk", "meta", "sentences", "query_weights")}
        data.update(asdict(self.meta), text=self.chunk.text, chunk_id=str(self.chunk.id), source=self.source,
                    start=self.chunk.start, end=self.chunk.end,
                    sentences=[{**asdict(s), "id": str(s.id)} for s in self.sentences])
        return {k: v for k, v in data.items() if v is not None}


def reciprocal_rank_fusion(rankings: list[list], k: int = 60, weights: list[float] | None = None) -> list[tuple[Any, float]]:
    """Fuse ranked id lists: score(id) = sum_i w_i / (k + rank_i(id)), ranks from 1. Ties keep first-seen order."""
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


@dataclass(frozen=True)
class Retriever:
    """Top-`k` passages for a query from an `Index`."""

    index: Any
    k: int = 5
    candidates: int = 30
    fusion: str = "evidence"
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    weights: tuple[float, float, float, float] = (1.0, 1.0, 0.7, 0.3)
    recency_weight: float = 0.3  # for "latest"/"most recent" questions: bonus for newer documents
    # a follow-up's conversation is about these documents (the earlier question's best): their passages are candidates
    # and get this bonus, the recency bonus's size (0.5 carried a change of subject on the development follow-ups)
    story: tuple[str, ...] = ()
    story_weight: float = 0.3
    one_per_story: bool = True  # drop near-duplicates of a better-ranked document (a timeline keeps them)

    @classmethod
    def from_settings(cls, index, section) -> "Retriever":
        """Built from the `retrieval` section of the settings."""
        return cls(index=index, k=section.k, candidates=section.candidates, fusion=section.fusion, weights=section.weights,
                   rrf_k=section.rrf_k, dense_weight=section.dense_weight, bm25_weight=section.bm25_weight)

    def with_options(self, **options) -> "Retriever":
        return replace(self, **{k: v for k, v in options.items() if v is not None})

    def query(self, text: str) -> Query:
        words = terms(text)
        index = self.index
        df = index.document_frequencies(words)
        return Query.build(text, index.embed_query(text), lambda w: df.get(w, 0), index.chunk_count())

    def retrieve(self, query: str, filters: Filters = Filters()) -> list[Passage]:
        index = self.index
        catalog = index.catalog
        if not catalog:
            return []
        q = self.query(query)
        n = self.candidates * (10 if filters else 1)  # filters discard candidates: look deeper

        def allowed(hits):
            return [(c, s) for c, s in hits if c.doc_id in catalog and filters.allows(catalog[c.doc_id])][: self.candidates]

        dense = allowed(index.dense_search_many([q.vector], n)[0])
        lexical = allowed(index.lexical_search(query, n))
        if self.fusion == "rrf":
            fused = self._one_per_story(reciprocal_rank_fusion(
                [[c for c, _ in dense], [c for c, _ in lexical]], k=self.rrf_k,
                weights=[self.dense_weight, self.bm25_weight]))[: self.k]
            evidence = self._evidence(q, [c for c, _ in fused], dict(dense))
            ranked = [(cid, score, evidence[cid]) for cid, score in fused]
        else:
            story = [ChunkId(d, i) for d in self.story if d in catalog and filters.allows(catalog[d])
                     for i in range(catalog[d].chunks)]
            evidence = self._evidence(q, list(dict.fromkeys([c for c, _ in dense] + [c for c, _ in lexical] + story)),
                                      dict(dense))
            w = self.weights
            scored = [(cid, w[0] * e.similarity + w[1] * e.best_similarity + w[2] * e.coverage
                       + w[3] * e.best_coverage + (self.story_weight if cid.doc_id in self.story else 0.0), e)
                      for cid, e in evidence.items()]
            if LATEST.search(query):
                scored = self._prefer_recent(scored)
            ranked = self._one_per_story(sorted(scored, key=lambda x: -x[1]))[: self.k]
        dense_rank = {cid: rank for rank, (cid, _) in enumerate(dense, start=1)}
        bm25_rank = {cid: rank for rank, (cid, _) in enumerate(lexical, start=1)}
        return [replace(e, score=score, dense_rank=dense_rank.get(cid), bm25_rank=bm25_rank.get(cid),
                        query_weights=q.weights)
                for cid, score, e in ranked]

    def _prefer_recent(self, scored: list[tuple]) -> list[tuple]:
        """Add up to `recency_weight` by publication date rank among the candidates (undated: nothing)."""
        catalog = self.index.catalog
        day = {c: (catalog[c.doc_id].published or "")[:10] for c, _, _ in scored}
        dates = sorted(set(day.values()) - {""})
        if len(dates) < 2:
            return scored
        rank = {d: i / (len(dates) - 1) for i, d in enumerate(dates)}
        return [(c, s + self.recency_weight * rank.get(day[c], 0.0), e) for c, s, e in scored]

    def _one_per_story(self, ranked: list[tuple]) -> list[tuple]:
        """Drop chunks of documents linked as near-duplicates of a better-ranked document."""
        if not self.one_per_story:
            return ranked
        catalog = self.index.catalog
        kept_docs: set[str] = set()
        shadowed: set[str] = set()  # near-duplicates of documents already kept
        kept = []
        for item in ranked:
            doc_id = item[0].doc_id
            if doc_id in shadowed and doc_id not in kept_docs:
                continue
            kept_docs.add(doc_id)
            shadowed.update(catalog[doc_id].near_duplicates)
            kept.append(item)
        return kept

    def _evidence(self, q: Query, chunk_ids: list[ChunkId], known_similarity: dict[ChunkId, float]
                  ) -> dict[ChunkId, Passage]:
        """Each chunk as a `Passage` with the similarity and coverage of it and of its sentences, from stored
        vectors (its score and ranks are set once it is ranked)."""
        index = self.index
        chunks = index.chunks(chunk_ids)
        sentences = {cid: index.sentences_in(c) for cid, c in chunks.items()}
        chunk_vectors = index.chunk_vectors([cid for cid in chunks if cid not in known_similarity])
        sentence_vectors = index.sentence_vectors([sid for sents in sentences.values() for sid, _, _ in sents])
        texts = index.texts({c.doc_id for c in chunks.values()})
        out = {}
        for cid in chunk_ids:
            chunk = chunks.get(cid)
            if chunk is None:  # removed since the search (another process wrote)
                continue
            sim = known_similarity.get(cid)
            if sim is None:
                sim = float(q.similarity(chunk_vectors[cid][None])[0]) if cid in chunk_vectors else 0.0
            doc_text = texts[chunk.doc_id]
            sents = tuple(
                SentenceEvidence(sid, a, b,
                                 float(q.similarity(sentence_vectors[sid][None])[0]) if sid in sentence_vectors else 0.0,
                                 q.coverage(set(terms(doc_text[a:b]))))
                for sid, a, b in sentences[cid])
            out[cid] = Passage(chunk, index.catalog[chunk.doc_id].meta, 0.0, sim, q.coverage(set(terms(chunk.text))),
                               max((s.similarity for s in sents), default=0.0),
                               max((s.coverage for s in sents), default=0.0), sents)
        return out
