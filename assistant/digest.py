""""What's the latest news?": a question for the latest that names no subject is answered with the newest articles.

A question that names nothing ("what happened?") is too vague to search and is refused with questions to ask
instead. One that asks only for the latest ("What's new?", "Any news?", "What is the latest news?") has an answer
all the same: the corpus's newest dated articles (under the date and outlet filters), newest first, each told by
its first sentence, quoted and cited, "As of <the newest one's date>:" ("latest" is the corpus's, not today's).
"""

from __future__ import annotations

from .citations import Answer, Citation
from .forms import STORY
from .ids import ChunkId
from .rendering import human_date
from .retrieval import Filters, Passage
from .sentences import lead_spans
from .suggestions import newest

ARTICLES = 3  # told, one sentence each: the newest few, not a feed


def newest_articles(question: str, index, filters: Filters, searched: int, n: int = ARTICLES) -> Answer | None:
    """The `n` newest dated articles the filters allow, each by its first sentence; None when none is dated."""
    catalog = index.catalog
    dated = [d for d in newest(catalog.values()) if d.published and (not filters or filters.allows(d))][:n]
    texts = index.texts([d.id for d in dated])
    chunks = index.chunks([ChunkId(d.id, 0) for d in dated])
    citations, passages = [], []
    for doc in dated:
        spans = lead_spans(doc.id, texts[doc.id], 1)
        chunk = chunks.get(ChunkId(doc.id, 0))
        if not spans or chunk is None:
            continue
        start, end = spans[0]
        citations.append(Citation(len(citations) + 1, doc.id, doc.title, texts[doc.id][start:end], start, end, 0.0))
        passages.append(Passage(chunk, doc.meta, 0.0, 0.0, 0.0, 0.0, 0.0))
    if not citations:
        return None
    opening = f"As of {human_date(dated[0].published)}, the newest articles:"
    body = " ".join(f"{' '.join(c.text.split())} [{c.n}]" for c in citations)
    return Answer(question, f"{opening} {body}", False, citations, [c.source for c in citations], passages=passages,
                  answerer="reader", searched=searched, form=STORY, opening=opening)
