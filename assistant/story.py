"""Story answers: why / how / what happened / summaries get several quoted, cited sentences, not a span.

A factoid question (who, when, where, how many) is answered by the reader's short span. A question asking for a
reason, a process or an account cannot be answered in 1–5 words, so its answer is 2–4 sentences of the top
passages, each quoted verbatim with its citation:

- The question's form (factoid or story) and a story question's kind are told in `forms`.
- Each sentence of the top passages is scored by the reader's own evidence: the share of its answer-start and
  answer-end probability (softmax over the window, "no answer" included) that falls inside the sentence. The
  reader learnt on SQuAD that a "why" is answered by the clause giving the reason, so its probability mass points
  at the sentences that explain; a passage it finds no answer in keeps its mass on "no answer".
- A question for a reason or a process (why, how) is answered where the reader's evidence is: the sentence of
  its best span leads (the decision, confident / unsure / refused, is the reader answerer's on that span: the
  same trust rules as a short answer, except that a refused one is quoted, unsure, from its best evidence when a
  retrieved article is about what the question asks, `story_scope.about`), then the sentence after it (its context: the development questions'
  reasons continue there), then other sentences holding at least `relative` of the best evidence, from its
  article or one linked to it, near-duplicates dropped, oldest article first, then document order. Those are
  looked for in the passages the reader answers from and in the further passages of their articles among the top
  `reason_passages`: a reason is often told a passage away from the fact the question names.
- An account (what happened, summarise, tell me about, what did X say) quotes its article's first sentences:
  news puts what happened first (on the hand-written development summaries, the first sentence is a gold one
  19 times in 20). When its story went on in later articles, each one's lead is quoted after the article's, in
  time: how it began and each turn since (`story_scope.developments`). The latest on a story quotes the newest
  retrieved article of the best one's story (covering the question, and linked to it by their words:
  `story_scope`), "As of <date>:". Both are given when the reader answers, and, marked unsure, when it finds no
  span but a retrieved article names every name and number of the question (of a span of years, one) and says
  most of what it is about (`story_scope.covers`); otherwise they are refused like any answer.
"""

from __future__ import annotations

from dataclasses import replace

from .answering import ReaderAnswerer
from .citations import Answer, Citation, Quoted, unsure_lead
from .forms import ACCOUNT, NEWEST, REASON, STORY, asks_what_next, story_kind
from .linking import Linker
from .reader import Reading
from .retrieval import Passage
from .sentences import (
    LATER_OVERLAP,
    SAME_DAY_OVERLAP,
    Sentence,
    following,
    is_sentence,
    lead_spans,
    sentence_evidence,
    similar,
    whole_quotation,
)
from .story_scope import (
    about,
    covers,
    day,
    developments,
    in_years,
    newer_mention,
    newest,
    next_article,
    of_story,
    of_year,
    same_story,
    year_named,
)
from .text import named_phrases

# a reason or process: its sentence, its context and one more (a fourth added no gold sentence on the development
# why / how questions, only noise); an account or the latest has room for its lead and its evidence (`max_sentences`)
REASON_SENTENCES = 3
NOTHING_MORE = "The articles found say nothing more about it than the sentences already quoted."


