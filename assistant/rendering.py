"""HTML for the web chat: the direct answer, its quoted sentence with citation chips, and the Sources panel.

Everything that comes from a document or a user passes through `escaping.text` (or
`escaping.attr` for attributes) before it is placed in markup, and the only
links we emit are in-page anchors (`#source-…`) or a document's URL when it
is http(s). Corpus text is untrusted: a document holding `<script>` or
`javascript:` must render as text. Each message is one line of HTML, so the
chat's Markdown pass sees a single HTML block and leaves it alone.
"""

from __future__ import annotations

import re
from datetime import date
from textwrap import shorten
from urllib.parse import quote as url_quote

from .citations import MARKER, UNSURE_LEAD, UNSURE_LEADS, Answer, Citation, unsure_lead
from .documents import Meta
from .escaping import attr, text
from .retrieval import Passage

# Words for a cited sentence's support (how well it backs the answer), highest first.
SUPPORT_WORDS = ((0.999, "quoted"), (0.8, "strong support"), (0.5, "partial support"), (0.0, "weak support"))
# Words for an uncited passage's match: the share of the question's words (rarer ones count more) in its best sentence.
MATCH_WORDS = ((0.7, "strong match"), (0.4, "partial match"), (0.0, "weak match"))
SUPPORT_TIP = ("How well the cited sentence backs the answer: “quoted” means the answer is taken word for word "
               "from it; an LLM’s rephrasing is checked against it and kept only with enough support.")
MATCH_TIP = ("How much of the question this passage covers: the share of the question’s words, rarer ones "
             "counting more, found in its best sentence. Not cited: the answer comes from elsewhere.")


def human_date(value: str | date | None) -> str:
    """'2024-06-30' (or that date) → '30 Jun 2024'; a year or year-month stays as it is; anything else is dropped."""
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    value = (value or "")[:10]
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value if re.fullmatch(r"\d{4}(-\d{2})?", value) else ""
    return f"{day.day} {day:%b %Y}"


def safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"https?://", url, re.I) else None


def byline(meta: Meta | None) -> str:
    """'outlet · 30 Jun 2024' (escaped), or '' when the document names neither."""
    return " · ".join(text(p) for p in (meta.outlet, human_date(meta.published)) if p) if meta else ""


def passage_for(citation: Citation, passages: list[Passage]) -> Passage | None:
    """The retrieved passage that contains the cited sentence (or any from its document)."""
    for p in passages:
        if p.source == citation.source and p.chunk.start <= citation.start and citation.end <= p.chunk.end:
            return p
    return next((p for p in passages if p.source == citation.source), None)


def marked(body: str, part: str) -> str:
    """`body` escaped, with the first occurrence of `part` in <mark>."""
    i = body.find(part) if part else -1
    if i < 0:
        return text(body)
    before, after = body[:i], body[i + len(part):]
    gap_before = " " if before[-1:].isspace() else ""  # keep "attorney Gloria Allred." tight around the mark
    gap_after = " " if after[:1].isspace() else ""
    return f"{text(before)}{gap_before}<mark>{text(part)}</mark>{gap_after}{text(after)}"


def words_for(value: float, scale) -> str:
    return next(word for floor, word in scale if value >= floor)


def chip(citation: Citation, answer: Answer, turn: str) -> str:
    """A citation badge; hovering or focusing it opens a popover with the title, outlet, date and the sentence."""
    passage = passage_for(citation, answer.passages)
    line = byline(passage.meta if passage else None)
    quote = marked(" ".join(citation.text.split()), answer.short if answer.short else "")
    support = words_for(citation.support, SUPPORT_WORDS)
    return (f'<a class="cite" href="#source-{turn}-{citation.n}" data-n="{citation.n}" '
            f'aria-label="Source {citation.n}: {attr(citation.title)}">{citation.n}'
            f'<span class="cite-pop" role="tooltip"><b class="pop-title">{text(citation.title)}</b>'
            f'{f"<span class=pop-byline>{line}</span>" if line else ""}'
            f'<span class="pop-quote">{quote}</span><span class="pop-support">{support}</span></span></a>')


