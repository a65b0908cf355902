"""Token-aware, sentence-aligned chunks with exact character offsets.

Sentences come from blingfire (fast, returns offsets), token counts from
tiktoken. Chunks are packed from whole sentences up to `chunk_tokens`, and the
next chunk starts with up to `chunk_overlap` tokens of trailing sentences, so a
fact that straddles a boundary is still retrievable. We pack ourselves rather
than use a LangChain splitter because those strip whitespace and recover
offsets with `str.find`; citations need `text[start:end] == chunk.text` always.
A sentence longer than a chunk (lists, tables) is cut by LangChain's token
splitter at word boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .documents import Document
from .ids import ChunkId


@dataclass(frozen=True)
class Chunk:
    """A slice of a document: `document.text[start:end] == text`."""

    id: ChunkId
    doc_id: str
    ordinal: int
    start: int
    end: int
    text: str


@lru_cache(maxsize=4)
def _encoding(name: str):
    import tiktoken

    try:
        return tiktoken.get_encoding(name)
    except ValueError as exc:  # unknown name: say which ones work offline
        raise ValueError(f"tiktoken encoding {name!r} is not available offline ({exc})") from None


def count_tokens(text: str, encoding: str) -> int:
    return len(_encoding(encoding).encode(text, disallowed_special=()))


def ends_sentence(text: str, marks: str = ".!?…") -> bool:
    """Does `text` end with one of `marks`, closing quotes and brackets allowed after it?"""
    return bool(re.search(f"[{re.escape(marks)}]" + r"[\"'”’)\]]*\s*$", text))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (absolute offsets, trimmed) inside `text[start:end]`, never crossing a line break."""
    import blingfire

    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            _, offsets = blingfire.text_to_sentences_and_offsets(stripped)
            base = pos + lead
            spans.extend((base + a, base + b) for a, b in offsets if text[base + a : base + b].strip())
        pos += len(line)
    return spans


def _blocks(doc: Document) -> list[tuple[int, int]]:
    """Merge adjacent kept lines into blocks; a dropped line (duplicate, front matter) breaks a block."""
    blocks: list[list[int]] = []
    for a, b in doc.segments:
        if blocks and not doc.text[blocks[-1][1] : a].strip():
            blocks[-1][1] = b
        else:
            blocks.append([a, b])
    return [(a, b) for a, b in blocks]


def _split_long(text: str, a: int, b: int, size: int, encoding: str) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries into pieces of at most `size` tokens."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=encoding, chunk_size=size, chunk_overlap=0, separators=["; ", ", ", " ", ""]
    )
    pieces, cursor = [], a
    for piece in splitter.split_text(text[a:b]):
        found = text.find(piece, cursor, b)
        if found < 0:  # cannot happen for plain substrings; keep the whole span rather than lose text
            return [(a, b)]
        pieces.append((found, found + len(piece)))
        cursor = found + len(piece)
    return pieces


def sentence_units(doc: Document, chunk_tokens: int, encoding: str) -> list[list[tuple[int, int, int]]]:
    """Per block, the `(start, end, tokens)` units chunks are packed from: sentences, over-long ones cut."""
    blocks = []
    for block_start, block_end in _blocks(doc):
        units: list[tuple[int, int, int]] = []
        for a, b in sentence_spans(doc.text, block_start, block_end):
            n = count_tokens(doc.text[a:b], encoding)
            if n <= chunk_tokens:
                units.append((a, b, n))
            else:
                pieces = _split_long(doc.text, a, b, chunk_tokens, encoding)
                units.extend((x, y, count_tokens(doc.text[x:y], encoding)) for x, y in pieces)
        blocks.append(units)
    return blocks


def chunk_document(
    doc: Document, chunk_tokens: int, chunk_overlap: int, encoding: str,
    units: list[list[tuple[int, int, int]]] | None = None,
) -> list[Chunk]:
    """Split a document into sentence-aligned chunks of at most `chunk_tokens` tokens."""
    chunks: list[Chunk] = []

    def emit(current: list[tuple[int, int, int]]) -> None:
        start, end = current[0][0], current[-1][1]
        n = len(chunks)
        chunks.append(Chunk(ChunkId(doc.id, n), doc.id, n, start, end, doc.text[start:end]))

    for block in units if units is not None else sentence_units(doc, chunk_tokens, encoding):
        current: list[tuple[int, int, int]] = []
        for unit in block:
            if current and sum(u[2] for u in current) + unit[2] > chunk_tokens:
                emit(current)
                carry: list[tuple[int, int, int]] = []
                for prev in reversed(current):
                    if sum(u[2] for u in carry) + prev[2] + unit[2] > min(chunk_overlap + unit[2], chunk_tokens):
                        break
                    carry.insert(0, prev)
                current = carry
            current.append(unit)
        if current:
            emit(current)
    return chunks
