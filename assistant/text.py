"""Word-level text normalisation, in one place: how text becomes words, search terms and comparable names.

* `words`: lower-case word tokens (near-duplicate shingles);
* `terms`: stemmed content words (English stop words dropped, Snowball stems), what the lexical
  index stores and what coverage of a question is counted in, so "represents" in a question
  matches "represent" in a passage on every path;
* `plain_word` / `question_anchors`: names and numbers a question relies on; `named` finds them in a text,
  a place and its people's adjective alike ("Haitian" in "Haiti", "German" in "Germany");
* `content_terms`: what is left of a question to search for once stop words and the generic words of
  any question ("happen", "tell", "news") are gone; none means the question is too vague.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections.abc import Set as AbstractSet
from functools import lru_cache
from pathlib import Path

import Stemmer


def english_stopwords() -> frozenset[str]:
    """bm25s's English stop-word list, read from its data module alone: importing the bm25s package loads scipy,
    a third of a second of every command's start, for a tuple of words."""
    package = importlib.util.find_spec("bm25s")
    if package is None or not package.submodule_search_locations:
        raise ImportError("bm25s is not installed (pip install -e .)")
    spec = importlib.util.spec_from_file_location("bm25s_stopwords",
                                                  Path(package.submodule_search_locations[0]) / "stopwords.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOPWORDS_EN_PLUS)


_STEMMER = Stemmer.Stemmer("english")
STOPWORDS = english_stopwords() | {"who", "whom", "whose", "what", "when", "where", "which", "why", "how",
                                   "did", "does", "do"}
_TERM = re.compile(r"(?u)\b\w\w+\b")  # words of two or more characters
_WORD = re.compile(r"\w+")
_NAME = re.compile(r"\d+(?:[,.]\d+)+|[\w’'\-]+")  # a number with its separators ("9,000", "2.5") is one word
_NUMBER = re.compile(r"\d[\d,.]*s?|\d+(?:st|nd|rd|th)")  # a year, decade, amount or ordinal


def words(text: str) -> list[str]:
    """Lower-case word tokens, in order."""
    return _WORD.findall(text.lower())


def name_words(text: str) -> list[str]:
    """Words as written, apostrophes and hyphens kept inside them ("O'Neill", "Hutchins'", "co-founder")."""
    return _NAME.findall(text)


def terms(text: str) -> list[str]:
    """Stemmed content words of `text` (stop words removed), in order; `[""]` if there are none."""
    return list(_terms(text))


@lru_cache(maxsize=16384)  # ~16 MB of chunk and sentence texts at most
def _terms(text: str) -> tuple[str, ...]:
    """Cached: retrieval asks for the terms of the same candidate chunks and sentences question after question."""
    found = [w for w in _TERM.findall(text.lower()) if w not in STOPWORDS]
    return tuple(_STEMMER.stemWords(found)) if found else ("",)


# Words any question about any news story may use: they name nothing that could be searched for.
GENERIC_WORDS = frozenset("""
    happen happened happening happens occur occurred going go goes went gone get got say said says saying tell told
    telling talk talking know knew known explain describe summarise summarize summary give show mean means think
    would could can may might must shall let like want need new news latest recent recently today yesterday update
    updates story stories article articles report reports anything something everything nothing thing things stuff
    else info information detail details interesting important whats what's who's happend please hi hello hey
    thanks thank ok okay yes yeah next later afterwards then further more continue recap overview background
    highlights gist rundown status situation developments catch fill brief speed
""".split())
_GENERIC_TERMS = frozenset(_STEMMER.stemWords(sorted(GENERIC_WORDS)))


def content_terms(text: str) -> list[str]:
    """Stemmed words of `text` that could be searched for: `terms` less the generic words of any question."""
    return [t for t in terms(text) if t and t not in _GENERIC_TERMS]


def plain_word(word: str) -> str:
    """Lower case, outer punctuation, a possessive 's and accents removed ("Hervé's" → "herve")."""
    word = unicodedata.normalize("NFKD", word.lower().strip(".,;:!?\"'“”‘’()[]"))
    return re.sub(r"[’']s$", "", "".join(ch for ch in word if not unicodedata.combining(ch)))


@lru_cache(maxsize=256)
def plain_words(text: str) -> frozenset[str]:
    """The plain words of a text, read as a question's names are (`question_anchors`: "9,000" whole, "U.S." as u and
    s), and each part of a hyphened word too ("737-800" says 737, "Gutierrez-Reed" says Reed). Kept for the texts
    read last: story scope and timelines ask it of the same articles again and again (1 ms an article)."""
    words = {plain_word(w) for w in _NAME.findall(text)}
    return frozenset(words | {part for w in words if "-" in w for part in w.split("-") if part})


# English adjectives of place and people end in these (Haiti-an, Iran-ian, Iraq-i, Chin(a)-ese, German(y), Europ(e)-ean)
_OF_PLACE = ("n", "an", "ian", "ean", "i", "ese")


def name_forms(name: str) -> set[str]:
    """A plain name and the forms English derives from it for a place's people ("haiti" → "haitian", "haitians",
    "mexico" → "mexican", "germany" → "german"); names under 4 letters only as they are."""
    forms = {name}
    if len(name) >= 4 and name.isalpha():
        base = name[:-1] if name[-1] in "aeoy" else name
        forms |= {stem + end for stem in {name, base} for end in _OF_PLACE}
        forms |= {form + "s" for form in forms if form.endswith(("an", "i"))}  # its people: "haitians", "romanians"
        if name.endswith("y"):
            forms.add(base)
    return forms


# a person's title as news abbreviates it before a name ("Gov. John Baldacci" is "Governor John Baldacci")
_TITLES = {"governor": "gov", "senator": "sen", "representative": "rep", "president": "pres", "general": "gen",
           "lieutenant": "lt", "colonel": "col", "captain": "capt", "sergeant": "sgt", "admiral": "adm",
           "attorney": "atty", "professor": "prof", "doctor": "dr", "reverend": "rev", "major": "maj",
           "commander": "cmdr", "superintendent": "supt"}


def titled(words: set[str]) -> set[str]:
    """The plain `words` with each title's other form: its abbreviation, or its whole word."""
    return words | {full for full, short in _TITLES.items() if short in words} | {
        short for full, short in _TITLES.items() if full in words}


def named(names: set[str], words: set[str]) -> set[str]:
    """The plain names (numbers too) of `names` that the plain `words` of a text say, in any of their forms
    (`name_forms`, either way round: "haitian" is said by "haiti", "haiti" by "haitian"; a title abbreviated or
    not, `titled`)."""
    words = titled(words)
    found = names & words
    for name in names - found:
        if name_forms(name) & words or any(name in name_forms(w) for w in words if w[:3] == name[:3]):
            found.add(name)
    return found


# a run of two or more capitalised words, small joining words inside ("Bank of England", "Movement for Democratic Change")
_RUN = re.compile(r"\b[A-Z][\w’'\-]*(?:\s+(?:(?:of|for|de)\s+(?:the\s+)?)?[A-Z][\w’'\-]*)+")


def initials(text: str) -> dict[str, set[str]]:
    """Each run of capitalised words by its initials: "Australian Wheat Board" → {"awb": {"australian", "wheat",
    "board"}}; two words at least, and joining words left out ("Bank of England" → "be")."""
    runs: dict[str, set[str]] = {}
    for run in _RUN.findall(text):
        words = [plain_word(w) for w in run.split() if w[0].isupper()]
        while words and words[0] in STOPWORDS:  # "The Australian Wheat Board", "When Bank of England …"
            words = words[1:]
        if len(words) > 1:
            runs.setdefault("".join(w[0] for w in words if w), set()).update(words)
    return runs


def spelled(question: str, text: str, said: AbstractSet[str]) -> set[str]:
    """The plain words the text says by acronym: the question's "Australian Wheat Board" when the text says "AWB",
    and the question's "AWB" when the text spells it out."""
    out = {word for short, words in initials(question).items() if short in said for word in words}
    asked = {plain_word(w) for w in question.split()}
    return out | {short for short in initials(text) if short in asked}


def question_anchors(question: str) -> dict[str, str]:
    """Numbers and proper names a question relies on (digits, words capitalised mid-sentence): plain → as written."""
    anchors = {}
    for i, word in enumerate(_NAME.findall(question)):
        if _NUMBER.fullmatch(plain_word(word)) or (i > 0 and word[0].isupper()):
            anchors[plain_word(word)] = word
    return anchors


_JOINING = {"of", "de", "del", "da", "do", "dos", "du", "di", "la", "le", "van", "von", "der", "al", "el", "bin", "ibn"}  # inside one name: "Bank of England"


def named_phrases(question: str) -> str:
    """The question's names as it writes them, the words of one name together ("Felix Kulov and Kyrgyz")."""
    found = _NAME.findall(question)
    is_name = [bool(_NUMBER.fullmatch(plain_word(w))) or (i > 0 and w[0].isupper()) for i, w in enumerate(found)]
    runs: list[list[str]] = [[]]
    for i, word in enumerate(found):
        inside = word in _JOINING and runs[-1] and i + 1 < len(found) and is_name[i + 1]  # "Bank of England"
        if is_name[i] or inside:
            runs[-1].append(re.sub(r"[’']s$", "", word))
        elif runs[-1]:
            runs.append([])
    phrases = list(dict.fromkeys(" ".join(run) for run in runs if run))
    return ", ".join(phrases[:-1]) + f" and {phrases[-1]}" if len(phrases) > 1 else "".join(phrases)
