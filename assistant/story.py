"""Story answers: why / how / what happened / summaries get several quoted, cited sentences, not a span.

A factoid question (who, when, where, how many) is answered by the reader's short span. A question asking for a
reason, a process or an account cannot be answered in 1–5 words, so its answer is 2–4 sentences of the top
passages, each quoted verbatim with its citation:

- The question's form is told by its interrogative, a closed class of English words (`question_form`); nothing
  is fitted to example questions.
- Each sentence of the top passages is scored by the reader's own evidence: the share of its answer-start and
  answer-end probability (softmax over the window, "no answer" included) that falls inside the sentence. The
  reader learnt on SQuAD that a "why" is answered by the clause giving the reason, so its probability mass points
  at the sentences that explain; a passage it finds no answer in keeps its mass on "no answer".
- The sentence of the reader's best span leads (the decision, confident / unsure / refused, is the reader
  answerer's on that span: the same trust rules as a short answer). Other sentences follow when they hold at
  least `relative` of the lead's evidence, near-duplicates dropped, oldest article first, then document order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from .answering import ReaderAnswerer
from .chunking import ends_sentence
from .citations import UNSURE_LEAD, Answer, Citation
from .reader import Reading
from .retrieval import LATEST, Passage
from .text import terms

FACTOID, STORY = "factoid", "story"
_HOW_MUCH = r"(?:many|much|long|old|far|big|large|tall|often|soon|high|fast|deep|wide|heavy|late|early|few)"
_STORY_FORM = re.compile(
    r"^\W*(?:and\s+|so\s+)?(?:why\b|how\b(?!\s+" + _HOW_MUCH + r"\b)|for what reason\b|what\s+(?:caused|led to|"
    r"prompted|triggered|happened|is happening|has happened|was the reason|were the reasons)\b|what(?:'s| is| are)"
    r"\s+(?:the\s+)?(?:latest|news|story|background|situation)\b|summari[sz]e\b|sum up\b|give me (?:an? )?"
    r"(?:summary|overview|rundown)\b|tell me (?:about|more)\b|explain\b|describe\b"
    # what someone said, agreed, found...: the content of an account (English verbs of reporting)
    r"|what (?:did|does|do|has|have|will)\b.{1,80}?\b(?:say|said|tell|agree|find|found|announce|decide|claim|"
    r"report|reveal|propose|promise|warn|argue|conclude|show|plan)\b|what are\b.{1,60}?\bplans\b)", re.I)


def question_form(question: str) -> str:
    """`story` for questions asking for a reason, a process or an account; `factoid` otherwise."""
    return STORY if _STORY_FORM.search(question) else FACTOID


@dataclass(frozen=True)
class Sentence:
    """One candidate sentence of a passage, in document offsets, with the reader's evidence for it."""

    passage: Passage
    start: int
    end: int
    evidence: float  # the share of the reader's start and end probability inside the sentence (0–1)


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max())
    return e / e.sum()


def sentence_evidence(reading: Reading, passages: list[Passage]) -> list[Sentence]:
    """Every sentence of the read passages with its evidence (its best window, where windows overlap)."""
    best: dict[tuple[int, int], float] = {}
    for row, window in enumerate(reading.windows):
        passage = passages[window.passage]
        offsets = np.array([o if o[1] > o[0] else (-1, -1) for o in window.offsets])
        n = len(window.ids)
        inside = offsets[:, 0] >= 0
        keep = inside.copy()
        keep[0] = True  # [CLS]: "no answer here"
        start, end = (np.where(keep, logits[:n], -np.inf) for logits in (reading.start[row], reading.end[row]))
        p = (softmax(start) + softmax(end)) / 2
        base = passage.chunk.start
        for s in passage.sentences:
            a, b = s.start - base, s.end - base
            mass = float(p[inside & (offsets[:, 0] >= a) & (offsets[:, 1] <= b)].sum())
            key = (window.passage, s.start)
            best[key] = max(best.get(key, 0.0), mass)
    out = []
    for index, passage in enumerate(passages):
        for s in passage.sentences:
            if (index, s.start) in best:
                out.append(Sentence(passage, s.start, s.end, best[(index, s.start)]))
    return out


