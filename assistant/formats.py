"""Readers for each corpus file type: bytes in, `Document`s out, or one clear error.

Text formats keep their text verbatim (citations point into the file). For
HTML, PDF and DOCX the stored text is what we extracted, and offsets point
into that. A `.jsonl` of articles yields one document per line, with ids
`FILE.jsonl:LINE`. Parsing uses well-kept libraries: trafilatura (main text
of a web page, scripts and boilerplate dropped), pypdf, python-docx.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from .documents import SUFFIXES, Document, parse_document
from .errors import AssistantError

TEXT_SUFFIXES = (".txt", ".md")
MAX_EXPANSION = 10  # a DOCX may unzip to at most this many times the file size limit
# Words that make up the titles programs fill in by themselves ("Untitled document", "Microsoft Word - ", "Slide 1")
GENERIC_WORDS = frozenset("untitled document documents doc title no new blank page file files unknown none null nil "
                          "anonymous default microsoft word powerpoint excel office writer acrobat adobe pdf "
                          "presentation slide sheet book draft copy of scan scanned image img".split())
_FILE_NAME = re.compile(r"\.(pdf|docx?|dotx?|odt|rtf|txt|md|html?|pptx?|xlsx?|tex|dvi|e?ps|indd|pages|jpe?g|png|tiff?)$",
                        re.IGNORECASE)
_LONE_TOKEN = re.compile(r"^(?:[a-z][a-z0-9+.-]*:\S*|\S*[/\\_]\S*|[a-z]*[-_]?\d+)$", re.IGNORECASE)


def read_file(path: Path, doc_id: str, max_bytes: int) -> list[Document]:
    """All documents in one file; raises `AssistantError` naming the file and the problem."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise AssistantError(f"{doc_id}: unsupported file type {path.suffix or '(none)'!r} (supported: {', '.join(SUFFIXES)})")
    size = path.stat().st_size
    if size > max_bytes:
        raise AssistantError(f"{doc_id}: file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB")
    raw = path.read_bytes()
    try:
        if suffix in TEXT_SUFFIXES:
            return [parse_document(doc_id, _decode(doc_id, raw))]
        if suffix in (".html", ".htm"):
            return [read_html(doc_id, _decode(doc_id, raw))]
        if suffix == ".pdf":
            return [read_pdf(doc_id, raw)]
        if suffix == ".docx":
            return [read_docx(doc_id, raw, max_bytes)]
        return read_jsonl(doc_id, _decode(doc_id, raw))
    except AssistantError:
        raise
    except (Exception, RecursionError) as exc:  # a parser choking on hostile input fails this file, not the batch
        raise AssistantError(f"{doc_id}: could not be read ({type(exc).__name__}: {str(exc)[:200]})") from None


def _decode(doc_id: str, raw: bytes) -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise AssistantError(f"{doc_id}: UTF-16 text; save it as UTF-8")
    if b"\x00" in raw[:8192]:
        raise AssistantError(f"{doc_id}: looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AssistantError(f"{doc_id}: not valid UTF-8 text (byte {exc.start})") from None


def read_html(doc_id: str, html: str, url: str | None = None) -> Document:
    """The article text of a web page with its title, date, site name and URL."""
    import trafilatura

    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True, favor_precision=True)
    if not text or not text.strip():
        raise AssistantError(f"{doc_id}: no article text found in the HTML")
    meta = trafilatura.extract_metadata(html, default_url=url)
    fields = {}
    if meta is not None:
        fields = {"title": meta.title, "published": meta.date, "outlet": meta.sitename, "url": meta.url or url}
    return parse_document(doc_id, text, fields)


def read_pdf(doc_id: str, raw: bytes) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise AssistantError(f"{doc_id}: the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except LimitReachedError:
        raise AssistantError(f"{doc_id}: the PDF expands beyond pypdf's safety limits (a decompression bomb?)") from None
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise AssistantError(f"{doc_id}: not a readable PDF ({exc})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise AssistantError(f"{doc_id}: the PDF has no extractable text (a scan?)")
    return parse_document(doc_id, text, {"title": metadata_title(info.title if info else None, doc_id)})


def read_docx(doc_id: str, raw: bytes, max_bytes: int = 20_000_000) -> Document:
    import zipfile

    import docx

    try:  # a DOCX is a zip: refuse one that would expand far beyond the file size limit (a zip bomb)
        expanded = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise AssistantError(f"{doc_id}: not a readable DOCX file ({type(exc).__name__})") from None
    if expanded > MAX_EXPANSION * max_bytes:
        raise AssistantError(f"{doc_id}: the DOCX expands to {expanded / 1e6:.0f} MB, over {MAX_EXPANSION} times the "
                             f"{max_bytes / 1e6:.0f} MB file limit (a zip bomb?)")
    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises zipfile/KeyError/ValueError variants for broken files
        raise AssistantError(f"{doc_id}: not a readable DOCX file ({type(exc).__name__})") from None
    text = "\n\n".join(p.text.strip() for p in document.paragraphs if p.text.strip())
    props = document.core_properties
    published = props.created.date().isoformat() if props.created else None
    return parse_document(doc_id, text, {"title": metadata_title(props.title, doc_id), "published": published})


def metadata_title(title, doc_id: str) -> str | None:
    """The title a PDF's or DOCX's metadata gives, or None when it is a placeholder a program filled in rather than
    the article's title, so the title comes from the text's first headline-like line as for a text file.

    A placeholder names no article: it has no letters ("", "---", "2024"); it is a file name ("report.pdf",
    "Microsoft Word - notes.docx", the document's own name with or without its suffix); it is one token that is a
    URL or scheme ("about:blank", "file:///C:/x"), a path, or an identifier ("doc1", "Document1", "IMG_2034"); or
    it is made only of the words programs use for defaults ("Untitled document", "New Document 3", "Slide 1"). A
    program's prefix such as "Microsoft Word - " is dropped and the rest judged by the same rule."""
    text = " ".join(str(title or "").split())
    head, _, rest = text.partition(" - ")
    if rest and _generic(head):
        text = rest
    name = Path(doc_id).name.casefold()
    if (not re.search(r"[^\W\d_]", text) or _FILE_NAME.search(text) or _generic(text)
            or text.casefold() in (name, name.rsplit(".", 1)[0]) or (" " not in text and _LONE_TOKEN.match(text))):
        return None
    return text


def _generic(text: str) -> bool:
    return all(word in GENERIC_WORDS for word in re.findall(r"[^\W\d_]+", text.casefold()))


def read_jsonl(doc_id: str, text: str) -> list[Document]:
    """One article per line: {"title", "text", "date", "source", "url"}; a bad line fails the whole file."""
    docs = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssistantError(f"{doc_id}:{lineno}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise AssistantError(f"{doc_id}:{lineno}: JSON nested too deeply") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise AssistantError(f"{doc_id}:{lineno}: each line needs a \"text\" string")
        fields = {"title": row.get("title"), "published": row.get("date"), "outlet": row.get("source"), "url": row.get("url")}
        docs.append(parse_document(f"{doc_id}:{lineno}", row["text"], fields))
    if not docs:
        raise AssistantError(f"{doc_id}: no articles in the file")
    return docs


def owned_ids(file_id: str, known: list[str]) -> list[str]:
    """Index ids that came from one file (itself, or its `:LINE` articles for `.jsonl`)."""
    return [d for d in known if d == file_id or d.startswith(file_id + ":")]
