"""Load corpus files into `Document`s and decide which parts of their text get indexed.

The original text is kept untouched so every chunk and citation can point into
it with character offsets. Cleaning therefore does not rewrite text: it picks
the line spans worth indexing (`Document.segments`), skipping front matter,
blank lines and lines that repeat an earlier one (news pages often print the
headline two or three times).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .errors import AssistantError

if TYPE_CHECKING:
    import numpy as np

SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".jsonl")  # what a folder scan picks up

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")  # terminal escapes and the like never reach a title
# what some news exports print before an article's first sentence, on its line: a date ("Friday, December 25, 2020
# In May, a study …") or a place or topic tag ("Sri Lanka A bomb exploded …", "Stock Market The European Union …"):
# one to three capitalised words then an article, or a preposition or time word opening a sentence ("Research In
# Motion Ltd." and "Bristol Police have …" are a sentence's own subject)
_DATELINE = re.compile(
    r"(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),\s+[A-Z][a-z]+\s+\d{1,2},\s+\d{4}\s+(?=[A-Z\"“])"
    r"|(?:[A-Z][\w.'&-]*\s+){1,3}(?=(?:The|A|An)\s+\S|(?:On|In|At|According|After|Before|During|Following|Today|"
    r"Yesterday|Last|Early|Late|Over|Some|Several|Many|Thousands|Hundreds)\s+[a-z0-9]|(?:On|In|At|Last|Early|Late)\s+"
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b))")
_LEAD_WORDS = 8  # what follows a dateline is a lead sentence, not a title's next words
_FIELD_ALIASES = {
    "title": ("title", "headline"),
    "published": ("published", "date", "published_at", "pubdate"),
    "outlet": ("outlet", "source", "publisher", "site"),
    "url": ("url", "link", "canonical_url"),
}


@dataclass(frozen=True)
class Meta:
    """A news document's metadata, the one value every layer passes on (catalog, passages, cards, JSON)."""

    title: str
    published: str | None = None  # ISO date (or YYYY-MM, YYYY)
    outlet: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, str]:
        """Metadata as flat strings, empty ones left out (what Chroma and the JSON output accept)."""
        meta = {"title": self.title, "published": self.published, "outlet": self.outlet, "url": self.url}
        return {key: value for key, value in meta.items() if value}


@dataclass(frozen=True)
class Document:
    """One corpus document: original text plus news metadata."""

    id: str
    text: str
    title: str
    published: str | None = None
    outlet: str | None = None
    url: str | None = None
    segments: tuple[tuple[int, int], ...] = field(default=(), repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def meta(self) -> Meta:
        return Meta(self.title, self.published, self.outlet, self.url)


@dataclass(frozen=True)
class StoredDocument:
    """A document as the index knows it (its text is fetched on demand from the store)."""

    id: str
    title: str
    published: str | None
    outlet: str | None
    url: str | None
    sha256: str
    indexed_at: str
    chunks: int
    near_duplicates: tuple[str, ...] = ()

    @property
    def meta(self) -> Meta:
        return Meta(self.title, self.published, self.outlet, self.url)

    def to_dict(self) -> dict:
        """The JSON shape of `assistant list --json` and the app's /documents endpoint."""
        return {"id": self.id, "title": self.title, "outlet": self.outlet, "published": self.published, "url": self.url,
                "chunks": self.chunks, "indexed_at": self.indexed_at, "near_duplicates": list(self.near_duplicates)}


@dataclass(frozen=True)
class Indexed:
    """One document ready to store: its chunk and sentence spans and, if made, the sentence vectors."""

    doc: Document
    chunks: list[tuple[int, int]]
    sentences: list[tuple[int, int]]
    sentence_vectors: np.ndarray | None = None


def parse_document(doc_id: str, text: str, fields: dict | None = None) -> Document:
    """Build a `Document` from text: front matter, title and indexable segments.

    `fields` (title, published, outlet, url) come from the container format and win over the text.
    """
    if _SURROGATE.search(text):  # only JSON escapes can smuggle these in; they cannot be embedded or stored
        raise AssistantError(f"{doc_id}: the text is not valid Unicode (it holds an unpaired surrogate)")
    meta, body_start = _front_matter(doc_id, text)
    meta.update({k: str(v).strip() for k, v in (fields or {}).items() if v not in (None, "")})
    segments = tuple(_clean_segments(text, body_start))
    if not segments:
        raise AssistantError(f"{doc_id}: no text to index (the file is empty or only front matter)")
    title = " ".join(_CONTROL.sub(" ", meta.get("title") or _title_from_text(text, segments)).split()) or doc_id
    return Document(
        id=doc_id,
        text=text,
        title=title,
        published=meta.get("published"),
        outlet=meta.get("outlet"),
        url=meta.get("url"),
        segments=segments,
    )


@dataclass(frozen=True)
class Source:
    """Something to ingest: a file (with its document id) or a URL; `error` if it cannot be used."""

    location: str
    doc_id: str
    error: str | None = None

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))


