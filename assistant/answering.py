"""Extractive answering: quote the best supporting sentence(s), cite them, or abstain.

Each sentence of the top passages is scored by two kinds of evidence: semantic
similarity to the question (MiniLM cosine) and lexical coverage (the share of
the question's stemmed content words the sentence contains, weighted by how
rare each word is in the retrieved passages). Needing both keeps topical but
non-answering sentences, and off-corpus questions, below the abstention
threshold. Quoting verbatim means every claim is, by construction, in the
cited passage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from langchain_core.documents import Document as LCDocument

from .bm25 import terms
from .chunking import sentence_spans
from .citations import Answer, Citation

SEMANTIC_WEIGHT = 0.5


@dataclass(frozen=True)
class Candidate:
    """A sentence from a retrieved passage, with its evidence scores."""

    source: str
    title: str
    start: int
    end: int
    text: str
    passage_rank: int
    semantic: float = 0.0
    lexical: float = 0.0

    @property
    def score(self) -> float:
        return SEMANTIC_WEIGHT * self.semantic + (1 - SEMANTIC_WEIGHT) * self.lexical


def abstention(question: str, searched_docs: int, passages: list[LCDocument]) -> str:
    """An honest 'not in the corpus' message that says what was searched."""
    closest = f' The closest passage was in "{passages[0].metadata["title"]}".' if passages else ""
    return f"The corpus does not say. I searched {searched_docs} document(s) for this question and found no passage that answers it.{closest}"


class ExtractiveAnswerer:
    """Answers with verbatim sentences from the passages; needs no LLM."""

    name = "extractive"

    def __init__(self, embeddings, *, passages: int = 3, max_sentences: int = 2, threshold: float = 0.4) -> None:
        self.embeddings = embeddings
        self.passages = passages
        self.max_sentences = max_sentences
        self.threshold = threshold

    def candidates(self, question: str, passages: list[LCDocument], texts: dict[str, str]) -> list[Candidate]:
        """Score every distinct sentence of the top passages against the question."""
        seen: set[tuple[str, int]] = set()
        raw: list[Candidate] = []
        for rank, passage in enumerate(passages[: self.passages]):
            meta = passage.metadata
            doc_text = texts[meta["source"]]
            for a, b in sentence_spans(doc_text, meta["start"], meta["end"]):
                if (meta["source"], a) in seen:
                    continue
                seen.add((meta["source"], a))
                raw.append(Candidate(meta["source"], meta["title"], a, b, doc_text[a:b], rank))
        if not raw:
            return []
        q_terms = set(terms(question))
        s_terms = [set(terms(c.text)) for c in raw]
        # Rarer words among the candidate sentences carry more evidence (a local idf).
        idf = {t: math.log(1 + len(raw) / (1 + sum(t in s for s in s_terms))) for t in q_terms}
        total = sum(idf.values()) or 1.0
        q_vec = np.asarray(self.embeddings.embed_query(question))
        s_vecs = np.asarray(self.embeddings.embed_documents([c.text for c in raw]))
        semantic = s_vecs @ q_vec
        return [
            Candidate(**{**c.__dict__, "semantic": float(sem), "lexical": sum(idf[t] for t in q_terms & st) / total})
            for c, sem, st in zip(raw, semantic, s_terms)
        ]

    def answer(self, question: str, passages: list[LCDocument], texts: dict[str, str], searched_docs: int) -> Answer:
        """Pick the best sentence, add a second one only if it brings question words the first lacks."""
        retrieved = list(dict.fromkeys(p.metadata["source"] for p in passages))
        scored = sorted(self.candidates(question, passages, texts), key=lambda c: (-c.score, c.passage_rank, c.start))
        if not scored or scored[0].score < self.threshold:
            return Answer(question, abstention(question, searched_docs, passages), True, [], retrieved)
        chosen = [scored[0]]
        covered = set(terms(scored[0].text))
        q_terms = set(terms(question))
        for cand in scored[1:]:
            if len(chosen) >= self.max_sentences:
                break
            new_terms = (q_terms & set(terms(cand.text))) - covered
            if cand.score >= max(self.threshold, 0.85 * scored[0].score) and new_terms:
                chosen.append(cand)
                covered |= set(terms(cand.text))
        first = chosen[0].source  # keep the best document first, sentences in reading order
        chosen.sort(key=lambda c: (c.source != first, c.source, c.start))
        citations = [
            Citation(n, c.source, c.title, c.text, c.start, c.end, round(c.score, 4)) for n, c in enumerate(chosen, start=1)
        ]
        text = " ".join(f"{' '.join(c.text.split())} [{c.n}]" for c in citations)
        return Answer(question, text, False, citations, retrieved)
