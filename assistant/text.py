"""Word-level text normalisation shared by the question path: how a question's names and numbers are compared
with the words of an article."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[\w’'\-]+")
_NUMBER = re.compile(r"\d[\d,.]*s?|\d+(?:st|nd|rd|th)")  # a year, decade, amount or ordinal


def plain_word(word: str) -> str:
    """Lower case, outer punctuation, a possessive 's and accents removed ("Hervé's" → "herve")."""
    word = unicodedata.normalize("NFKD", word.lower().strip(".,;:!?\"'“”‘’()[]"))
    return re.sub(r"[’']s$", "", "".join(ch for ch in word if not unicodedata.combining(ch)))


def question_anchors(question: str) -> dict[str, str]:
    """Numbers and proper names a question relies on (digits, words capitalised mid-sentence): plain → as written."""
    anchors = {}
    for i, word in enumerate(_WORD.findall(question)):
        if _NUMBER.fullmatch(plain_word(word)) or (i > 0 and word[0].isupper()):
            anchors[plain_word(word)] = word
    return anchors
