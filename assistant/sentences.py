"""Sentences of retrieved passages: the reader's evidence for each, which ones tell, which repeat, an article's lead.

A story answer, a timeline and the newest-articles digest quote whole sentences, never a model's words. These are
their shared pieces: `sentence_evidence` scores every sentence by the share of the reader's answer-start and
answer-end probability inside it (what the reader learnt on SQuAD points at the sentences that answer);
`is_sentence` keeps headlines and an interview's questions out; `similar` tells a sentence that says what another
already said (a near-duplicate story's lead); `lead_spans` finds an article's first sentences (news puts what
happened first) and `following` the sentence after one (a reason often goes on there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chunking import ends_sentence, sentence_spans
from .documents import body_start, parse_document
from .reader import Reading
from .retrieval import Passage
from .text import terms

# two sentences that share this much of their words say the same; a later day's article's lead repeats the story's
# names and descriptions ("Morgan Tsvangirai, leader of Zimbabwe's main opposition party …") to tell what is new
# ("… will pull out of the race"), so it must share more to repeat an earlier day's sentence
SAME_DAY_OVERLAP, LATER_OVERLAP = 0.6, 0.8
# a quotation of several sentences is quoted whole, up to this many words (`whole_quotation`)
QUOTATION_WORDS = 80


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
        base = reading.bases[window.passage] if reading.bases is not None else passage.chunk.start
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
    """Is `text` a sentence that tells (or the part of one a quote split), not a headline or a question: it ends
    with punctuation other than a question mark, or is too long for a title? (An interview's questions ask.)"""
    if text.rstrip(" \"'”’)").endswith("?"):
        return False
    return ends_sentence(text, ".!?…,;:") or len(text.split()) > 20


def similar(a: str, b: str, overlap: float = SAME_DAY_OVERLAP) -> bool:
    """Do two sentences say much the same (their stemmed content words overlap by `overlap` or more)?"""
    x, y = set(terms(a)), set(terms(b))
    return bool(x and y) and len(x & y) / min(len(x), len(y)) >= overlap


def following(passage: Passage, end: int, text: str) -> tuple[int, int] | None:
    """The sentence after the one ending at `end` in its passage, unless it is a headline. A news paragraph is often one
    sentence, so the next one may open the next paragraph."""
    after = min((s for s in passage.sentences if s.start >= end), key=lambda s: s.start, default=None)
    return (after.start, after.end) if after and is_sentence(text[after.start:after.end]) else None


def lead_spans(doc_id: str, text: str, n: int) -> list[tuple[int, int]]:
    """The offsets of a document's first `n` sentences (front matter and headlines skipped)."""
    spans: list[tuple[int, int]] = []
    for a, b in parse_document(doc_id, text).segments:
        for start, end in sentence_spans(text, a, b):
            if is_sentence(text[start:end]):
                spans.append((start, end))
                if len(spans) == n:
                    return spans
    return spans


def context_range(text: str, start: int, end: int, before: int, after: int) -> tuple[int, int]:
    """`text[start:end]` widened by the whole sentences of its document within `before` characters before it and
    `after` after it (never into the front matter): what the reader reads for a passage. A chunk cut from its
    article loses what it refers to ("the movie's weapons supervisor" names the film two paragraphs up), and the
    reader, trained to refuse when a question names what its paragraph lacks, refused such answers. Only the lines
    around the passage are split into sentences (sentences never cross a line), so a long document costs no more."""
    if not before and not after:
        return start, end
    lo = max(body_start(text), start - before)
    near = line_sentences(text, lo, min(len(text), end + after))
    first = min((a for a, _ in near if lo <= a <= start), default=start)
    last = max((b for _, b in near if end <= b <= end + after), default=end)
    return first, last


def line_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentence spans of the whole lines holding `text[start:end]` (a sentence never crosses a line): the
    sentences around a span without splitting the whole document."""
    stop = text.find("\n", end)
    return sentence_spans(text, text.rfind("\n", 0, start) + 1, len(text) if stop < 0 else stop)


def quote_lean(text: str) -> int:
    """Opening quotation marks less closing ones: > 0, a quotation goes on after `text`; < 0, it began before.
    A straight mark opens at the start or after a space or bracket, and closes otherwise."""
    lean = text.count("“") - text.count("”")
    for i, c in enumerate(text):
        if c == '"':
            lean += 1 if i == 0 or text[i - 1].isspace() or text[i - 1] in "([{—–-" else -1
    return lean


def whole_quotation(text: str, start: int, end: int, most_words: int = QUOTATION_WORDS) -> tuple[int, int]:
    """The span of `text[start:end]` grown to the whole quotation it is part of. A sentence cut from a quotation of
    several ("Sharon is out of danger, for the moment. His condition is stable …," the surgeon said) reads as nobody's
    words behind a dangling quotation mark: the sentences of its line after it (or before it) are added until the
    marks pair up, unless that takes more than two sentences or `most_words` words, when it stays as it was."""
    lean = quote_lean(text[start:end])
    if not lean:
        return start, end
    spans = line_sentences(text, start, end)
    a, b = start, end
    for _ in range(2):
        grown = ([s for s in spans if s[0] >= b][:1] if lean > 0 else [s for s in spans if s[1] <= a][-1:])
        if not grown:
            break
        a, b = min(a, grown[0][0]), max(b, grown[0][1])
        if quote_lean(text[a:b]) == 0:
            return (a, b) if len(text[a:b].split()) <= most_words else (start, end)
    return start, end
