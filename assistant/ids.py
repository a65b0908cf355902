"""Typed ids for the pieces of a document: chunk `doc#3` and sentence `doc@12`.

The string forms are what Chroma, the API and the eval reports carry; inside the
program the ids stay tuples, so nobody builds or splits them by hand.
"""

from __future__ import annotations

from typing import NamedTuple


class ChunkId(NamedTuple):
    doc_id: str
    ordinal: int

    def __str__(self) -> str:
        return f"{self.doc_id}#{self.ordinal}"

    @classmethod
    def parse(cls, text: str) -> "ChunkId":
        return cls(*_split(text, "#"))


class SentenceId(NamedTuple):
    doc_id: str
    ordinal: int

    def __str__(self) -> str:
        return f"{self.doc_id}@{self.ordinal}"

    @classmethod
    def parse(cls, text: str) -> "SentenceId":
        return cls(*_split(text, "@"))


def _split(text: str, mark: str) -> tuple[str, int]:
    doc_id, sep, ordinal = str(text).rpartition(mark)
    if not sep or not doc_id or not ordinal.isdigit():
        raise ValueError(f"not an id of the form document{mark}number: {text!r}")
    return doc_id, int(ordinal)