def answer_html(answer: Answer, turn: str = "0") -> str:
    """The chat message: the direct answer first, then its sentence with the answer marked and a citation chip.

    `turn` ties the chips to this answer's cards in the Sources panel (`sources_panel(answer, turn)`).
    """
    rewritten = ""
    if answer.query and answer.query != answer.question:
        rewritten = f'<div class="rewritten">Searched for: “{text(answer.query)}”</div>'
    copy = f'<span class="copy-text" hidden data-copy="{attr(plain_text(answer))}"></span>'
    if answer.abstained:
        return f"{abstention_html(answer)}{rewritten}{copy}"
    chips = {c.n: chip(c, answer, turn) for c in answer.citations}
    if answer.short and len(answer.citations) == 1:  # the reader's span, then the sentence it comes from
        sentence = " ".join(answer.citations[0].text.split())
        unsure = answer.band == "unsure"
        lead = f'<div class="unsure-note">{text(UNSURE_LEAD.strip())}</div>' if unsure else ""
        body = (f'{lead}<div class="direct{" unsure" if unsure else ""}">{text(answer.short)}</div>'
                f'<blockquote class="evidence">{marked(sentence, answer.short)} {chips[1]}</blockquote>'
                f'{confidence_badge(answer)}')
    elif answer.form == "story":  # several quoted sentences, each with its chip, outlet and date
        unsure = answer.band == "unsure"
        lead = f'<div class="unsure-note">{text(unsure_lead(len(answer.citations)).strip())}</div>' if unsure else ""
        lead += f'<div class="story-opening">{text(answer.opening)}</div>' if answer.opening else ""  # "As of …:"
        body = lead + "".join(story_sentence(c, answer, chips[c.n]) for c in answer.citations)
        body += (f'<div class="story-note">{text(answer.note)}</div>' if answer.note else "") + confidence_badge(answer)
    elif answer.form == "compare":  # one line per side, each with its chips, after an unsure answer's opening
        lines = answer.answer.split("\n")
        lead = f'<div class="unsure-note">{text(lines.pop(0))}</div>' if lines[0] in {u.strip() for u in UNSURE_LEADS} else ""
        body = lead + "".join(f'<p class="compare-side">{with_chips(line, chips)}</p>' for line in lines)
        body += confidence_badge(answer)
    else:  # an LLM's sentences, each followed by the chips of what it cites
        body = f'<div class="direct prose">{with_chips(answer.answer, chips)}</div>'
    return f'<div class="answer">{body}</div>{fallback_note(answer)}{rewritten}{copy}'


def with_chips(body: str, chips: dict[int, str]) -> str:
    """`body` escaped, each [n] marker replaced by its citation chip."""
    escaped = text(body).replace("&#91;", "[").replace("&#93;", "]")
    return MARKER.sub(lambda m: chips.get(int(m.group(1)), m.group(0)), escaped)


def story_sentence(citation: Citation, answer: Answer, chip_html: str) -> str:
    """One sentence of a story answer: the quote, its chip, and where and when it was published."""
    passage = passage_for(citation, answer.passages)
    line = byline(passage.meta if passage else None)
    return (f'<p class="story-sentence">“{text(citation.text)}” {chip_html}'
            f'{f"<span class=story-byline>{line}</span>" if line else ""}</p>')


BAND_WORDS = {"confident": "Confident", "unsure": "Not sure"}


def confidence_badge(answer: Answer) -> str:
    """The band in words and the calibrated probability that the answer is right, explained on hover."""
    if answer.confidence is None or answer.band not in BAND_WORDS:
        return ""
    pct = round(100 * answer.confidence)
    tip = (f"The reader's calibrated confidence: answers scored like this one were right about {pct}% of the time "
           "on held-out questions.")
    return (f'<div class="band {answer.band}" title="{attr(tip)}">{BAND_WORDS[answer.band]} · '
            f'{pct}% likely right</div>')


