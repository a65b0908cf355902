"""Extractive answering: quote the best supporting sentence(s), cite them, or abstain.

Each sentence of the top passages is scored by two kinds of evidence, measured
by the retriever from stored sentence vectors (see `evidence`): semantic
similarity to the question (MiniLM cosine) and lexical coverage (the
idf-weighted share of the question's stemmed content words it contains). Needing both keeps topical but
non-answering sentences, and off-corpus questions, below the abstention
threshold. Quoting verbatim means every claim is, by construction, in the
cited passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from langchain_core.documents import Document as LCDocument

from .bm25 import terms
from .citations import Answer, Citation
from .spans import expected_type, narrow, plain_word, question_anchors, type_candidates
from .verification import looks_like_instruction

SEMANTIC_WEIGHT = 0.5
SYNONYM_MIN = 0.65  # word-vector cosine from which a text's word stands in for a question word ("attorney", "lawyer")
_SURFACE = re.compile(r"[a-z][a-z'’\-]+")
# A sentence that opens with a pronoun or a contrast continues the one before ("It was commissioned by Odo.",
# "But a storm dispersed the fleet."): it is credited with the question words the two cover together, and
# with the mean of the two similarities when that is higher than its own.
_CONTINUES = re.compile(r"(?:It|Its|They|Their|Them|This|These|Those|He|His|She|Her|But|Yet|However)\b")
_NUMBER = re.compile(r"\d[\d,.]*s?|\d+(?:st|nd|rd|th)")  # a question anchor that is a year, decade or ordinal
# Abstentions decided by a rule rather than by the evidence threshold (calibration leaves them out).
RULE_REASONS = ("unknown-terms", "no-answer-type", "number-not-in-article")
_KIND_WORDS = {"date": "date or time", "number": "number or amount", "name": "name"}


@dataclass(frozen=True)
class Candidate:
    """A sentence from a retrieved passage, with its evidence scores."""

    source: str
    title: str
    start: int
    end: int
    text: str
    passage_rank: int
    semantic: float = 0.0
    lexical: float = 0.0
    lead: int | None = None  # start of the sentence(s) this one continues ("But a storm dispersed the fleet.")

    @property
    def score(self) -> float:
        return SEMANTIC_WEIGHT * self.semantic + (1 - SEMANTIC_WEIGHT) * self.lexical


def abstention(question: str, searched_docs: int, passages: list[LCDocument], reason: str = "") -> str:
    """An honest 'not in the corpus' message that says what was searched and, if known, why."""
    closest = f' The closest passage was in "{passages[0].metadata["title"]}".' if passages else ""
    why = f" {reason}" if reason else ""
    return (f"The corpus does not say. I searched {searched_docs} document(s) for this question and found no "
            f"passage that answers it.{why}{closest}")


class ExtractiveAnswerer:
    """Answers with verbatim sentences from the passages; needs no LLM."""

    name = "extractive"

    def __init__(self, *, passages: int = 3, max_words: int = 20, threshold: float = 0.3, word_vectors=None) -> None:
        self.passages = passages
        self.max_words = max_words
        self.threshold = threshold
        self.word_vectors = word_vectors  # `evidence.WordVectors`: credit paraphrased question words, if given

    def candidates(self, question: str, passages: list[LCDocument], texts: dict[str, str]) -> list[Candidate]:
        """Every distinct sentence of the top passages, with the evidence the retriever measured."""
        seen: set[str] = set()
        out: list[Candidate] = []
        asked = _asked(question)
        for rank, passage in enumerate(passages[: self.passages]):
            meta = passage.metadata
            weights = meta.get("query_weights") or {}
            context, context_similarity, lead = "", 0.0, 0  # the sentences this one continues, back to one that does not
            for sent in meta.get("sentences", []):
                text = texts[meta["source"]][sent["start"] : sent["end"]]
                similarity = sent["similarity"]
                continues = bool(context) and bool(_CONTINUES.match(text))
                if continues:  # "It was commissioned by Odo": the subject is in the sentence before
                    similarity = max(similarity, (similarity + context_similarity) / 2)
                    context = context + " " + text
                else:
                    context, lead = text, sent["start"]
                context_similarity = similarity
                if sent["id"] in seen:
                    continue
                seen.add(sent["id"])
                if looks_like_instruction(text):  # never quote an instruction planted in a document
                    continue
                if " ".join(text.split()) == " ".join(meta["title"].split()):
                    continue  # the headline names the topic the question already names; it answers nothing
                coverage = max(sent["coverage"], self._coverage(weights, asked, context))
                out.append(Candidate(meta["source"], meta["title"], sent["start"], sent["end"], text, rank,
                                     similarity, coverage, lead if continues else None))
        return out

    def _coverage(self, weights: dict[str, float], asked: dict[str, str], text: str) -> float:
        """Weighted share of the question's content words in `text` (as `evidence.Query.coverage`); with word
        vectors, a question word the text lacks counts by its similarity to the text's closest word, from 0.65."""
        total = sum(weights.values())
        if not total:
            return 0.0
        found = set(terms(text))
        got = sum(w for t, w in weights.items() if t in found)
        got += sum(weights[t] * cosine for t, (_, cosine) in self._stand_ins(weights, asked, text, found).items())
        return got / total

    def _stand_ins(self, weights: dict[str, float], asked: dict[str, str], text: str,
                   found: set[str]) -> dict[str, tuple[str, float]]:
        """Question terms `text` lacks -> the word of `text` that paraphrases each, and its cosine."""
        lacking = [t for t in weights if t not in found and t in asked]
        if not lacking or self.word_vectors is None:
            return {}
        words = [w for w in dict.fromkeys(_SURFACE.findall(text.lower())) if terms(w) != [""]]
        matches = {t: self.word_vectors.match(asked[t], words, SYNONYM_MIN) for t in lacking}
        return {t: m for t, m in matches.items() if m}

    def answer(self, question: str, passages: list[LCDocument], texts: dict[str, str], searched_docs: int) -> Answer:
        """Quote the best sentence (narrowed to the part that answers), or abstain and say why."""
        retrieved = list(dict.fromkeys(p.metadata["source"] for p in passages))
        top = passages[: self.passages]
        anchors = question_anchors(question)
        unknown = _unknown(anchors, [texts[p.metadata["source"]] for p in top])
        if unknown:
            reason = f"The retrieved articles never mention {', '.join(repr(w) for w in unknown)}."
            return Answer(question, abstention(question, searched_docs, passages, reason), True, [], retrieved,
                          abstain_reason="unknown-terms")
        scored = sorted(self.candidates(question, passages, texts), key=lambda c: (-c.score, c.passage_rank, c.start))
        evidence = scored[0].score if scored else 0.0
        if not scored or evidence < self.threshold:
            return Answer(question, abstention(question, searched_docs, passages), True, [], retrieved,
                          evidence=evidence, abstain_reason="threshold")
        best = scored[0]
        meta = passages[best.passage_rank].metadata
        in_document = _words_in([texts[best.source], meta.get("title", ""), (meta.get("published") or "")[:4]])
        numbers = [anchors[w] for w in anchors if _NUMBER.fullmatch(w) and w not in in_document]
        if numbers:  # "Who ruled Cyprus in the 11th century?": an article silent on the 11th century does not answer it
            reason = f"The article of the best matching passage does not mention {', '.join(repr(n) for n in numbers)}."
            return Answer(question, abstention(question, searched_docs, passages, reason), True, [], retrieved,
                          evidence=evidence, abstain_reason="number-not-in-article")
        kind = expected_type(question)
        if kind and not type_candidates(best.text, kind, question) and best.lead is not None:
            before = texts[best.source][best.lead : best.start]  # "In April 1191 Richard left Messina. But a storm..."
            if type_candidates(before, kind, question):
                best = replace(best, start=best.lead, text=texts[best.source][best.lead : best.end])
        if kind and not type_candidates(best.text, kind, question):
            reason = f"The best matching passage gives no {_KIND_WORDS[kind]} that the question asks for."
            return Answer(question, abstention(question, searched_docs, passages, reason), True, [], retrieved,
                          evidence=evidence, abstain_reason="no-answer-type")
        weights = top[0].metadata.get("query_weights") or {t: 1.0 for t in terms(question)}
        stand_ins = self._stand_ins(weights, _asked(question), best.text, set(terms(best.text)))
        aliases = {terms(word)[0]: t for t, (word, _) in stand_ins.items()}  # "patronised" stands in for "patronized"
        span = narrow(best.text, question, weights, self.max_words, aliases)
        quote = " ".join(best.text[span.start : span.end].split())
        text = f"{'…' if span.cut_left else ''}{quote}{'…' if span.cut_right else ''} [1]"
        citation = Citation(1, best.source, best.title, best.text, best.start, best.end, round(best.score, 4))
        return Answer(question, text, False, [citation], retrieved, evidence=evidence)


def _asked(question: str) -> dict[str, str]:
    """The question's stemmed words -> each word as asked (word vectors need the word, not the stem)."""
    return {t: w for w in _SURFACE.findall(question.lower()) for t in terms(w)[:1]}


def _words_in(texts) -> set[str]:
    """Words of the texts, normalised like question anchors ("Baldwin's" -> "baldwin")."""
    return {plain_word(w) for text in texts for w in re.findall(r"[\w’'\-]+", text)}


def _unknown(anchors: dict[str, str], texts: list[str]) -> list[str]:
    """The question's anchors that none of the texts mention. A capitalised ordinary word ("Who did Emma
    Marry?") counts as mentioned when the texts have it in lower case in another form ("married")."""
    missing = set(anchors) - _words_in(texts)
    if not missing:
        return []
    stems = set(terms(" ".join(w for text in texts for w in re.findall(r"\b[a-z][\w’'\-]*", text))))
    return [anchors[w] for w in sorted(missing) if terms(w)[0] not in stems]
