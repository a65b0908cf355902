"""Follow-up questions: make "and who is her sister?" searchable using the conversation so far.

No LLM is needed for the common case. A question is a follow-up when it
opens with a connective ("and", "what about") or names nothing at all ("what
happened?"); it is then searched together with the names (or, if none, the
content words) of the latest earlier question that had them. Any other
question in a conversation ("What was the suspect charged with?", "How did
Obama react to the figures?", "Did the troops leave?") may lean on the earlier
subject without a pronoun, or may change the subject: with a `stronger` judge
(the search: `ask.AskPipeline`), the earlier subject is carried when the search
finds stronger evidence with it than without, i.e. when the earlier story is
what the question's own words are found in. A personal pronoun naming nothing
("why is he leaving?") always carries it. The rewritten query is shown to the
user, so a wrong guess is visible.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .text import STOPWORDS, content_terms, name_words, question_anchors

_CONNECTIVE = re.compile(r"^\s*(?:and|but|also|so|then|what about|how about|and what about)\b[\s,]*", re.I)
# a person or thing named before: its antecedent is in the conversation. "this", "that", "there" are often not
# back-references at all ("this year", "the protests that …"), so they leave it to the search (`stronger`)
_PERSONAL = {"he", "she", "him", "her", "his", "hers", "they", "them", "their", "theirs", "it", "its"}
_STOP = STOPWORDS
_CARRIED = re.compile(r"\s\([^()]*\)$")  # "What happened next? (Riverton bridge)": a subject carried


def is_follow_up(question: str) -> bool:
    """Continues the conversation whatever the search finds: opens with a connective, names nothing at all ("what
    happened?", "tell me more"), or leans on a personal pronoun while naming nothing ("why is he leaving?")."""
    if _CONNECTIVE.match(question) or not content_terms(question):
        return True
    return bool({w.lower() for w in name_words(question)} & _PERSONAL) and not question_anchors(question)


def is_carried(question: str) -> bool:
    """Was the question completed from a conversation already ("Tell me more (Ariel Sharon)")? The app's and the
    CLI chat's histories hold questions as searched."""
    return bool(_CARRIED.search(" ".join(question.split())))


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


def rewrite(question: str, history: list[str], stronger: Callable[[str, str], bool] | None = None) -> str:
    """The query to search for: the question itself, or a follow-up completed from `history` (oldest first).
    `stronger(carried, bare)`: does searching `carried` (the question with the earlier subject) find stronger
    evidence than searching `bare`? Asked of a question that may or may not continue the conversation."""
    settled: list[str] = []  # each earlier question as it was searched: "and how much did it cost?" carried its subject
    for earlier in history:
        settled.append(complete(earlier, settled))
    return complete(question, settled, stronger)


def complete(question: str, history: list[str], stronger: Callable[[str, str], bool] | None = None) -> str:
    """`question` with the subject of the latest earlier question that has one, when it continues the conversation
    (`is_follow_up`, or `stronger` says so); the earlier questions as they were searched."""
    question = " ".join(question.split())
    if is_carried(question):  # completed already (the app's history holds questions as searched)
        return question
    whole = not content_terms(question)
    for earlier in reversed(history):
        context = _context(earlier, whole)
        if context:
            core = _CONNECTIVE.sub("", question).strip() or question
            carried = f"{core[0].upper() + core[1:]} ({context})"
            if is_follow_up(question) or (stronger is not None and stronger(carried, question)):
                return carried
            return question
    return question