def plain_text(answer: Answer) -> str:
    """What the chat's copy button copies: the answer, its quote, then each citation as `[n] Title — outlet, date`."""
    if answer.abstained:
        return " ".join(answer.answer.split())
    if answer.short and len(answer.citations) == 1:
        lead = UNSURE_LEAD if answer.band == "unsure" else ""
        body = f"{lead}{answer.short}\n\n“{' '.join(answer.citations[0].text.split())}” [1]"
    else:
        body = " ".join(answer.answer.split())
    refs = []
    for c in answer.citations:
        meta = passage.meta if (passage := passage_for(c, answer.passages)) else Meta(c.title)
        where = ", ".join(x for x in (meta.outlet, human_date(meta.published)) if x)
        url = safe_url(meta.url)
        refs.append(f"[{c.n}] {' '.join(c.title.split())}{' — ' + where if where else ''}{' <' + url + '>' if url else ''}")
    return body + ("\n\n" + "\n".join(refs) if refs else "")


def abstention_html(answer: Answer) -> str:
    """One plain statement of what was searched, then the nearest articles (linked when they have a web address).

    A question too vague to search for gets concrete questions about the nearest articles instead.
    """
    n = answer.searched
    count = f"{n} article{'s' if n != 1 else ''}" if n or answer.scope else "the corpus"
    nearest = []
    for p in answer.passages:
        title = p.title or p.source
        if title not in (t for t, _ in nearest):
            nearest.append((title, safe_url(p.meta.url)))
    links = ", ".join(f'<a href="{attr(url)}" target="_blank" rel="noopener noreferrer">{text(t)}</a>'
                      if url else f"“{text(t)}”" for t, url in nearest[:3])
    near = f'<div class="nearest">Nearest articles: {links}</div>' if links else ""
    try_these = question_buttons(answer.suggestions, "Try a concrete question:")
    if answer.abstain_reason == "vague":
        return (f'<div class="abstain"><b>Too vague to search for.</b> “{text(shorten(answer.question, 120, placeholder=" …"))}” names no person, '
                f"place or event to look up in {count}.{try_these}{near}</div>")
    if answer.abstain_reason == "advice":
        return (f'<div class="abstain"><b>Not a question the articles answer.</b> “{text(shorten(answer.question, 120, placeholder=" …"))}” '
                f"asks for advice, instructions or a chat; the articles only report the news.{near}</div>")
    asked = shorten(answer.query or answer.question, 120, placeholder=" …")  # a pasted paragraph is not reprinted
    if answer.abstain_reason == "nothing-more":  # "tell me more" once the articles found were quoted in full
        return (f'<div class="abstain"><b>Nothing more to add.</b> The articles found for “{text(asked)}” say nothing '
                f"beyond the sentences already quoted in this conversation.{near}</div>")
    return (f'<div class="abstain"><b>Not in the corpus.</b> I searched {count} for '
            f"“{text(asked)}” and found no passage that answers it.{near}{try_these}</div>")


def question_buttons(questions: list[str], lead: str) -> str:
    """Questions as buttons that ask themselves when clicked (app.js), or '' when there are none."""
    if not questions:
        return ""
    items = "".join(f'<li><button type="button" class="suggestion">{text(q)}</button></li>' for q in questions)
    return f'<div class="suggestions">{text(lead)}<ul>{items}</ul></div>'


def filters_note(answer: Answer) -> str:
    """The filters an answer was found under and what they left out, so a date range or outlet choice is never
    applied unseen."""
    return f'<div class="rewritten">{text(answer.scope)}</div>' if answer.scope else ""


def fallback_note(answer: Answer) -> str:
    """An LLM answer that could not be used says so, instead of passing the reader's quote off as the model's."""
    if not answer.generation.get("fallback"):
        return ""
    why = ("could not run" if answer.generation.get("error") else "left out the direct answer"
           if answer.generation.get("dropped_answer") else "could not be checked against the sources")
    return (f'<div class="fallback">The {text(answer.answerer)} model’s answer {why}; '
            "showing the quoted answer.</div>")