def is_sentence(text: str) -> bool:
    """Is `text` a sentence (or the part of one a quote split), not a headline: it ends with punctuation, or is
    too long for a title?"""
    return ends_sentence(text, ".!?…,;:") or len(text.split()) > 20


def similar(a: str, b: str, overlap: float = 0.6) -> bool:
    """Do two sentences say much the same (their stemmed content words overlap by `overlap` or more)?"""
    x, y = set(terms(a)), set(terms(b))
    return bool(x and y) and len(x & y) / min(len(x), len(y)) >= overlap


class StoryAnswerer:
    """Several cited sentences for a story question, on top of the reader answerer's decision."""

    name = "reader"

    def __init__(self, base: ReaderAnswerer, *, max_sentences: int = 3, relative: float = 0.3,
                 max_words: int = 120) -> None:
        self.base, self.max_sentences, self.relative, self.max_words = base, max_sentences, relative, max_words

    def answer(self, question: str, passages: list[Passage], texts: dict[str, str], searched_docs: int) -> Answer:
        top = passages[: self.base.passages]
        reading = self.base.reading(question, passages)
        decided = self.base.answer(question, passages, texts, searched_docs, reading=reading)
        if decided.abstained or not decided.citations:
            return decided
        lead = decided.citations[0]
        candidates = sorted(sentence_evidence(reading, top), key=lambda s: -s.evidence) if reading else []
        candidates = [s for s in candidates if is_sentence(texts[s.passage.source][s.start:s.end])]
        floor = self.relative * (candidates[0].evidence if candidates else 0.0)
        # the reader's sentence leads, unless it is a headline (no sentence ending): the best sentence leads then
        chosen = [(top_passage(top, lead), lead.start, lead.end)] if is_sentence(lead.text) or not candidates else []
        words = len(lead.text.split()) if chosen else 0
        for s in candidates:
            if len(chosen) >= self.max_sentences or s.evidence < floor:
                break
            body = texts[s.passage.source][s.start:s.end]
            if (any(p.source == s.passage.source and a < s.end and s.start < b for p, a, b in chosen)
                    or any(similar(body, texts[p.source][a:b]) for p, a, b in chosen)
                    or words + len(body.split()) > self.max_words):
                continue
            chosen.append((s.passage, s.start, s.end))
            words += len(body.split())
        latest = bool(LATEST.search(question))
        if latest:  # the newest article's sentences first: "latest" is relative to the corpus, not to today
            ordered = sorted(chosen, key=lambda c: (c[0].meta.published or "", -c[1]), reverse=True)
        else:
            ordered = chosen[:1] + sorted(chosen[1:], key=lambda c: (c[0].meta.published or "9999", c[0].source, c[1]))
        citations = [Citation(n, p.source, p.title, texts[p.source][a:b], a, b, lead.score)
                     for n, (p, a, b) in enumerate(ordered, start=1)]
        lead_in = UNSURE_LEAD if decided.band == "unsure" else ""
        if latest:
            lead_in += as_of(ordered[0][0], passages, {c.source for c in citations})
        body = " ".join(f"{' '.join(c.text.split())} [{c.n}]" for c in citations)
        return replace(decided, answer=f"{lead_in}{body}", citations=citations, short="", form=STORY)

    def answer_stream(self, question: str, passages: list[Passage], texts: dict[str, str], searched_docs: int):
        yield self.answer(question, passages, texts, searched_docs)


def as_of(cited: Passage, passages: list[Passage], cited_sources: set[str]) -> str:
    """"As of <date>, " for a latest question, and a word when a newer retrieved article on it is not quoted."""
    from .rendering import human_date

    when = cited.meta.published
    if not when:
        return "Undated article: "
    newer = [p for p in passages if (p.meta.published or "") > when and p.source not in cited_sources]
    note = (f"(A newer article, “{newer[0].title}” of {human_date(newer[0].meta.published)}, mentions it too but "
            "does not answer as well.) ") if newer else ""
    return f"{note}As of {human_date(when)}: "


def top_passage(passages: list[Passage], citation: Citation) -> Passage:
    """The passage a citation quotes from (the first of its document if none holds it whole)."""
    same = [p for p in passages if p.source == citation.source]
    return next((p for p in same if p.chunk.start <= citation.start and citation.end <= p.chunk.end), same[0])