class StoryAnswerer:
    """Several cited sentences for a story question, on top of the reader answerer's decision."""

    name = "reader"

    def __init__(self, base: ReaderAnswerer, *, max_sentences: int = 4, relative: float = 0.3,
                 max_words: int = 150, lead: int = 3, latest_lead: int = 2, linker: Linker | None = None,
                 said: tuple[Quoted, ...] = (), reason_passages: int = 5, subject: str = "") -> None:
        self.base, self.max_sentences, self.relative, self.max_words = base, max_sentences, relative, max_words
        self.said = said  # "tell me more": what the conversation quoted is not quoted again
        self.subject = subject  # … and the question they go on from: what happens next names one of its names
        self.reason_passages = reason_passages  # a reason's sentences are looked for in this many passages
        # an account's first sentences quoted from its article (news puts what happened first), and the latest's
        # (fewer: its sentence with the reader's evidence, the part of the story asked about, needs the room)
        self.lead, self.latest_lead = lead, latest_lead
        self.linker = linker  # which retrieved articles tell the best one's story (none: those covering the question)

    def answer(self, question: str, passages: list[Passage], texts: dict[str, str], searched_docs: int) -> Answer:
        top = passages[: self.base.passages]
        reading = self.base.reading(question, passages, texts, around=False)  # its sentences, read alone
        decided = self.base.answer(question, passages, texts, searched_docs, reading=reading)
        kind = story_kind(question)
        # without the reader's span, the first article about what the question asks (`covers`) tells the story
        found = None if decided.citations else about(question, passages, texts)
        if self.said and (going_on := self.go_on(question, passages, texts, decided, reading)):
            return going_on
        if kind != REASON and passages:
            best = top_passage(passages, decided.citations[0]) if decided.citations else found or passages[0]
            if kind == ACCOUNT:  # "what happened with the BBC strike in 2005?": not a 2007 article recalling it
                best = of_year(question, best, passages, texts)
            if kind == NEWEST:
                told = [newest(same_story(question, passages, best, texts), best, texts, self.linker)]
            else:
                told = developments(question, passages, best, texts, self.linker, self.max_sentences)
            # an account or the latest is told by the article's lead (news puts what happened first); given when
            # the reader answers from the passages, or, unsure, when the article names all the question names
            if not decided.abstained or covers(question, told[0], texts[told[0].source]):
                return self.lead_answer(kind, question, told, passages, texts, decided, reading)
        trusted, source = decided, passages[0].source if passages else ""
        years = year_named(question)
        if kind == REASON and decided.citations and years:  # "why … in April 2005?": not a 2009 article's rally
            cited = top_passage(passages, decided.citations[0])
            if (of_that_year := of_year(question, cited, passages, texts)) is not cited:
                decided, found = replace(decided, citations=[]), of_that_year
        if decided.abstained or not decided.citations:
            # a reason the reader finds no span for may still be there (its refusal told the development why
            # questions the article answers from those it does not no better than chance): an article about what
            # the question names is quoted, unsure, from its best evidence
            if kind != REASON or found is None:
                return decided
            trusted = replace(decided, abstained=False, band="unsure", abstain_reason="", candidate="", citations=[])
            source = found.source
        evidence = self.reason_evidence(question, passages, reading)
        if found is not None and years and in_years(found, years):  # told from that year's articles alone
            evidence = [s for s in evidence if in_years(s.passage, years)]
        return self.reason_answer(trusted, source, top, texts, evidence) or decided

    def reason_evidence(self, question: str, passages: list[Passage], reading: Reading | None) -> list[Sentence]:
        """The reader's evidence for every sentence of the passages a reason is looked for in: those the reader
        answerer read (`reading`), then further passages of the same articles, up to the top `reason_passages` (a
        reason is often told a passage away from the fact the question names). Those are read in a pass of their
        own: int8 activations are scaled per batch, so one pass over all would move the reader's decision."""
        top = passages[: self.base.passages]
        found = sentence_evidence(reading, top) if reading else []
        read = {p.source for p in top}
        further = [p for p in passages[len(top): self.reason_passages] if p.source in read]
        if further and (more := self.base.reader.reading(question, [p.text for p in further])):
            found += sentence_evidence(more, further)
        return found

    def go_on(self, question: str, passages: list[Passage], texts: dict[str, str], decided: Answer,
              reading: Reading | None) -> Answer | None:
        """"Tell me more" goes on with the article the conversation quoted last, then the story's next article in
        time; "What happened next?" goes to the next article first. Each is told from its own article alone (not
        the reader's span elsewhere). When neither has anything left among the passages: None ("tell me more" may
        go on in other articles of the story), or, asked what happened next, "nothing more" (not another story's
        article the reader finds a span in)."""
        last = next((p for p in passages if p.source == self.said[-1].source), None)
        after = next_article(self.subject or question, passages, texts, tuple(dict.fromkeys(q.source for q in self.said)),
                             self.linker)
        alone, ended = replace(decided, citations=[]), None
        for article in ([after, last] if asks_what_next(question) else [last, after]):
            told = self.lead_answer(ACCOUNT, question, [article], passages, texts, alone, reading) if article else None
            if told and told.abstain_reason != "nothing-more":
                return told
            ended = ended or told
        return ended if asks_what_next(question) else None

    def reason_answer(self, decided: Answer, source: str, top: list[Passage], texts: dict[str, str],
                      evidence: list[Sentence]) -> Answer | None:
        """The reader's sentence (or, without one, the best evidence's, in `source`'s story), the sentence after it,
        then sentences of the same story with at least `relative` of the best evidence; None without a sentence."""
        lead = decided.citations[0] if decided.citations else None
        candidates = sorted(evidence, key=lambda s: -s.evidence)
        candidates = [s for s in candidates if is_sentence(texts[s.passage.source][s.start:s.end])
                      and of_story(s.passage.source, lead.source if lead else source, texts, self.linker)]
        if not lead and not candidates:
            return None
        floor = self.relative * (candidates[0].evidence if candidates else 0.0)
        # the reader's sentence leads, unless it is a headline (no sentence ending): the best sentence leads then
        if lead and (is_sentence(lead.text) or not candidates):
            chosen = [(top_passage(top, lead), lead.start, lead.end)]
        else:
            chosen = [(candidates[0].passage, candidates[0].start, candidates[0].end)]
        if after := following(chosen[0][0], chosen[0][2], texts[chosen[0][0].source]):
            self.add(chosen, chosen[0][0], *after, texts, REASON_SENTENCES)  # the lead's context: the sentence after
        opened = len(chosen)
        for s in candidates:
            if s.evidence < floor:
                break
            self.add(chosen, s.passage, s.start, s.end, texts, REASON_SENTENCES)
        ordered = chosen[:opened] + sorted(chosen[opened:], key=lambda c: (c[0].meta.published or "9999", c[0].source, c[1]))
        return self.quoted(decided, ordered, texts, "")

    def lead_answer(self, kind: str, question: str, told: list[Passage], passages: list[Passage],
                    texts: dict[str, str], decided: Answer, reading: Reading | None) -> Answer:
        """The article's (`told[0]`) first sentences, then its sentence with the reader's best evidence (the part of
        the story the question asks about) and the sentence after it, then the reader's own sentence if it says
        something else, while there is room. A story that went on in later articles (the rest of `told`) is told by
        each one's first sentence instead, in time: how it began and each turn to how it stands (the newest before
        the middle ones, should the room run out); four such leads fill the answer."""
        chosen: list[tuple[Passage, int, int]] = []
        article = told[0]
        first = 1 if len(told) > 1 else self.latest_lead if kind == NEWEST else self.lead
        for p in told[:1] + told[-1:] + told[1:-1] if len(told) > 1 else told:
            for a, b in self.unsaid_lead(p.source, texts[p.source], first):
                self.add(chosen, p, a, b, texts)
        read = passages[: self.base.passages]
        if article not in read:  # the newest article on the story may rank below the passages read
            read, reading = [article], self.base.reading(question, [article], texts, around=False)
        inside = [s for s in (sentence_evidence(reading, read) if reading else []) if s.passage.source == article.source
                  and is_sentence(texts[article.source][s.start:s.end])]
        if inside:
            best = max(inside, key=lambda s: s.evidence)
            self.add(chosen, article, best.start, best.end, texts)
            if after := following(best.passage, best.end, texts[article.source]):  # its context, as for a reason
                self.add(chosen, article, *after, texts)
        if decided.citations:
            cited = decided.citations[0]
            self.add(chosen, top_passage(passages, cited), cited.start, cited.end, texts)
        if kind == NEWEST and len(chosen) < self.lead:  # its evidence was in its lead: the lead goes on
            for a, b in lead_spans(article.source, texts[article.source], self.lead)[first:]:
                self.add(chosen, article, a, b, texts)
        if len(told) > 1:  # a story told article by article reads in time: each article's sentences together
            order = {p.source: i for i, p in enumerate(told)}  # `developments` gives them in time
            chosen.sort(key=lambda c: (order.get(c[0].source, len(order)), c[1]))
        if not chosen:  # all it has was quoted before in this conversation (or it has no sentence at all)
            return replace(decided, answer=NOTHING_MORE, abstained=True, citations=[], short="", band="refused",
                           abstain_reason="nothing-more") if self.said else decided
        if not decided.abstained:
            trust = decided
        else:  # the reader found no answer: the article is about it, but say how unsure this is
            trust = replace(decided, abstained=False, band="unsure", abstain_reason="", candidate="")
        opening = as_of(article) if kind == NEWEST else ""
        answer = self.quoted(trust, chosen, texts, opening)
        mention = newer_mention(question, article, passages, texts) if kind == NEWEST else None
        return with_note(answer, mention, question) if mention else answer

    def add(self, chosen: list[tuple[Passage, int, int]], passage: Passage, start: int, end: int,
            texts: dict[str, str], most: int | None = None) -> None:
        """Add a sentence unless the answer is full (`most` sentences, at most `max_sentences`), it overlaps or
        repeats one already chosen, or it is too long. A sentence of another day's article (which names the story
        again to say what is new) repeats one only when it shares `LATER_OVERLAP` of its words. A sentence of a
        quotation is quoted with the rest of it (`whole_quotation`): a reader sees who speaks."""
        start, end = whole_quotation(texts[passage.source], start, end)
        body = texts[passage.source][start:end]
        words = sum(len(texts[p.source][a:b].split()) for p, a, b in chosen)
        taken = [(p.source, a, b) for p, a, b in chosen] + list(self.said)  # chosen here, or quoted before
        if (len(chosen) >= min(most or self.max_sentences, self.max_sentences) or words + len(body.split()) > self.max_words
                or any(source == passage.source and a < end and start < b for source, a, b in taken)
                or any(similar(body, texts[p.source][a:b], LATER_OVERLAP if day(p) and day(passage)
                                   and day(p) != day(passage) else SAME_DAY_OVERLAP) for p, a, b in chosen)):
            return
        chosen.append((passage, start, end))

    def unsaid_lead(self, source: str, text: str, n: int) -> list[tuple[int, int]]:
        """The article's first `n` sentences the conversation has not quoted yet (its lead, for a first answer)."""
        said = [(q.start, q.end) for q in self.said if q.source == source]
        spans = lead_spans(source, text, n + len(said))
        return [(a, b) for a, b in spans if not any(x < b and a < y for x, y in said)][:n]

    @staticmethod
    def quoted(decided: Answer, chosen: list[tuple[Passage, int, int]], texts: dict[str, str], opening: str
               ) -> Answer:
        """The chosen sentences as the answer, each quoted and cited, after the unsure lead and `opening`."""
        score = decided.citations[0].score if decided.citations else round(decided.evidence, 4)
        citations = [Citation(n, p.source, p.title, texts[p.source][a:b], a, b, score)
                     for n, (p, a, b) in enumerate(chosen, start=1)]
        body = " ".join(f"{' '.join(c.text.split())} [{c.n}]" for c in citations)
        lead = unsure_lead(len(citations)) if decided.band == "unsure" else ""
        return replace(decided, answer=f"{lead}{opening}{body}", citations=citations, short="", form=STORY,
                       opening=opening.strip())

    def answer_stream(self, question: str, passages: list[Passage], texts: dict[str, str], searched_docs: int):
        yield self.answer(question, passages, texts, searched_docs)


def with_note(answer: Answer, mention: Passage, question: str) -> Answer:
    """The answer with a word on a newer article that names the story but was not quoted (not of its story)."""
    from .rendering import human_date

    note = (f"A newer article also mentions {named_phrases(question)}: “{mention.title or mention.source}” "
            f"({human_date(mention.meta.published)}).")
    return replace(answer, answer=f"{answer.answer} {note}", note=note)


def as_of(cited: Passage) -> str:
    """"As of <date>: " for the latest on a story: the date of the newest article on it, which is the one quoted
    ("latest" is relative to the corpus, not to today)."""
    from .rendering import human_date

    return f"As of {human_date(cited.meta.published)}: " if cited.meta.published else "Undated article: "


def top_passage(passages: list[Passage], citation: Citation) -> Passage:
    """The passage a citation quotes from (the first of its document if none holds it whole)."""
    same = [p for p in passages if p.source == citation.source]
    return next((p for p in same if p.chunk.start <= citation.start and citation.end <= p.chunk.end), same[0])
