"""Extractive answering: quote the best supporting sentence(s), cite them, or abstain.

Each sentence of the top passages is scored by two kinds of evidence, measured
by the retriever from stored sentence vectors (see `evidence`): semantic
similarity to the question (MiniLM cosine) and lexical coverage (the
idf-weighted share of the question's stemmed content words it contains). Needing both keeps topical but
non-answering sentences, and off-corpus questions, below the abstention
threshold. Quoting verbatim means every claim is, by construction, in the
cited passage.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.documents import Document as LCDocument

from .bm25 import terms
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

    def __init__(self, *, passages: int = 3, max_sentences: int = 2, threshold: float = 0.4) -> None:
        self.passages = passages
        self.max_sentences = max_sentences
        self.threshold = threshold

    def candidates(self, question: str, passages: list[LCDocument], texts: dict[str, str]) -> list[Candidate]:
        """Every distinct sentence of the top passages, with the evidence the retriever measured."""
        seen: set[str] = set()
        out: list[Candidate] = []
        for rank, passage in enumerate(passages[: self.passages]):
            meta = passage.metadata
            for sent in meta.get("sentences", []):
                if sent["id"] in seen:
                    continue
                seen.add(sent["id"])
                text = texts[meta["source"]][sent["start"] : sent["end"]]
                out.append(Candidate(meta["source"], meta["title"], sent["start"], sent["end"], text, rank,
                                     sent["similarity"], sent["coverage"]))
        return out

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
