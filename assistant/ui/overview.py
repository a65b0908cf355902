"""The corpus overview above the chat: how many articles, from which outlets, over which dates, and a small
timeline of articles by date, so a new user sees what can be asked about before asking.

Built server-side as plain HTML and CSS bars (no script); every string taken from a document is escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from ..documents import StoredDocument
from ..escaping import attr, text
from ..rendering import human_date
from ..suggestions import newest

BARS = 24  # the most bars the timeline shows; more dates are grouped by month, then by year


def published_day(doc: StoredDocument) -> dt.date | None:
    """The day a document was published, or None when its date is missing or not a date."""
    try:
        return dt.date.fromisoformat((doc.published or "")[:10])
    except ValueError:
        return None


def about_html(about: str) -> str:
    """'About this corpus: …' with its web addresses as links (everything else escaped), or ''."""
    if not about:
        return ""
    parts = re.split(r"(https?://[^\s)<>\"]+[^\s)<>\".,;:])", about)
    linked = "".join(f'<a href="{attr(p)}" target="_blank" rel="noopener noreferrer">{text(p)}</a>' if i % 2 else text(p)
                     for i, p in enumerate(parts))
    return f'<div class="about-corpus"><b>About this corpus:</b> {linked}</div>'


def overview_html(documents: list[StoredDocument], examples: list[str], about: str = "") -> str:
    """The overview box; `examples` are not shown here (the chat offers them as buttons), only counted; `about`:
    the corpus folder's description and attribution (`Corpus.about`)."""
    if not documents:
        return '<div class="overview overview-empty">The corpus is empty: add articles in the Corpus tab.</div>'
    n = len(documents)
    outlets = sorted({d.outlet for d in documents if d.outlet})
    days = sorted(day for day in map(published_day, documents) if day)
    parts = [f"<b>{n}</b> article{'s' if n != 1 else ''}"]
    if outlets:
        named = ", ".join(text(o) for o in outlets[:3]) + (f" and {len(outlets) - 3} more" if len(outlets) > 3 else "")
        parts.append(f"{len(outlets)} outlet{'s' if len(outlets) != 1 else ''} ({named})")
    if days:
        span = human_date(days[0]) if days[0] == days[-1] else f"{human_date(days[0])} – {human_date(days[-1])}"
        parts.append(span)
    undated = n - len(days)
    if undated and days:
        parts.append(f"{undated} undated")
    latest = newest(documents)[0]
    parts.append(f"latest: “{text(latest.title or latest.id)}”")
    hint = " · Try one of the example questions below." if examples else ""
    first, last = (days[0].isoformat(), days[-1].isoformat()) if days else ("", "")
    return (f'<div class="overview" data-first="{first}" data-last="{last}"><div class="overview-facts">'
            f'{" · ".join(parts)}{hint}</div>{timeline(days)}{about_html(about)}</div>')


def timeline(days: list[dt.date]) -> str:
    """One bar per day over the date range (per month, per year when the range is longer than `BARS`), empty
    days included so gaps show; the tallest bar is the busiest."""
    if len(set(days)) < 2:
        return ""  # one date: the facts line already says it
    first, last = days[0], days[-1]
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if (last - first).days < BARS:
        keys = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        bucket, label = (lambda d: d), human_date
    elif months <= BARS:
        keys = [dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(months)]
        bucket, label = (lambda d: d.replace(day=1)), (lambda d: d.strftime("%b %Y"))
    else:
        keys = [dt.date(y, 1, 1) for y in range(first.year, last.year + 1)]
        bucket, label = (lambda d: dt.date(d.year, 1, 1)), (lambda d: str(d.year))
    counts = Counter(bucket(d) for d in days)
    top = max(counts.values())
    bars = []
    for key in keys:
        count = counts.get(key, 0)
        tip = attr(f"{label(key)}: {count} article{'s' if count != 1 else ''}")
        height = round(100 * count / top) if count else 0
        bars.append(f'<span class="overview-bar" style="height:{max(height, 8) if count else 2}%" title="{tip}"></span>')
    a, b = attr(label(keys[0])), attr(label(keys[-1]))
    return (f'<div class="overview-timeline" role="img" aria-label="Articles by date, {a} to {b}">'
            f'<div class="overview-bars">{"".join(bars)}</div>'
            f'<div class="overview-axis"><span>{a}</span><span>{b}</span></div></div>')
