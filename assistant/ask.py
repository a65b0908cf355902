"""The question path, top to bottom: condense → retrieve → read → decide → cite.

    Request, AskOptions
      condense   the question cleaned and checked; a follow-up completed from the conversation   → Condensed
      retrieve   hybrid search (dense + BM25) under the options' filters, top k                  → Retrieved
      read       the answerer reads the passages: a factoid question gets the reader's short span, a
                 why / how / what-happened question several cited sentences (`story`); a question
                 with nothing to search for gets suggestions instead                            → Draft … Answer
      decide     inside the reader answerer (`answering.ReaderAnswerer`): the calibrated confidence
                 puts the answer in a band, confident / unsure / refused
      cite       the answer gets its question, query, passages and timings                        → Answer

A compare question ("Compare X's and Y's profits") runs the path once per side and sets the answers side by
side (`compare`).

Every front end (CLI, app, eval runner, `calibrate`, the example-question checks) calls `AskPipeline`.
`AskOptions` is validated once, when made (`options`): k within 1..MAX_K, real dates, since ≤ until. LangChain
adapters of this path and of the retriever live at the edge, in `assistant.langchain_adapters`. In a conversation,
"Tell me more" leaves out what the earlier answers quoted (`Request.said`, or found by asking them again).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Protocol

from .citations import Answer, Draft, Quoted
from .errors import AssistantError
from .forms import asks_for_more
from .linking import Linker
from .options import AskOptions, check_question, scope
from .retrieval import Passage, Retriever
from .settings import Settings


@dataclass(frozen=True)
class Request:
    """A question and the earlier questions of its conversation (oldest first)."""

    question: str
    history: tuple[str, ...] = ()
    story: tuple[str, ...] = ()  # documents the question is about (a compare side: those the whole question found)
    said: tuple[Quoted, ...] | None = None  # what the conversation's answers quoted (None: found by asking them again)

    def __post_init__(self) -> None:
        if self.said is not None:  # any sequence of `Quoted`, kept as a tuple (the request is frozen)
            object.__setattr__(self, "said", tuple(self.said))


@dataclass(frozen=True)
class Condensed:
    question: str  # as asked (cleaned)
    query: str  # what is searched: the question, or a follow-up completed from the history
    started: float = field(default_factory=time.perf_counter)
    story: tuple[str, ...] = ()  # what it is about (a follow-up: its conversation's article): their passages lead
    said: tuple[Quoted, ...] = ()  # "tell me more": the sentences the conversation already quoted, left out
    subject: str = ""  # going on: the question the requests for more go on from; its names keep them on its story


@dataclass(frozen=True)
class Retrieved:
    condensed: Condensed
    passages: list[Passage]
    texts: dict[str, str]  # full text of each passage's document (citations point into it)
    searched: int  # documents the filters let answer (all in the index when there are none)
    retrieved_at: float = field(default_factory=time.perf_counter)
    scope: str = ""  # the filters in words, with what they left out ("" when there are none)


class Answerer(Protocol):
    """Reads retrieved passages into an answer: `reader` (extractive) or an LLM phrasing the reader's answer."""

    name: str

    def answer_stream(self, question: str, passages: list[Passage], texts: dict[str, str],
                      searched_docs: int) -> Iterator[Draft | Answer]: ...


COMMON = 200  # a word in more than one passage in this many names no subject of its own (`names_no_subject`)


