"""Metrics for story questions (why, how, summaries, the latest, compare): what a several-sentence answer says.

A story question has no single short answer to match, so a case names its gold sentences (`answers`) and the
key words any good answer contains (`key_words`, alternatives joined by `|`); a "latest" case names the newest
article of its story (`newest`). Every metric is computed from the answer's text and citations alone; matching
ignores case, punctuation and articles (the SQuAD normalisation, curly quotes and dashes included).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .metrics import loose, strip_markers


def _padded(text: str) -> str:
    return f" {loose(text)} "


def key_word_recall(answer: str, key_words: Sequence[str]) -> float | None:
    """Share of the key words the answer contains (a key word matches when any of its `|` alternatives does)."""
    if not key_words:
        return None
    said = _padded(strip_markers(answer))
    found = sum(any(_padded(alt) in said for alt in kw.split("|") if loose(alt)) for kw in key_words)
    return found / len(key_words)


def quoted(gold: str, quotes: Iterable[str]) -> bool:
    """Does one of the quotes hold the gold sentence? A quote holding all of it, or most of it (a sentence
    splitter may cut a sentence at a quotation or an abbreviation: a quote inside the gold sentence counts when
    it is at least half of it)."""
    g = loose(gold)
    if not g:
        return False
    for quote in quotes:
        q = loose(quote)
        if q and (g in q or (q in g and len(q) >= len(g) / 2)):
            return True
    return False


def gold_sentence_recall(quotes: Sequence[str], golds: Sequence[str]) -> float | None:
    """Share of the gold sentences that the answer's quotes hold."""
    golds = [g for g in golds if loose(g)]
    if not golds:
        return None
    return sum(quoted(g, quotes) for g in golds) / len(golds)


def verbatim(citations: Sequence[Mapping], texts: Mapping[str, str]) -> bool | None:
    """Is every quote its own article's text, at the offsets it cites? None when nothing was cited."""
    if not citations:
        return None
    return all(texts.get(c["source"], "")[c["start"]:c["end"]] == c["text"] for c in citations)


def story_case_metrics(answer: str, abstained: bool, citations: Sequence[Mapping], golds: Sequence[str],
                       key_words: Sequence[str], newest: str, texts: Mapping[str, str] | None) -> dict:
    """Per-case story metrics; an answerable case refused scores 0, a metric that does not apply is None."""
    m = dict.fromkeys(["key_word_recall", "gold_sentence_recall", "gold_sentence_hit", "cited_newest",
                       "quotes_verbatim"])
    if abstained:
        if key_words:
            m.update(key_word_recall=0.0, gold_sentence_recall=0.0)
        if newest:
            m["cited_newest"] = False
        return m
    if key_words:
        recall = gold_sentence_recall([c["text"] for c in citations] or [strip_markers(answer)], golds)
        m.update(key_word_recall=key_word_recall(answer, key_words), gold_sentence_recall=recall,
                 gold_sentence_hit=None if recall is None else recall > 0)
    if newest:
        m["cited_newest"] = newest in {c["source"] for c in citations}
    if texts is not None:
        m["quotes_verbatim"] = verbatim(citations, texts)
    return m


def _mean(values: Iterable) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


STORY_KEYS = ["key_word_recall", "gold_sentence_recall", "gold_sentence_hit", "cited_newest", "quotes_verbatim"]


def summarize(cases: list[dict]) -> dict:
    """Means over the cases a metric applies to (refused answerable cases count 0 for the recalls and for
    `cited_newest`; `gold_sentence_hit` and `quotes_verbatim` are over answers given). Empty for a set
    without story cases."""
    if not any(c.get("key_word_recall") is not None or c.get("quotes_verbatim") is not None for c in cases):
        return {}
    return {key: _mean(c.get(key) for c in cases) for key in STORY_KEYS}
