"""Answering with the trained reader: the short span first, the sentence that holds it as the cited evidence.

The reader (`reader.Reader`) reads the top retrieved passages, each with the sentences around it in its article
(a chunk cut from its article loses what it refers to), and proposes one span per passage with its
scores. The most confident span (plus `retrieval_weight` times the passage's retrieval score) is the
answer; the confidence model (`confidence`) gives the probability that it is right, which puts it in a band:
confident, unsure (said in words) or refused (under the index's calibration, else the card's). No rule
refuses on its own. The answer is quoted verbatim and cited to the exact offsets of its sentence, so every
answer is supported by the passage it cites by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from textwrap import shorten

from .citations import UNSURE_LEAD, Answer, Citation
from .confidence import ConfidenceModel, Evidence, answer_signals, reader_signals
from .metrics import normalize_answer
from .reader import Reader, Reading, Span
from .retrieval import Passage
from .sentences import context_range, is_sentence, line_sentences
from .verification import looks_like_instruction


def abstention(question: str, searched_docs: int, passages: list[Passage], reason: str = "") -> str:
    """One plain statement: not in the corpus, what was searched, and the nearest articles."""
    nearest = list(dict.fromkeys(p.title for p in passages))[:3]
    why = f" {reason}" if reason else ""
    near = f" Nearest articles: {', '.join(f'“{t}”' for t in nearest)}." if nearest else ""
    question = shorten(question, 120, placeholder=" …")  # a pasted paragraph is not reprinted whole
    return (f"Not in the corpus: I searched {searched_docs} article{'s' if searched_docs != 1 else ''} for “{question}” "
            f"and found no passage that answers it.{why}{near}")


# A question whose subject is the asker ("How do I …", "Should I …", "What can I …") or the assistant ("how are
# you", "what's your …") asks for advice, instructions or chat, which news reports do not give: English grammar,
# a closed class, not a word list. Generic "you" ("where can you see …") is left alone: news questions use it.
_PERSONAL = re.compile(r"\b(?i:do|does|can|could|should|shall|must|may|did|am)\s+I(?![\w-])"  # "I", not "I-75"
                       r"|(?i:\bwhat(?:'s|\s+is|\s+are)\s+your\b|\bhow\s+are\s+you\b)")


def asks_for_advice(question: str) -> bool:
    """Does the question ask what the asker should do, or about the assistant itself, not about the articles?"""
    return bool(_PERSONAL.search(question.replace("\u2019", "'")))


def not_news(question: str, searched_docs: int) -> str:
    """One plain statement for a request for advice, instructions or chat."""
    question = shorten(question, 120, placeholder=" …")
    many = searched_docs != 1
    return (f"Not a question the articles answer: “{question}” asks for advice, instructions or a chat, and "
            f"the {searched_docs} article{'s' if many else ''} searched only report{'' if many else 's'} the news.")


def too_vague(suggestions: list[str]) -> str:
    """One plain sentence for a question with nothing to search for, with questions the corpus can answer."""
    if not suggestions:
        return "The question is too vague to search for: name a person, place or event from the articles."
    return f"The question is too vague to search for: try {', '.join(f'“{q}”' for q in suggestions)}."


@dataclass(frozen=True)
class Proposal:
    """One passage's best span, placed in its document, with the probability that it answers (step 1)."""

    span: Span
    passage: Passage
    start: int  # document offsets of the span
    end: int
    answerability: float  # `confidence.Answerability`: the probability that this span answers the question
    score: float  # what proposals are ranked by: the reader's raw confidence, plus the weighted retrieval score
    sentence: tuple[int, int]  # document offsets of the sentence(s) holding the span


def sentence_of(passage: Passage, doc: str, start: int, end: int) -> tuple[int, int]:
    """Document offsets of the sentence(s) holding `doc[start:end]`: the passage's own, or, for a span the reader
    found in the text around the passage, the document's (the span itself if no sentence is known)."""
    sents = [(s.start, s.end) for s in passage.sentences if s.start < end and s.end > start]
    if not sents and not passage.chunk.start <= start < passage.chunk.end:
        sents = [(a, b) for a, b in line_sentences(doc, start, end) if a < end and b > start]
    return (min(a for a, _ in sents), max(b for _, b in sents)) if sents else (start, end)


def bare_heading(sentence: str, span: str) -> bool:
    """Is the span a whole line that is not a sentence (a plain-text document's title, "Normans")? A heading says
    nothing about what the question asks, yet with its article's first passage the reader picked one for questions
    the article does not answer."""
    return not is_sentence(sentence) and normalize_answer(sentence) == normalize_answer(span)


def evidence_of(passage: Passage, rank: int) -> Evidence:
    return Evidence(passage.score, passage.similarity, passage.coverage, passage.best_similarity,
                    passage.best_coverage, rank)


