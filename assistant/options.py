"""What a question is asked with: its text checked and its options validated, once, for every front end.

`AskOptions` (k, dates, outlets, answerer) raises `AssistantError` when made with an invalid value, so the CLI, the
app, the API and the eval runner give the same specific error; `scope` says in words what the filters left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Sequence

from .errors import AssistantError
from .retrieval import Filters
from .settings import MAX_K


def check_question(question: str, limit: int) -> str:
    question = " ".join(clean_text(question or "").split())
    if not question:
        raise AssistantError("the question is empty")
    if len(question) > limit:
        raise AssistantError(f"the question is {len(question)} characters long; the limit is {limit}")
    return question


def clean_text(text: str) -> str:
    """Terminal escape sequences are dropped whole ("\\x1b[31m", pasted from a coloured terminal, would leave
    "[31m" for the reader to puzzle over); other control characters become spaces; unpaired surrogates
    (invalid Unicode) are refused."""
    if re.search(r"[\ud800-\udfff]", text):
        raise AssistantError("the question is not valid Unicode text (it holds an unpaired surrogate)")
    text = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", " ", text)
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", text)


def iso_date(value: str | None, name: str = "since") -> str | None:
    """Validate a YYYY-MM-DD (or YYYY-MM, YYYY) date filter; a time after a full date (a picker's) is dropped."""
    value = (value or "").strip()
    if not value:
        return None
    found = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[ T][\d:.]+)?|\d{4}(?:-(?:0[1-9]|1[0-2]))?", value)
    try:
        if not found:
            raise ValueError(value)
        if found.group(1):
            date.fromisoformat(found.group(1))  # a real day: not 2024-02-30
    except ValueError:
        raise AssistantError(f"{name} must be a date like 2024-01-31, not {value!r}") from None
    return found.group(1) or value


@dataclass(frozen=True)
class AskOptions:
    """Per-question options; invalid values raise `AssistantError` when the options are made."""

    k: int | None = None  # passages to retrieve (default: the settings')
    since: str | None = None  # published on or after (YYYY-MM-DD, YYYY-MM or YYYY)
    until: str | None = None  # published on or before
    outlets: tuple[str, ...] = ()  # any of these outlets (empty: any)
    answerer: object = None  # "reader", "llama", "openai", an answerer object, or None for the settings'

    def __post_init__(self) -> None:
        if self.k is not None and not (isinstance(self.k, int) and 1 <= self.k <= MAX_K):
            raise AssistantError(f"k must be between 1 and {MAX_K}, not {self.k}")
        since, until = iso_date(self.since, "since"), iso_date(self.until, "until")
        if since and until and since[:len(until)] > until:
            raise AssistantError(f"the start date ({since}) is after the end date ({until}); swap them or clear one")
        object.__setattr__(self, "since", since)
        object.__setattr__(self, "until", until)
        object.__setattr__(self, "outlets", tuple(o for o in (self.outlets or ()) if o and o.strip()))

    @property
    def filters(self) -> Filters:
        return Filters(self.since, self.until, self.outlets)


def scope(options: AskOptions, searched: int, records) -> str:
    """The filters in words, and what they left out: an undated article never passes a date filter, and says so."""
    if not options.filters:
        return ""
    records = list(records)
    parts = [f"published {'from ' + options.since if options.since else ''}"
             f"{' ' if options.since and options.until else ''}{'to ' + options.until if options.until else ''}"
             ] if options.since or options.until else []
    parts += [f"from {', '.join(options.outlets)}"] if options.outlets else []
    note = f"Only articles {' and '.join(parts)}: {searched:,} of {len(records):,} searched."
    undated = sum(1 for r in records if not r.published) if options.since or options.until else 0
    if undated:
        note += f" {undated:,} undated article{'s' if undated != 1 else ''} left out by the date filter."
    return note


def options_from(k: int | None = None, since: str | None = None, until: str | None = None,
                 outlets: Sequence[str] | None = None, answerer: object = None) -> AskOptions:
    """`AskOptions` from loose front-end values (a k of 0 or None: the default; outlets in any sequence)."""
    return AskOptions(k=int(k) if k else None, since=since, until=until, outlets=tuple(outlets or ()),
                      answerer=answerer)
