"""Concrete questions a user could ask, built from the articles themselves: for the landing page and for a
question too vague to search for ("what happened?").

No list of people or topics is kept anywhere: the questions come from the way news text names people. A
person is introduced by full name ("Gloria Allred") and then called by surname alone ("Allred said"), so a
capitalised pair whose last word also stands alone is taken for a person ("Who is Gloria Allred?"), and a
noun phrase that points at them ("the criminal case against Alec Baldwin") gives "What happened to …?".
A name that recurs on its own mid-sentence ("the Normans", "Normandy") gives "Who were …?" / "What is …?".
Candidates are cached per document hash; the questions service keeps only those its reader answers from
the article they were built from (`Questions.examples`, `Questions.suggestions`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from .chunking import sentence_spans
from .documents import StoredDocument
from .text import GENERIC_WORDS, STOPWORDS, content_terms, name_words, plain_word

_WORD = re.compile(r"[^\W\d_][\w’'\-]*")
_POSSESSIVE = re.compile(r"(?:[’']s?)$")
# "the criminal case against", "the fatal shooting of": what happened to something that concerns a person.
_CONCERNING = r"\bthe ((?:[a-z][a-z\-]+ ){1,3}(?:against|of|over|for|into)) (?:[a-z][a-z\-]+ )?"
_ROLE_WORDS = frozenset("mr mrs ms dr sir attorney general president judge director senator governor minister "
                        "officer chief prime secretary professor saint st king queen prince lord lady pope".split())
_HEAD = re.compile(r"(?:[’']s?)?(?:\s*[,.;:!?)]|\s+(?:was|were|is|are|had|has|have|and|in|to|by|who|which|said|became))")
PER_DOCUMENT = 6  # candidates kept per article: enough to survive the reader's check, cheap to check
_cache: dict[str, tuple[str, ...]] = {}
_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Name:
    """A name as written in a document and how often the document mentions it."""

    text: str
    mentions: int
    first: int  # offset of its first mention: earlier names are the story's subject


def is_vague(question: str) -> bool:
    """True when nothing is left to search for once stop words and generic words are gone ("what happened?")."""
    return not content_terms(question)


def newest(documents: Iterable[StoredDocument]) -> list[StoredDocument]:
    """Newest first: dated articles by published date, then undated ones by when they were indexed; ties by
    id, so the order is stable."""
    docs = sorted(documents, key=lambda d: d.id)
    return sorted(docs, key=lambda d: (bool(d.published), (d.published or d.indexed_at or "")[:10]), reverse=True)


def candidates(doc: StoredDocument, text: str) -> tuple[str, ...]:
    """The document's candidate questions, most salient first (cached by content hash)."""
    found = _cache.get(doc.sha256)
    if found is None:
        found = tuple(build(text))[:PER_DOCUMENT]
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[doc.sha256] = found
    return found


def suggest(documents: list[StoredDocument], texts: Mapping[str, str], n: int = 3,
            check: Callable[[str, str], bool] | None = None) -> list[str]:
    """Up to `n` questions from `documents` in their order, one per article in turn so they vary;
    `check(question, doc_id)` (the reader answers it from that article) keeps or drops each."""
    pools = [(d.id, list(candidates(d, texts[d.id]))) for d in documents if d.id in texts]
    out: list[str] = []
    while len(out) < n and any(pool for _, pool in pools):
        for doc_id, pool in pools:
            while pool and len(out) < n:
                question = pool.pop(0)
                if question not in out and (check is None or check(question, doc_id)):
                    out.append(question)
                    break
    return out


def example_questions(documents: list[StoredDocument], texts: Mapping[str, str], n: int = 3,
                      check: Callable[[str, str], bool] | None = None) -> list[str]:
    """`n` example questions drawn from the newest articles (`texts`: document id → text, for those at least)."""
    return suggest(newest(documents), texts, n, check)


IDENTITY = re.compile(r"(?i)\s*(who|what)\s+(is|are|was|were)\b")


def answers_about(question: str, short: str, sentence: str, reach: int = 3, longest: int = 6) -> bool:
    """A reader's answer fits a suggested question when it is short, is not the question's own words, and
    stands within `reach` words of the question's subject in the cited sentence ("attorney Gloria Allred",
    "the dismissal of the criminal case against …"), not somewhere else in it."""
    subject = {w for w in map(plain_word, name_words(question)) if w not in STOPWORDS and w not in GENERIC_WORDS}
    answer = [plain_word(w) for w in name_words(short)]
    if not answer or len(answer) > longest or set(answer) <= {plain_word(w) for w in name_words(question)}:
        return False
    if IDENTITY.match(question) and short.split()[0].casefold() == "to":  # "What is TimeWarner?" → "to restate …"
        return False  # a who/what-is question asks for a noun phrase; an infinitive is a purpose, not an identity
    said = [plain_word(w) for w in name_words(sentence)]
    for i in range(len(said) - len(answer) + 1):
        if said[i:i + len(answer)] == answer:
            near = said[max(0, i - reach):i] + said[i + len(answer):i + len(answer) + reach]
            if subject & set(near) or subject & set(said[i:i + len(answer)]):
                return True
    return False