class AskPipeline:
    """The question path over one index. `answerers(name)` builds an answerer; `suggest(doc_ids)` offers
    questions those documents answer (for a question too vague to search)."""

    def __init__(self, index, lock, retriever: Retriever, settings: Settings,
                 answerers: Callable[[object], Answerer], suggest: Callable[[list[str]], list[str]]) -> None:
        self.index, self.lock, self.retriever = index, lock, retriever
        self.max_question_chars, self.reading = settings.max_question_chars, settings.reading
        self.answerers, self.suggest = answerers, suggest

    def condense(self, request: Request, options: AskOptions = AskOptions()) -> Condensed:
        """The question checked, and in a conversation completed from it (`conversation.rewrite`): the earlier
        subject is carried when the search finds stronger evidence with it (its best passage's score), searched
        with the passages of the article the earlier question found first (`Retriever.story`)."""
        from .conversation import is_carried, rewrite

        started = time.perf_counter()
        question = check_question(request.question, self.max_question_chars)
        if not request.history:
            return Condensed(question, question, started, request.story)

        history = list(request.history)
        said = () if not self.goes_on(question, options) else (
            request.said if request.said is not None else self.said_before(history, options))
        if said:  # "what happened next?" goes on from the article the conversation quoted last (what was read),
            story: tuple[str, ...] = tuple(dict.fromkeys((said[-1].source, said[0].source)))  # and where it began
        else:  # the article the earlier question was answered from: a follow-up is about its story
            earlier = self.retrieve(Condensed(history[-1], rewrite(history[-1], history[:-1])), options).passages
            story = tuple(p.source for p in earlier[:1])

        def best(query: str, story: tuple[str, ...] = ()) -> float:
            found = self.retrieve(Condensed(question, query, story=story), options).passages
            return found[0].score if found else 0.0

        # going on, the story is named by the headline of the article quoted last, not the words first asked
        told = self.index.catalog.get(story[0]) if said else None  # None: gone since, or a client's mistake
        headline = [told.title] if told else []
        query = rewrite(question, history + headline, lambda carried, bare: self.names_no_subject(question)
                        or best(carried, story) >= best(bare))
        carried = query != question or is_carried(question)  # about the conversation's story: its article leads
        return Condensed(question, query, started, story if carried else (), said,
                         history[went_on_from(history)] if said else "")

    def goes_on(self, question: str, options: AskOptions) -> bool:
        """Does the question ask for more of the story ("Tell me more"), and will the reader's story answerer, which
        leaves out what was said, answer it (not an LLM answerer)?"""
        from .answering import ReaderAnswerer
        from .forms import STORY, question_form

        return (asks_for_more(question) and question_form(question) == STORY
                and isinstance(self.answerers(options.answerer), ReaderAnswerer))

    def said_before(self, history: list[str], options: AskOptions) -> tuple[Quoted, ...]:
        """The sentences the conversation's answers quoted, back to the question the requests for more continue:
        each asked again (a client that keeps its answers passes `Request.said` instead), as it was asked (a
        question as searched keeps its subject and its story), so each quotes what it quoted."""
        said: tuple[Quoted, ...] = ()
        for i in range(went_on_from(history), len(history)):
            answer = self.run(Request(history[i], tuple(history[:i]), said=said), options)
            said += answer.quotes
        return said

    def names_no_subject(self, question: str) -> bool:
        """Does the question name nothing of its own: no name or number, and no word rarer than one passage in
        `COMMON` ("How many people were killed?")? In a conversation it is about the conversation's subject, even
        when its bare words match another story better (a bombing's toll after a question on an earthquake). The
        rarest word of the development follow-ups without a name was as common as that in 9 of 13, of the two
        changes of subject without one rarer than one in 700 ("monarchs")."""
        from .text import content_terms, question_anchors

        words = content_terms(question)
        if question_anchors(question) or not words:
            return False
        found, passages = self.index.document_frequencies(words), self.index.chunk_count()
        return all(found.get(w, 0) * COMMON > passages for w in words)

    def linker(self) -> Linker:
        """Story links over this index's words (`linking`), for one question's articles."""
        return Linker(self.index.document_frequencies, self.index.chunk_count())

    def retrieve(self, condensed: Condensed, options: AskOptions = AskOptions(), one_per_story: bool = True
                 ) -> Retrieved:
        """The top passages under the options; `one_per_story=False` keeps near-duplicate versions (a timeline)."""
        from .forms import STORY_PASSAGES, reads_story

        k = options.k
        if k is None and reads_story(condensed.question):  # the story's later articles may rank lower
            k = max(self.retriever.k, STORY_PASSAGES)
        retriever = self.retriever.with_options(k=k, one_per_story=one_per_story, story=condensed.story)
        self.index.follow(self.lock)  # another process wrote: reload before searching
        with self.lock.reading():
            catalog = self.index.catalog
            if not catalog:
                raise AssistantError("the index is empty: add documents first with `assistant ingest PATH`")
            searched = sum(map(options.filters.allows, catalog.values())) if options.filters else len(catalog)
            passages = retriever.retrieve(condensed.query, options.filters)
            return Retrieved(condensed, passages, self.index.texts({p.source for p in passages}), searched,
                             scope=scope(options, searched, catalog.values()))

    def read(self, retrieved: Retrieved, options: AskOptions = AskOptions()) -> Iterator[Draft | Answer]:
        from .answering import ReaderAnswerer, asks_for_advice, not_news, too_vague
        from .digest import newest_articles
        from .forms import STORY, question_form, wants_latest
        from .story import StoryAnswerer
        from .suggestions import is_vague

        condensed = retrieved.condensed
        nearest = list(dict.fromkeys(p.source for p in retrieved.passages))
        if is_vague(condensed.query) and wants_latest(condensed.query):  # "What's new?": the newest articles
            with self.lock.reading():
                digest = newest_articles(condensed.question, self.index, options.filters, retrieved.searched)
            if digest:
                yield digest
                return
        if is_vague(condensed.query):  # "what happened?": abstain and offer questions to ask instead
            suggestions = self.suggest(nearest)
            yield Answer(condensed.question, too_vague(suggestions), True, [], nearest, answerer="reader",
                         abstain_reason="vague", searched=retrieved.searched, suggestions=suggestions)
            return
        if asks_for_advice(condensed.question):  # "How do I …?": the articles report events, they do not advise
            yield Answer(condensed.question, not_news(condensed.question, retrieved.searched), True, [], nearest,
                         answerer="reader", abstain_reason="advice", searched=retrieved.searched, band="refused")
            return
        answerer = self.answerers(options.answerer)
        if isinstance(answerer, ReaderAnswerer) and question_form(condensed.question) == STORY:
            answerer = StoryAnswerer(answerer, max_sentences=self.reading.story_sentences,
                                     max_words=self.reading.story_words, relative=self.reading.story_relative,
                                     linker=self.linker(), said=condensed.said, subject=condensed.subject,
                                     reason_passages=self.reading.story_reason_passages)
        yield from answerer.answer_stream(condensed.query, retrieved.passages, retrieved.texts, retrieved.searched)

    @staticmethod
    def cite(answer: Answer, retrieved: Retrieved) -> Answer:
        """The answer with what it was asked, searched and read from, and how long each half took."""
        now = time.perf_counter()
        condensed = retrieved.condensed
        timings = {"retrieve_ms": round((retrieved.retrieved_at - condensed.started) * 1000, 1),
                   "answer_ms": round((now - retrieved.retrieved_at) * 1000, 1),
                   "total_ms": round((now - condensed.started) * 1000, 1)}
        # what was read: the retrieved passages, or those the answer was told from (the newest articles' digest)
        return replace(answer, question=condensed.question, query=condensed.query,
                       passages=answer.passages or list(retrieved.passages), timings=timings, scope=retrieved.scope)

    def stream(self, request: Request, options: AskOptions = AskOptions()) -> Iterator[Draft | Answer]:
        """`Draft`s (an LLM answerer's text before its citation check), then the final, cited `Answer`."""
        from .compare import compare_answer, split

        condensed = self.condense(request, options)
        pair = split(condensed.question) if not request.history else None
        if pair:  # a compare question: each side takes the whole path on its own, searched with the first articles
            # the whole question finds first (over thousands of articles, a side's own words find other stories:
            # "how Iraq's deputy prime minister reacted to the verdict"); as many as passages the reader reads
            found = dict.fromkeys(p.source for p in self.retrieve(condensed, options).passages)
            story = tuple(found)[: self.reading.passages]
            answers = tuple(self.run(Request(side.question, story=story), options) for side in pair)
            total = round((time.perf_counter() - condensed.started) * 1000, 1)
            yield replace(compare_answer(condensed.question, answers, tuple(side.label for side in pair)),
                          query=condensed.question, timings={"total_ms": total})
            return
        retrieved = self.retrieve(condensed, options)
        for item in self.read(retrieved, options):
            yield self.cite(item, retrieved) if isinstance(item, Answer) else item

    def run(self, request: Request, options: AskOptions = AskOptions()) -> Answer:
        answer = None
        for item in self.stream(request, options):
            answer = item
        if not isinstance(answer, Answer):
            raise AssistantError("the answerer ended without an answer")
        return answer


def went_on_from(history: list[str]) -> int:
    """Where the question a conversation's requests for more go on from is: its latest that is not one."""
    first = len(history) - 1
    while first > 0 and asks_for_more(history[first]):
        first -= 1
    return first
