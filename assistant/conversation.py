"""Follow-up questions: make "and who is her sister?" searchable using the conversation so far.

No LLM is needed for the common case. A question is a follow-up when it
opens with a connective ("and", "what about") or leans on a pronoun while
naming nothing itself; it is then searched together with the names (or, if
none, the content words) of the latest earlier question that had them. The
rewritten query is shown to the user, so a wrong guess is visible.
"""

from __future__ import annotations

import re

from .text import STOPWORDS, content_terms, name_words, question_anchors

_CONNECTIVE = re.compile(r"^\s*(?:and|but|also|so|then|what about|how about|and what about)\b[\s,]*", re.I)
_PRONOUNS = {"he", "she", "him", "her", "his", "hers", "they", "them", "their", "theirs", "it", "its",
             "this", "that", "these", "those", "there", "the same"}
_STOP = STOPWORDS


def is_follow_up(question: str) -> bool:
    """Opens with a connective, leans on a pronoun while naming nothing, or names nothing at all ("what happened?",
    "tell me more": in a conversation, they continue its story)."""
    words = [w.lower() for w in name_words(question)]
    if _CONNECTIVE.match(question) or not content_terms(question):
        return True
    return bool(set(words) & _PRONOUNS) and not question_anchors(question)


def _context(question: str, whole: bool = False) -> str:
    """What an earlier question was about: its names, else its content words (`whole`: its names and its content
    words, for a follow-up that names nothing of its own). A question that names nothing gives nothing."""
    if not content_terms(question):
        return ""
    names = list(question_anchors(question).values())
    if names and not whole:
        return " ".join(names)
    words = [w for w in name_words(question) if w.lower() not in _STOP and content_terms(w)]
    return " ".join(dict.fromkeys(names + words))


def rewrite(question: str, history: list[str]) -> str:
    """The query to search for: the question itself, or a follow-up completed from `history` (oldest first)."""
    question = " ".join(question.split())
    if not history or not is_follow_up(question):
        return question
    whole = not content_terms(question)
    for earlier in reversed(history):
        context = _context(earlier, whole)
        if context:
            core = _CONNECTIVE.sub("", question).strip() or question
            core = core[0].upper() + core[1:]
            return f"{core} ({context})"
    return question