# -- building questions from a text ---------------------------------------------------------------------------
def build(text: str) -> list[str]:
    """Candidate questions of one text, most salient subject first."""
    people, things = names(text)
    out: list[str] = []
    for person in people:
        event = concerning(text, person.text)
        if event:
            out.append(f"What happened to the {event} {person.text}?")
        out.append(f"Who is {person.text}?")
    for thing in things:
        the = "the " if text.count(f"the {thing.text}") * 2 >= thing.mentions else ""
        out.append(f"Who were the {thing.text}?" if thing.text.endswith("s") else f"What is {the}{thing.text}?")
    return list(dict.fromkeys(out))


def names(text: str) -> tuple[list[Name], list[Name]]:
    """People (full names whose surname recurs alone) and other recurring single names, most mentioned first."""
    runs: list[tuple[list[str], int]] = []  # runs of capitalised words and the offset of each run
    for a, b in sentence_spans(text):
        sentence = text[a:b]
        words = list(_WORD.finditer(sentence))
        lower = sum(w.group()[0].islower() for w in words)
        if len(words) < 4 or lower < len(words) * 0.4:  # a headline or a line of names: no sentence to read
            continue
        run: list[str] = []
        start = 0
        for i, match in enumerate(words):
            word = match.group()
            joined = i and sentence[words[i - 1].end():match.start()].strip() == ""
            if word[0].isupper() and (run == [] or joined) and not (i == 0 and word.lower() in STOPWORDS):
                if not run:
                    start = a + match.start()
                run.append(word)
                if _POSSESSIVE.search(word) or sentence[match.end():match.end() + 1] in ",;:":
                    runs.append((run, start))
                    run = []
            else:
                if run:
                    runs.append((run, start))
                run = [word] if word[0].isupper() and word.lower() not in STOPWORDS else []
                start = a + match.start()
        if run:
            runs.append((run, start))
    runs = [([_POSSESSIVE.sub("", w) for w in run], start) for run, start in runs]
    alone: dict[str, list[int]] = {}
    for run, start in runs:
        if len(run) == 1:
            alone.setdefault(run[0], []).append(start)
    lowered = text.lower()
    full: dict[str, Counter] = {}
    firsts: dict[str, int] = {}
    for run, start in runs:
        if len(run) < 2:
            continue
        given, last = run[-2], run[-1]
        if (given.lower() in _ROLE_WORDS or given.lower() in STOPWORDS or given in alone or not alone.get(last)
                or re.search(rf"\b{re.escape(given.lower())}\b", lowered.replace(given.lower() + " " + last.lower(), ""))
                or 2 * sum(lowered[max(0, at - 4):at] == "the " for at in alone[last]) >= len(alone[last])):
            continue  # a given name stands only before its surname ("Upper", "Norman" and "Old" do not), and a
            # surname alone takes no article: "the Court ruled" is the Supreme Court, not a Mr Court
        full.setdefault(last, Counter())[f"{given} {last}"] += 1
        firsts.setdefault(last, start)
    people = [Name(counts.most_common(1)[0][0], sum(counts.values()) + len(alone[last]), firsts[last])
              for last, counts in full.items() if min(alone[last]) > firsts[last]]  # the surname alone comes later
    taken = {w for p in people for w in p.text.split()}
    things = []
    for word, starts in alone.items():
        heads = sum(bool(_HEAD.match(text, at + len(word))) for at in starts)  # "Rollo agreed" not "Norman culture"
        if heads >= 2 and word not in taken and word.lower() not in STOPWORDS and word.lower() not in _ROLE_WORDS:
            things.append(Name(word, len(starts), starts[0]))
    order = lambda name: (-name.mentions, name.first, name.text)  # noqa: E731 - the one sort key of both lists
    return sorted(people, key=order), sorted(things, key=order)


def concerning(text: str, person: str) -> str | None:
    """"criminal case against" when the text speaks of "the criminal case against (…) <person>"."""
    match = re.search(_CONCERNING + re.escape(person) + r"\b", text)
    return match.group(1) if match and match.group(1).split()[0] not in STOPWORDS else None