def discover(paths: list) -> list[Source]:
    """Expand files, folders and http(s) URLs into sources.

    A document id is the file's path relative to the folder it was found in
    (with `/`), the bare file name for a file given directly, or the URL. A
    missing path, or a link that leads outside the folder being scanned, is
    returned with an error so the rest of a batch can still go in.
    """
    found: list[Source] = []
    for item in paths:
        text = str(item)
        if text.startswith(("http://", "https://")):
            found.append(Source(text, text.split("#", 1)[0]))
            continue
        path = Path(item)
        if path.is_dir():
            root = path.resolve()
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if file.suffix.lower() not in SUFFIXES or file.name.startswith("."):
                    continue
                doc_id = file.relative_to(path).as_posix()
                inside = file.resolve().is_relative_to(root)
                found.append(Source(str(file), doc_id, None if inside else f"{doc_id}: links outside {path}, not ingested"))
        elif path.is_file():
            found.append(Source(str(path), path.name))
        else:
            found.append(Source(text, text, f"{text}: no such file or folder"))
    return found


def body_start(text: str) -> int:
    """Where a document's own text begins: after its YAML front matter, if any."""
    match = _FRONT_MATTER.match(text)
    return match.end() if match else 0


def _front_matter(doc_id: str, text: str) -> tuple[dict[str, str], int]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise AssistantError(f"{doc_id}: front matter is not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise AssistantError(f"{doc_id}: front matter must be a mapping of fields")
    meta: dict[str, str] = {}
    lowered = {str(key).lower(): value for key, value in data.items()}
    for name, aliases in _FIELD_ALIASES.items():
        value = next((lowered[a] for a in aliases if lowered.get(a) not in (None, "")), None)
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        if value is not None and not isinstance(value, (str, int, float)):  # lists/maps (YAML alias bombs) never str()
            raise AssistantError(f"{doc_id}: front matter field {name!r} must be a single value, not a {type(value).__name__}")
        if value is not None:
            meta[name] = str(value).strip()
    return meta, match.end()


def _clean_segments(text: str, start: int) -> list[tuple[int, int]]:
    """Spans of non-blank lines from `start` on, dropping lines seen before (case and spacing ignored)."""
    seen: set[str] = set()
    spans: list[tuple[int, int]] = []
    for match in re.finditer(r"[^\r\n]+", text[start:]):
        line = match.group()
        key = " ".join(_MD_HEADING.sub("", line).split()).casefold()
        if not key or key in seen:
            continue
        seen.add(key)
        lead = len(line) - len(line.lstrip())
        a, b = start + match.start() + lead, start + match.start() + len(line.rstrip())
        if not spans and (tag := dateline(text[a:b])):  # its own segment: never the first sentence's start
            spans.append((a, a + len(tag.rstrip())))
            a += len(tag)
        spans.append((a, b))
    return spans


def dateline(line: str) -> str:
    """The date or place tag an article's first line opens with before its lead sentence (`_DATELINE`), or ""."""
    match = _DATELINE.match(line)
    rest = line[match.end():].split() if match else []
    # a lead sentence, mostly lower-case words: not a headline in title case ("Storm Hits The Coast As …")
    return match.group() if len(rest) >= _LEAD_WORDS and sum(w[:1].islower() for w in rest) * 2 >= len(rest) else ""


def _title_from_text(text: str, segments: tuple[tuple[int, int], ...]) -> str:
    """First headline-like line (short, no closing period) near the top, else the first line shortened."""
    lines = [_MD_HEADING.sub("", text[a:b]).strip() for a, b in segments[:6]]
    for line in lines:
        words = line.split()
        if 2 <= len(words) <= 20 and not line.endswith((".", "?", "!", ":", ",")):
            return line
    first = lines[0]
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "…"
