"""Citations and the answer object every front end receives, plus their safe text renderings.

A citation always points into the original document text by character
offsets, so the UI and the eval runner can show or check exactly what was
quoted. Rendered text is escaped: corpus documents are untrusted input.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .retrieval import Passage

UNSURE_LEAD = "Not sure — the closest passage says: "  # opens an answer in the unsure band, in every front end
UNSURE_LEADS = (UNSURE_LEAD, "Not sure — the closest passages say: ")  # … quoting one sentence, or several


def unsure_lead(quotes: int) -> str:
    """The words an unsure answer opens with: one passage's, or several sentences' (a story told from four
    articles is no one "closest passage")."""
    return UNSURE_LEADS[quotes > 1]
MARKER = re.compile(r"\[(\d+)\]")  # a citation marker, [n], in an answer's text


@dataclass(frozen=True)
class Citation:
    """`[n]` in an answer refers to `text`, which is `document.text[start:end]`."""

    n: int
    source: str
    title: str
    text: str
    start: int
    end: int
    score: float  # how sure the reader is that the cited sentence holds the answer (its confidence)
    support: float = 1.0  # how well the cited text backs the answer sentence (1.0 for a verbatim quote)


class Quoted(NamedTuple):
    """Where a quoted sentence is: `document(source).text[start:end]` (what a conversation already said)."""

    source: str
    start: int
    end: int


@dataclass
class Answer:
    """The result of one question: text with [n] markers, its citations, and how it was found."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)  # what was read, in retrieval order
    answerer: str = "reader"
    generation: dict = field(default_factory=dict)  # LLM answerers: raw output, sentences kept, fallback
    query: str = ""  # what was searched: the question, or a follow-up completed from the conversation
    evidence: float = 0.0  # the reader's raw score for its answer (span vs null, less the no-answer logit)
    confidence: float | None = None  # the probability that the answer is right (calibrated; reader answers)
    band: str = ""  # "confident", "unsure" or "refused" (reader answers); "" where no confidence was computed
    signals: list[float] = field(default_factory=list)  # what the confidence was computed from (for calibrate)
    candidate: str = ""  # the best span withheld by a refusal on confidence (eval's coverage-risk curve)
    abstain_reason: str = ""  # "threshold", "no-span" (the passages offer none), "vague", "advice", "nothing-more"
    # ("Tell me more" once what the story's articles say was all quoted), or ""
    short: str = ""  # the direct answer (the reader's span) that `answer` opens with; "" for other answerers
    searched: int = 0  # documents searched (abstentions say how many)
    scope: str = ""  # the date and outlet filters in words, with what they left out ("" without filters)
    suggestions: list[str] = field(default_factory=list)  # concrete questions to try instead of a vague one
    form: str = ""  # "story" for several quoted sentences (a why / how / what-happened question), else ""
    opening: str = ""  # what a story answer says before its quotes: "As of 31 Jul 2010:"
    note: str = ""  # what it says after them: a newer article naming the story that it does not quote

    @property
    def quotes(self) -> tuple[Quoted, ...]:
        """Where its cited sentences are (what a conversation said, for "Tell me more")."""
        return tuple(Quoted(c.source, c.start, c.end) for c in self.citations)

    def citation_json(self, citation: Citation) -> dict:
        """A citation as JSON with its article's outlet and publication date as its metadata gives them (an ISO
        date, a year or a year-month; None where the article names none), as the chat's chips show them."""
        meta = next((p.meta for p in self.passages if p.source == citation.source), None)
        return {**asdict(citation), "outlet": meta.outlet if meta else None,
                "published": meta.published if meta else None}

    @property
    def shown_band(self) -> str:
        """The band a client shows: the reader's, or "refused" for a refusal made before any confidence was
        computed (a question too vague to search, one asking for advice)."""
        return self.band or ("refused" if self.abstained else "")

    def to_dict(self, passages: bool = False) -> dict:
        data = {
            "question": self.question,
            "query": self.query or self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [self.citation_json(c) for c in self.citations],
            "retrieved": self.retrieved,
            "timings": self.timings,
            "evidence": round(self.evidence, 4),
            "answerer": self.answerer,
        }
        if self.confidence is not None:
            data["confidence"] = round(self.confidence, 4)
        if self.shown_band:
            data["band"] = self.shown_band
        if self.candidate:
            data["candidate"] = self.candidate
        if self.short:
            data["short"] = self.short
        if self.generation:
            data["generation"] = self.generation
        if self.suggestions:
            data["suggestions"] = self.suggestions
        if self.form:
            data["form"] = self.form
        if self.scope:
            data["scope"] = self.scope
        if self.note:
            data["note"] = self.note
        if passages:
            data["passages"] = [p.to_dict() for p in self.passages]
        return data


class Draft(str):
    """Answer text still being written; `checking` means it has not yet passed the citation check."""

    checking: bool = False

    def __new__(cls, text: str, checking: bool = False) -> "Draft":
        draft = super().__new__(cls, text)
        draft.checking = checking
        return draft
