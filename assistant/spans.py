"""Answer spans: what kind of answer a question wants, and the part of a sentence that gives it.

News sentences run to 30-40 words; the fact a question asks for is usually a
name, date or number next to the words the question repeats. We keep the
window of at most `max_words` words that holds the candidate of the expected
type (a capitalised name for "who", a date for "when", a number for "how
many") nearest the question's words, and otherwise covers them best.
Windows that leave room after the last repeated word are preferred, since the
answer usually follows it ("... under their leader Rollo"). Windows never cut
a name or a date in half, and always stay verbatim quotes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .bm25 import terms

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
_PATTERNS = {
    "date": re.compile(
        rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?"
        r"|(?:1\d|20)\d{2}s?|\d{1,2}(?:st|nd|rd|th)(?:\s+and\s+\d{1,2}(?:st|nd|rd|th))?\s+centur(?:y|ies)"
        r"|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|\d{3,4}\s*(?:AD|BC|CE|BCE)"
        r"|(?<=\b[Ii]n )\d{3})\b"),  # a bare three-digit "911" is a year only after "in"
    "number": re.compile(
        r"\b(?:\d[\d,.]*(?:-\w+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
        r"|forty|fifty|hundred|thousand|million|billion|dozen|half)\b", re.I),
    "name": re.compile(r"\b[A-Z][\w’'\-]*(?:\s+(?:of|the|de|von|van|da|al|bin|and)?\s*[A-Z][\w’'\-]*)*"),
}
_QUESTION_TYPES = [
    ("date", re.compile(r"\b(when|what (year|date|century|decade|time|day|month)|which (year|century|day|month))\b", re.I)),
    ("number", re.compile(r"\b(how (many|much|long|old|far|large|big|often)|what (percentage|number|amount))\b", re.I)),
    ("name", re.compile(r"\b(who|whom|whose|where)\b|\bwhat (?:is|was|were|are) the names? of\b"
                        r"|\b(what|which) (country|city|region|place|town|state|island|river|area|continent|nation"
                        r"|kingdom|empire|county|province|film|movie|company|group|team)\b", re.I)),
]
_WORD = re.compile(r"\S+")
# "in the city of X", "at X", "near X": what comes next is a place, which a "where" question wants and "who" does not
_LOCATIVE = re.compile(r"\b(?:in|at|near|from|into|outside|inside|across|through)\s+(?:the\s+)?"
                       r"(?:(?:city|town|village|port|region|province|island|county|state|kingdom)\s+of\s+)?$", re.I)
_WHERE = re.compile(r"\bwhere\b|\b(?:what|which) (?:country|city|region|place|town|state|island|river|area|continent"
                    r"|nation|kingdom|county|province)\b", re.I)
_WHO = re.compile(r"\b(?:who|whom|whose)\b", re.I)
# "... was stopped by the Byzantine general Alexius Komnenos": a name after "by" is the one who acted
_AGENT = re.compile(r"\bby\s+(?:the\s+)?(?:\S+\s+){0,2}$")
_TITLED = re.compile(r"\s+([a-z]+)\s+[A-Z]")  # a capitalised word that only qualifies the title of the name after it
_CALENDAR = re.compile(rf"(?:{_MONTHS}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)")


def expected_type(question: str) -> str | None:
    """"date", "number", "name", or None; the earliest question word decides ("Who ... when ...?" wants a name).

    It must come within the first four words ("On what date…", "In which year…"): later, "when" or
    "where" starts a clause ("Which filmmaker survived when the gun went off?"), not the question.
    """
    head = len(" ".join(question.split()[:4]))
    found = [(m.start(), name) for name, pattern in _QUESTION_TYPES
             if (m := pattern.search(" ".join(question.split()))) and m.start() < head]
    return min(found)[1] if found else None


def plain_word(word: str) -> str:
    """Lower case, outer punctuation, a possessive 's and accents removed: how words are compared
    ("Hervé" in an article is the "Herve" a user types)."""
    word = unicodedata.normalize("NFKD", word.lower().strip(".,;:!?\"'“”‘’()[]"))
    return re.sub(r"[’']s$", "", "".join(ch for ch in word if not unicodedata.combining(ch)))


def type_candidates(text: str, kind: str | None, question: str) -> list[tuple[int, int]]:
    """Spans in `text` of the expected type that add something the question does not say."""
    if kind is None:
        return []
    asked = {plain_word(w) for w in question.split()}
    stems = set(terms(question))
    out = []
    for match in _PATTERNS[kind].finditer(text):
        words = [plain_word(w) for w in match.group().split()]
        if all(w in asked or set(terms(w)) <= stems for w in words):  # only restates the question ("Byzantine")
            continue
        if kind == "name" and ((match.start() == 0 and len(words) == 1) or _CALENDAR.fullmatch(match.group())):
            continue  # a capital that only starts the sentence, or a month or weekday
        out.append(match.span())
    return out


def question_anchors(question: str) -> dict[str, str]:
    """Numbers and proper names a question relies on (digits, words capitalised mid-sentence): plain → as written."""
    words = re.findall(r"[\w’'\-]+", question)
    anchors = {}
    for i, word in enumerate(words):  # "1066", "1100s", "1899's", "14th"
        if re.fullmatch(r"\d[\d,.]*s?|\d+(?:st|nd|rd|th)", plain_word(word)) or (i > 0 and word[0].isupper()):
            anchors[plain_word(word)] = word
    return anchors


@dataclass(frozen=True)
class Span:
    """A verbatim piece of a sentence: `sentence[start:end]`."""

    start: int
    end: int
    cut_left: bool
    cut_right: bool


def narrow(sentence: str, question: str, weights: dict[str, float], max_words: int = 20,
           aliases: dict[str, str] | None = None) -> Span:
    """The window of at most `max_words` words of `sentence` that best answers `question`.

    With an expected answer type, the window must hold the candidate closest to
    the question's (weighted) words; among such windows, and for untyped
    questions among all, it covers the most question weight. `aliases` maps a
    sentence word's stem to the question term it paraphrases.
    """
    words = [m.span() for m in _WORD.finditer(sentence)]
    if len(words) <= max_words:
        return Span(0, len(sentence), False, False)
    aliases = aliases or {}
    word_terms = [{aliases.get(t, t) for t in terms(sentence[a:b])} for a, b in words]
    asked = set(weights)
    matches = [(k, sum(weights[t] for t in ts & asked)) for k, ts in enumerate(word_terms) if ts & asked]
    candidates = type_candidates(sentence, expected_type(question), question)
    must = None
    if candidates and matches:
        def closeness(span: tuple[int, int]) -> float:
            first = next(k for k, (a, b) in enumerate(words) if b > span[0])
            last = max(k for k, (a, b) in enumerate(words) if a < span[1])
            return sum(w / (1 + max(0, first - k, k - last) / 3) for k, w in matches)

        wants_place, wants_person = bool(_WHERE.search(question)), bool(_WHO.search(question))

        def fits(span: tuple[int, int]) -> float:
            """Places follow locative words: favour them for "where", disfavour them for "who", which
            favours a name after "by" instead."""
            before = sentence[max(0, span[0] - 40) : span[0]]
            if _LOCATIVE.search(before):
                return 2.0 if wants_place else 0.5 if wants_person else 1.0
            if wants_person and _AGENT.search(before):
                modifier = _TITLED.match(sentence[span[1] :])  # "by the Byzantine general Alexius Komnenos"
                return 1.0 if modifier and terms(modifier.group(1)) != [""] else 2.0
            return 1.0

        must = max(candidates, key=lambda span: closeness(span) * fits(span))
    elif candidates:  # no question word here to be near (a paraphrase): still quote the first one of the right type
        must = candidates[0]
    best, best_score = (0, max_words), float("-inf")
    for i in range(0, len(words) - max_words + 1):
        j = i + max_words
        a, b = words[i][0], words[j - 1][1]
        if must and not (a <= must[0] and must[1] <= b):
            continue
        covered = set().union(*word_terms[i:j]) & asked
        novel = sum(1 for t in word_terms[i:j] if t and not (t & asked))
        score = sum(weights[t] for t in covered) + 0.05 * novel
        matched = [k for k, _ in matches if i <= k < j]
        if matched:  # the answer usually follows the words the question repeats ("under their leader Rollo")
            score += min(j - 1 - matched[-1], 4) / 4
        if j == len(words):  # all else equal, keep the sentence's end, where its new information usually is
            score += 0.05
        if score > best_score:
            best, best_score = (i, j), score
    i, j = best
    start, end = words[i][0], words[j - 1][1]
    for x, y in candidates + [m.span() for m in _PATTERNS["name"].finditer(sentence)]:
        if x < start < y:  # never cut a name or date in half
            start = x
        if x < end < y:
            end = y
    return Span(start, end, start > 0, end < len(sentence))
