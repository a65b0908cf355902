"""Answering with the trained reader: the short span first, the sentence that holds it as the cited evidence.

The reader (`reader.Reader`) reads the top retrieved passages and proposes one span per passage with its
scores. The span whose confidence (the reader's own, plus `retrieval_weight` times the passage's retrieval
score) is highest is the answer; it abstains when that confidence is under the calibrated threshold
(`calibration`); no rule refuses on its own (the last one, "the passages never mention a name of the
question", cost Normans answers on top of the reader and bought no recall). The answer is quoted verbatim and cited to the exact offsets of its sentence, so every
answer is supported by the passage it cites by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

from .citations import Answer, Citation
from .reader import Reader, Span
from .retrieval import Passage
from .verification import looks_like_instruction


def abstention(question: str, searched_docs: int, passages: list[Passage], reason: str = "") -> str:
    """One plain statement: not in the corpus, what was searched, and the nearest articles."""
    nearest = list(dict.fromkeys(p.title for p in passages))[:3]
    why = f" {reason}" if reason else ""
    near = f" Nearest articles: {', '.join(f'“{t}”' for t in nearest)}." if nearest else ""
    return (f"Not in the corpus: I searched {searched_docs} article{'s' if searched_docs != 1 else ''} for “{question}” "
            f"and found no passage that answers it.{why}{near}")


def too_vague(suggestions: list[str]) -> str:
    """One plain sentence for a question with nothing to search for, with questions the corpus can answer."""
    if not suggestions:
        return "The question is too vague to search for: name a person, place or event from the articles."
    return f"The question is too vague to search for: try {', '.join(f'“{q}”' for q in suggestions)}."


@dataclass(frozen=True)
class Proposal:
    """One passage's best span, placed in its document."""

    span: Span
    passage: Passage
    start: int  # document offsets of the span
    end: int
    score: float  # the reader's confidence, plus the weighted retrieval score

    def sentence(self) -> tuple[int, int]:
        """Document offsets of the sentence(s) holding the span (the span itself if none are known)."""
        sents = [(s.start, s.end) for s in self.passage.sentences if s.start < self.end and s.end > self.start]
        return (min(a for a, _ in sents), max(b for _, b in sents)) if sents else (self.start, self.end)


class ReaderAnswerer:
    """Answers with the reader's best span across the top passages; needs the shipped reader model."""

    name = "reader"

    def __init__(self, reader: Reader, *, passages: int = 3, max_words: int = 20, threshold: float = 0.0,
                 retrieval_weight: float = 0.0) -> None:
        self.reader = reader
        self.passages = passages
        self.max_words = max_words
        self.threshold = threshold
        self.retrieval_weight = retrieval_weight

    def proposals(self, question: str, passages: list[Passage], texts: dict[str, str]) -> list[Proposal]:
        """The best span of each top passage, best first; spans inside instruction-like text are dropped."""
        top = passages[: self.passages]
        out = []
        for span in self.reader.read(question, [p.text for p in top]):
            passage = top[span.passage]
            offset = passage.chunk.start
            proposal = Proposal(span, passage, offset + span.start, offset + span.end,
                                span.confidence + self.retrieval_weight * passage.score)
            a, b = proposal.sentence()
            if not span.text.strip() or looks_like_instruction(texts[passage.source][a:b]):
                continue
            out.append(proposal)
        return sorted(out, key=lambda p: -p.score)

    def answer(self, question: str, passages: list[Passage], texts: dict[str, str], searched_docs: int) -> Answer:
        retrieved = list(dict.fromkeys(p.source for p in passages))
        proposals = self.proposals(question, passages, texts)
        best = proposals[0] if proposals else None
        evidence = best.score if best else float("-inf")
        if best is None or evidence < self.threshold:
            return Answer(question, abstention(question, searched_docs, passages), True, [], retrieved, searched=searched_docs,
                          evidence=evidence if best else 0.0, answerer=self.name,
                          abstain_reason="threshold" if best else "no-span")
        source = best.passage.source
        a, b = best.sentence()
        doc = texts[source]
        citation = Citation(1, source, best.passage.title, doc[a:b], a, b, round(evidence, 4))
        short = " ".join(doc[best.start:best.end].split())
        quote = window(doc[a:best.start], short, doc[best.end:b], self.max_words - len(short.split()))
        return Answer(question, f"{short} — “{quote}” [1]", False, [citation], retrieved, evidence=evidence,
                      answerer=self.name, short=short)


    def answer_stream(self, question: str, passages: list[Passage], texts: dict[str, str], searched_docs: int):
        """The reader's answer is ready in milliseconds: one item, the final `Answer`."""
        yield self.answer(question, passages, texts, searched_docs)


def window(before: str, span: str, after: str, words: int) -> str:
    """`span` with the text around it, `words` words in all, as even on both sides as the text allows;
    "…" marks a cut. A span that starts or ends inside a word ("1.5" of "1.5-year") stays joined to it."""
    left, right = before.split(), after.split()
    extra = max(0, words - len(span.split()))
    take_left = min(len(left), max(extra // 2, extra - len(right)))
    take_right = min(len(right), extra - take_left)
    text = span
    if take_left:
        text = " ".join(left[len(left) - take_left:]) + (" " if before[-1].isspace() else "") + text
    if take_right:
        text += (" " if after[0].isspace() else "") + " ".join(right[:take_right])
    return f"{'…' if take_left < len(left) else ''}{text}{'…' if take_right < len(right) else ''}"