class ReaderAnswerer:
    """Answers with the reader's best span across the top passages, with a calibrated confidence and a band:
    confident, unsure ("Not sure — the closest passage says …") or refused; needs the shipped reader model."""

    name = "reader"

    def __init__(self, reader: Reader, model: ConfidenceModel, *, passages: int = 3, max_words: int = 20,
                 refuse_below: float | None = None, retrieval_weight: float = 0.0,
                 context: tuple[int, int] = (0, 0)) -> None:
        self.reader = reader
        self.context = context  # characters of whole sentences read before and after each passage
        self.model = model
        self.passages = passages
        self.max_words = max_words
        self.refuse_below = model.bands.refuse_below if refuse_below is None else refuse_below
        self.retrieval_weight = retrieval_weight

    def reading(self, question: str, passages: list[Passage], texts: dict[str, str],
                around: bool = True) -> Reading | None:
        """The reader's one pass over the passages this answerer reads (the top `self.passages`), each with the
        sentences around it in its article (`context`), or alone (`around=False`): a story answer scores the
        passages' own sentences, and read with their context the reader's evidence for why / how questions left
        them (development why / how: the gold sentence among the quoted ones 0.80 → 0.74 and 0.57 → 0.40)."""
        top = passages[: self.passages]
        if not around:
            return self.reader.reading(question, [p.text for p in top])
        ranges = [context_range(texts[p.source], p.chunk.start, p.chunk.end, *self.context) for p in top]
        return self.reader.reading(question, [texts[p.source][a:b] for p, (a, b) in zip(top, ranges)],
                                   [a for a, _ in ranges])

    def proposals(self, question: str, passages: list[Passage], texts: dict[str, str],
                  reading: Reading | None = None) -> list[Proposal]:
        """The best span of each top passage, the reader's most confident first (the answerability model is
        fitted to tell answerable questions apart, not to rank spans of one question: ranking by it chose
        worse spans on the calibration articles); spans not of the question's form (`Span.fits`), bare headings
        and spans inside instruction-like text are dropped."""
        top = passages[: self.passages]
        reading = reading or self.reading(question, passages, texts)
        if reading is None:
            return []
        out = []
        for span in self.reader.read(question, list(reading.texts), reading):
            passage = top[span.passage]
            offset = reading.bases[span.passage] if reading.bases is not None else passage.chunk.start
            start, end = offset + span.start, offset + span.end
            a, b = sentence_of(passage, texts[passage.source], start, end)
            sentence = texts[passage.source][a:b]
            if (not span.fits or not span.text.strip() or looks_like_instruction(sentence)
                    or bare_heading(sentence, span.text)):
                continue
            out.append(Proposal(span, passage, start, end, self.model.span_probability(reader_signals(span)),
                                span.confidence + self.retrieval_weight * passage.score, (a, b)))
        return sorted(out, key=lambda p: -p.score)

    def judge(self, proposals: list[Proposal], passages: list[Passage]) -> tuple[float, list[float]]:
        """The probability that the best proposal is the right answer (step 2), and the signals it read."""
        best, second = proposals[0], proposals[1] if len(proposals) > 1 else None
        agree = second is not None and normalize_answer(best.span.text) == normalize_answer(second.span.text)
        rank = next(i for i, p in enumerate(passages) if p is best.passage)
        signals = answer_signals(best.answerability, second.answerability if second else None, agree,
                                 evidence_of(best.passage, rank), evidence_of(passages[0], 0))
        return self.model.answer_probability(signals), signals

    def answer(self, question: str, passages: list[Passage], texts: dict[str, str], searched_docs: int,
               reading: Reading | None = None) -> Answer:
        """The best span across the top passages, decided and cited; `reading`: the reader's pass over the top
        passages, if already made (the story answerer reuses it)."""
        retrieved = list(dict.fromkeys(p.source for p in passages))
        proposals = self.proposals(question, passages, texts, reading)
        if not proposals:
            return Answer(question, abstention(question, searched_docs, passages), True, [], retrieved,
                          searched=searched_docs, answerer=self.name, abstain_reason="no-span", band="refused")
        best = proposals[0]
        confidence, signals = self.judge(proposals, passages)
        band = ("refused" if confidence < self.refuse_below else
                "unsure" if confidence < self.model.bands.confident_from else "confident")
        common = dict(evidence=best.span.confidence, answerer=self.name, confidence=confidence, band=band,
                      signals=signals)
        if band == "refused":
            return Answer(question, abstention(question, searched_docs, passages), True, [], retrieved,
                          searched=searched_docs, abstain_reason="threshold",
                          candidate=" ".join(texts[best.passage.source][best.start:best.end].split()), **common)
        source = best.passage.source
        a, b = best.sentence
        doc = texts[source]
        citation = Citation(1, source, best.passage.title, doc[a:b], a, b, round(confidence, 4))
        short = " ".join(doc[best.start:best.end].split())
        quote = window(doc[a:best.start], short, doc[best.end:b], self.max_words - len(short.split()))
        lead = UNSURE_LEAD if band == "unsure" else ""
        return Answer(question, f"{lead}{short} — “{quote}” [1]", False, [citation], retrieved, short=short, **common)

    def answer_stream(self, question: str, passages: list[Passage], texts: dict[str, str], searched_docs: int):
        """The reader's answer is ready in milliseconds: one item, the final `Answer`."""
        yield self.answer(question, passages, texts, searched_docs)


ELIDED = 2  # words a quote's ellipsis must stand for more than


def window(before: str, span: str, after: str, words: int) -> str:
    """`span` with the text around it, about `words` words in all, as even on both sides as the text allows;
    "…" marks a cut of more than `ELIDED` words. A span that starts or ends inside a word ("1.5" of "1.5-year")
    stays joined to it."""
    left, right = before.split(), after.split()
    extra = max(0, words - len(span.split()))
    take_left = min(len(left), max(extra // 2, extra - len(right)))
    take_right = min(len(right), extra - take_left)
    # an ellipsis stands for more than it saves: one or two words left out ("…price for the iPhone" for "The price
    # for the iPhone") are quoted instead
    take_left = len(left) if len(left) - take_left <= ELIDED else take_left
    take_right = len(right) if len(right) - take_right <= ELIDED else take_right
    text = span
    if take_left:
        text = " ".join(left[len(left) - take_left:]) + (" " if before[-1].isspace() else "") + text
    if take_right:
        text += (" " if after[0].isspace() else "") + " ".join(right[:take_right])
    return f"{'…' if take_left < len(left) else ''}{text}{'…' if take_right < len(right) else ''}"