def sources_panel(answer: Answer | None, turn: str = "0", pending: bool = False) -> str:
    """One card per article the answer read (its passages together): cited ones first, open, the quotes marked.

    Each card says where it is from (title, outlet, date), shows a one-line snippet while closed, words
    instead of raw scores (with a tooltip that explains them), and links to the whole article.
    """
    if pending:
        return '<p class="muted pending">Searching the corpus…</p>'
    if answer is None or not answer.passages:
        return '<p class="muted">The passages an answer draws on appear here.</p>'
    articles: dict[str, list[Passage]] = {}
    for p in answer.passages:
        articles.setdefault(p.source, []).append(p)
    cites = {doc: [c for c in answer.citations if c.source == doc] for doc in articles}
    ordered = sorted(articles, key=lambda doc: not cites[doc])  # stable: retrieval order otherwise
    return f'<div class="sources">{"".join(source_card(articles[d], cites[d], turn) for d in ordered)}</div>'


def quoted_in(passage: Passage, cites: list[Citation]) -> str:
    """The passage escaped, each cited sentence inside it in <mark> (by its offsets in the article)."""
    def spaced(part: str) -> str:  # `text` trims; the spaces around a mark are kept
        inner = text(part)
        return (" " if part[:1].isspace() else "") + inner + (" " if part[-1:].isspace() and inner else "")

    body, start, out, at = passage.text, passage.chunk.start, [], 0
    for c in sorted(cites, key=lambda c: c.start):
        lo, hi = c.start - start, c.end - start
        if at <= lo and hi <= len(body) and body[lo:hi] == c.text:
            out += [spaced(body[at:lo]), f"<mark>{text(c.text)}</mark>"]
            at = hi
    return ("".join(out) + spaced(body[at:])).strip()


def source_card(passages: list[Passage], cites: list[Citation], turn: str) -> str:
    first = passages[0]
    if cites:
        label = " ".join(f"[{c.n}]" for c in cites)
        strength = words_for(min(c.support for c in cites), SUPPORT_WORDS)
        mark, tip, snippet = f'<span class="src-cited">cited {label}</span>', SUPPORT_TIP, cites[0].text
    else:
        strength = words_for(max(p.best_coverage for p in passages), MATCH_WORDS)
        mark, tip, snippet = "", MATCH_TIP, first.text
    anchors = "".join(f'<span class="anchor" id="source-{turn}-{c.n}"></span>' for c in cites)
    shown = '<span class="gap"> … </span>'.join(quoted_in(p, cites) for p in sorted(passages, key=lambda p: p.chunk.start))
    line = byline(first.meta)
    url = safe_url(first.meta.url)
    where = f"?start={cites[0].start}&amp;end={cites[0].end}#cited" if cites else ""
    whole = f'<a href="/articles/{attr(url_quote(first.source))}{where}" target="_blank" rel="noopener">whole article</a>'
    link = f' · <a href="{attr(url)}" target="_blank" rel="noopener noreferrer">original</a>' if url else ""
    level = strength.split()[0]
    return (f'<details class="source{" cited" if cites else ""}"{" open" if cites else ""}>'
            f'<summary>{anchors}<span class="src-head">{mark}<b class="src-title">{text(first.title or first.source)}</b></span>'
            f'<span class="src-meta">{line + " · " if line else ""}'
            f'<span class="strength {level}" tabindex="0">{strength}<span class="tip" role="tooltip">{tip}</span></span></span>'
            f'<span class="src-snippet">{text(" ".join(snippet.split()))}</span></summary>'
            f'<blockquote>{shown}</blockquote><small>{text(first.source)} · {whole}{link}</small></details>')


def timeline_html(question: str, events: list) -> str:
    """A story's timeline (`timeline.Event`s, oldest first): when, who, the quoted sentence, a link to the article."""
    if not events:
        return f'<div class="abstain"><b>No timeline.</b> No article of the corpus tells the story of “{text(question)}”.</div>'
    items = []
    for e in events:
        c = e.citation
        when = " · ".join(x for x in (human_date(e.published) or "undated", text(e.outlet or "")) if x)
        link = f'/articles/{attr(url_quote(c.source))}?start={c.start}&amp;end={c.end}#cited'
        items.append(f'<li><span class="when">{when}</span> “{text(c.text)}” '
                     f'<a href="{link}" target="_blank" rel="noopener" title="{attr(c.title)}">article</a></li>')
    return (f'<div class="answer timeline"><div class="direct prose">How the story unfolded, '
            f'{len(events)} article{"s" if len(events) != 1 else ""}:</div><ol class="timeline">{"".join(items)}</ol></div>')
