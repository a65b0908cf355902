"""Typed ids for the pieces of a document: chunk `doc#3` and sentence `doc@12`.

The string forms are what Chroma, the API and the eval reports carry; inside the
program the ids stay tuples, so nobody builds or splits them by hand.
"""

from __future__ import annotations

from typing import NamedTuple


class PieceId(NamedTuple):
    doc_id: str
    ordinal: int

    MARK = ""  # set by each kind: what separates the document id from the ordinal in the string form

    def __str__(self) -> str:
        return f"{self.doc_id}{self.MARK}{self.ordinal}"

    @classmethod
    def parse(cls, text: str):
        doc_id, sep, ordinal = str(text).rpartition(cls.MARK)
        if not sep or not doc_id or not ordinal.isdigit():
            raise ValueError(f"not an id of the form document{cls.MARK}number: {text!r}")
        return cls(doc_id, int(ordinal))


class ChunkId(PieceId):
    __slots__ = ()
    MARK = "#"


class SentenceId(PieceId):
    __slots__ = ()
    MARK = "@"
