"""HTML for the web chat: answers with clickable [n] markers, citation cards and the sources panel.

Everything that comes from a document or a user passes through `html.escape`
before it is placed in markup, and the only links we emit are in-page
anchors (`#cite-…`) or a document's URL when it is http(s). Corpus text is
untrusted: a document holding `<script>` or `javascript:` must render as text.
"""

from __future__ import annotations

import html
import re
import uuid

from .citations import Answer, Citation

_MARKER = re.compile(r"\[(\d+)\]")
# Characters Markdown would act on; the chat renders Markdown before HTML, so we neutralise them as entities.
_MARKDOWN_ACTIVE = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]()#|~!<>&\"'$"})


def text(value: str) -> str:
    """Escape untrusted text for a chat message: HTML and Markdown both see plain characters."""
    return " ".join(str(value).split()).translate(_MARKDOWN_ACTIVE)


def _safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"https?://", url, re.I) else None


def _byline(meta: dict) -> str:
    parts = [meta.get("outlet"), (meta.get("published") or "")[:10] or None]
    return " · ".join(text(p) for p in parts if p)


def _passage_for(citation: Citation, passages: list[dict]) -> dict | None:
    """The retrieved passage that contains the cited sentence, for context around the highlight."""
    for p in passages:
        if p.get("source") == citation.source and p.get("start", 0) <= citation.start and citation.end <= p.get("end", -1):
            return p
    return next((p for p in passages if p.get("source") == citation.source), None)


def _highlighted(passage: dict | None, citation: Citation) -> str:
    """The passage with the cited sentence in <mark>, or the sentence alone when no passage holds it."""
    if passage is None or not (passage.get("start", 0) <= citation.start and citation.end <= passage.get("end", -1)):
        return f"<mark>{text(citation.text)}</mark>"
    body, offset = passage["text"], passage["start"]
    a, b = citation.start - offset, citation.end - offset
    return f"{text(body[:a])} <mark>{text(body[a:b])}</mark> {text(body[b:])}"


def citation_card(citation: Citation, passages: list[dict], turn: str) -> str:
    """A collapsible card: title, outlet, date, support; open it to read the passage with the quote marked."""
    passage = _passage_for(citation, passages) or {}
    byline = _byline(passage)
    url = _safe_url(passage.get("url"))
    link = f' · <a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">original</a>' if url else ""
    return (
        f'<details class="citation" id="cite-{turn}-{citation.n}" data-support="{citation.support:.2f}">'
        f"<summary><b>[{citation.n}]</b> {text(citation.title)}"
        f'{" · " + byline if byline else ""} · support {citation.support:.2f}</summary>'
        f"<blockquote>{_highlighted(passage or None, citation)}</blockquote>"
        f"<small>{text(citation.source)}, characters {citation.start}–{citation.end}{link}</small></details>"
    )


def answer_html(answer: Answer, turn: str | None = None) -> str:
    """The chat message for an answer: text with [n] links to citation cards, or a distinct abstention box."""
    turn = turn or uuid.uuid4().hex[:8]
    rewritten = ""
    if answer.query and answer.query != answer.question:
        rewritten = f'<div class="rewritten">Searched for: “{text(answer.query)}”</div>'
    if answer.abstained:
        return f"{_abstention(answer)}{rewritten}"
    cited = {c.n for c in answer.citations}
    titles = {c.n: f"{c.title}: {c.text}" for c in answer.citations}

    def marker(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in cited:
            return match.group(0)
        return f'<a class="cite" href="#cite-{turn}-{n}" title="{html.escape(titles[n][:300], quote=True)}">[{n}]</a>'

    if answer.short and len(answer.citations) == 1:  # the reader's direct answer; its sentence follows
        body = f'<b class="short">{text(answer.short)}</b> ' + _MARKER.sub(marker, "[1]")
    else:
        body = _MARKER.sub(marker, text(answer.answer).replace("&#91;", "[").replace("&#93;", "]"))
    cards = "".join(citation_card(c, answer.passages, turn) for c in answer.citations)
    return (f'<div class="answer">{body}</div>{_evidence(answer)}{_fallback_note(answer)}{rewritten}'
            f'<div class="citations">{cards}</div>')


def _abstention(answer: Answer) -> str:
    """One plain statement of what was searched, then the nearest articles (linked when they have a web address)."""
    n = answer.searched
    count = f"{n} article{'s' if n != 1 else ''}" if n else "the corpus"
    nearest = []
    for p in answer.passages:
        title = p.get("title") or p.get("source", "")
        if title in (t for t, _ in nearest):
            continue
        nearest.append((title, _safe_url(p.get("url"))))
    links = ", ".join(f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{text(t)}</a>'
                      if url else f"“{text(t)}”" for t, url in nearest[:3])
    near = f'<div class="nearest">Nearest articles: {links}</div>' if links else ""
    return (f'<div class="abstain"><b>Not in the corpus.</b> I searched {count} for '
            f"“{text(answer.query or answer.question)}” and found no passage that answers it.{near}</div>")


def _fallback_note(answer: Answer) -> str:
    """An LLM answer that could not be used says so, instead of passing the reader's quote off as the model's."""
    if not answer.generation.get("fallback"):
        return ""
    why = "could not run" if answer.generation.get("error") else "could not be checked against the sources"
    return (f'<div class="fallback">The {text(answer.answerer)} model’s answer {why}; '
            "showing the quoted answer.</div>")


def _evidence(answer: Answer) -> str:
    """The reader's direct answer is followed by the sentence it comes from, the answer marked in it."""
    if not answer.short or len(answer.citations) != 1:
        return ""
    sentence = " ".join(answer.citations[0].text.split())
    short = answer.short
    i = sentence.find(short)
    if i < 0:
        return ""
    return (f'<blockquote class="evidence">{text(sentence[:i])} <mark>{text(short)}</mark> '
            f"{text(sentence[i + len(short):])}</blockquote>")


def sources_panel(answer: Answer | None) -> str:
    """Every retrieved passage for the latest answer, cited ones first and marked with their [n]."""
    if answer is None or not answer.passages:
        return '<p class="muted">Retrieved passages appear here after a question.</p>'
    items = []
    for rank, p in enumerate(answer.passages, start=1):
        cites = [c for c in answer.citations if c.source == p.get("source") and p.get("start", 0) <= c.start < p.get("end", 0)]
        label = "".join(f"[{c.n}]" for c in cites)
        body = text(p["text"])
        if cites:
            body = _highlighted(p, cites[0])
        byline = _byline(p)
        items.append(
            f'<details class="passage{" cited" if cites else ""}"{" open" if cites else ""}>'
            f"<summary>{rank}. {('<b>' + label + '</b> ') if label else ''}{text(p.get('title', p.get('source', '')))}"
            f'{" · " + byline if byline else ""} · score {float(p.get("score", 0.0)):.2f}</summary>'
            f"<blockquote>{body}</blockquote><small>{text(p.get('source', ''))}</small></details>"
        )
    return f'<div class="sources">{"".join(items)}</div>'
