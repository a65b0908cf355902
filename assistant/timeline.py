"""A story's timeline: one dated, cited sentence per article of the story, oldest to newest.

The story is what the question is about: the retrieved articles, near-duplicate versions included, that name
what the question names anywhere (its proper names and numbers; for a question that names none, those whose
passage covers most of its words), share the best-matching article's words (`linking`), and were published within
`window_days` of it or of another article kept (a story told over years is a chain of articles, each near the next). Each article contributes the sentence of its best passage where the reader puts most of its answer evidence
(`sentences.sentence_evidence`), quoted verbatim and cited.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from .ask import AskPipeline, Request
from .citations import Citation
from .linking import Linker
from .options import AskOptions
from .retrieval import Passage
from .sentences import is_sentence, sentence_evidence, whole_quotation
from .story_scope import names_in
from .text import question_anchors

RETRIEVE = 30  # passages searched for the story's articles


@dataclass(frozen=True)
class Event:
    """One article's moment in the story."""

    published: str | None
    outlet: str | None
    citation: Citation


def story_passages(question: str, passages: list[Passage], window_days: int, texts: dict[str, str] | None = None,
                   linker: Linker | None = None) -> list[Passage]:
    """The best passage of each retrieved article that belongs to the question's story (with `linker`: linked to
    the best article's, `linking`)."""
    if not passages:
        return []
    names = set(question_anchors(question))
    top = passages[0]

    def on_story(p: Passage) -> bool:
        if p.source == top.source:
            return True
        named = (names_in(p.text, names) or bool(texts) and names_in(texts[p.source], names)  # the passage first:
                 if names else p.coverage >= 0.8 * top.coverage)  # the whole article only when it must
        return named and (not linker or not texts  # the link last: it reads the article's words
                          or linker.linked((p.source, texts[p.source]), (top.source, texts[top.source])))

    def near(p: Passage, days: list[date | None]) -> bool:
        b = _day(p.meta.published)
        return b is None or any(a is None or abs((a - b).days) <= window_days for a in days)

    best: dict[str, Passage] = {}
    for p in passages:
        if p.source not in best and on_story(p):
            best[p.source] = p
    # within `window_days` of the best article, or of one already kept: a story told over years is one chain of
    # articles, each near the next, though its first is years before the article that matched best
    kept, days = {top.source}, [_day(top.meta.published)]
    while grown := [p for p in best.values() if p.source not in kept and near(p, days)]:
        kept |= {p.source for p in grown}
        days += [_day(p.meta.published) for p in grown]
    return [p for p in best.values() if p.source in kept]


def build_timeline(pipeline: AskPipeline, reader, question: str, options: AskOptions = AskOptions(),
                   window_days: int = 365) -> list[Event]:
    """The events of the question's story, oldest first (undated articles last)."""
    condensed = pipeline.condense(Request(question))
    retrieved = pipeline.retrieve(condensed, AskOptions(k=RETRIEVE, since=options.since, until=options.until,
                                                        outlets=options.outlets), one_per_story=False)
    chosen = story_passages(condensed.query, retrieved.passages, window_days, retrieved.texts, pipeline.linker())
    reading = reader.reading(condensed.query, [p.text for p in chosen])
    best: dict[int, tuple[float, int, int]] = {}
    for s in sentence_evidence(reading, chosen) if reading else []:
        text = retrieved.texts[s.passage.source][s.start:s.end]
        i = chosen.index(s.passage)
        if is_sentence(text) and s.evidence > best.get(i, (-1.0, 0, 0))[0]:
            best[i] = (s.evidence, s.start, s.end)
    events = []
    for i, (_, a, b) in best.items():
        p = chosen[i]
        a, b = whole_quotation(retrieved.texts[p.source], a, b)  # a quotation's sentence with its speaker
        events.append(Event(p.meta.published, p.meta.outlet,
                            Citation(0, p.source, p.title, retrieved.texts[p.source][a:b], a, b, 0.0)))
    events.sort(key=lambda e: (e.published is None, e.published or "", e.citation.source))
    return [replace(e, citation=replace(e.citation, n=n)) for n, e in enumerate(events, start=1)]


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
