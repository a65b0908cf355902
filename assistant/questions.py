"""Questions: the reader, the answerers, the refusal threshold, suggested questions, and the front ends' calls
into the question path (`ask.AskPipeline`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

from .ask import AskPipeline, Request
from .citations import Answer, Draft, Quoted
from .errors import AssistantError
from .locking import ReadWriteLock
from .options import AskOptions
from .retrieval import Retriever
from .settings import Settings

STORY_FOLLOW_UPS = ("What happened next?", "Tell me more")  # offered when the conversation can go on with them


class Questions:
    """Answers questions against an `Index`: `ask` and `stream`, with typed options, for every front end."""

    def __init__(self, settings: Settings, index, lock: ReadWriteLock) -> None:
        self.settings, self.index, self.lock = settings, index, lock
        self.retriever = Retriever.from_settings(index, settings.retrieval)
        self._reader = None
        self._answerers: dict[str, object] = {}
        self._checked: dict[tuple[str, str], bool] = {}  # (document hash, question) → the reader answers it
        self.pipeline = AskPipeline(index, lock, self.retriever, settings, self.answerer, self.suggestions)

    # -- front-end calls ----------------------------------------------------------------
    def ask(self, question: str, options: AskOptions = AskOptions(), history: Sequence[str] = (),
            said: Sequence[Quoted] | None = None) -> Answer:
        """Answer one question with citations, or abstain; `said`: what the conversation's answers quoted (None:
        "tell me more" asks the history again to know)."""
        return self.pipeline.run(Request(question, tuple(history), said=said), options)

    def stream(self, question: str, options: AskOptions = AskOptions(), history: Sequence[str] = (),
               said: Sequence[Quoted] | None = None) -> Iterator[Draft | Answer]:
        """Yield the answer text as it grows (`Draft`s), then the final, verified `Answer`.

        An LLM answerer's text is a draft until the citation check has kept or dropped each sentence;
        the reader's answer is ready at once and is revealed a few words at a time."""
        for item in self.pipeline.stream(Request(question, tuple(history), said=said), options):
            if isinstance(item, Answer) and item.answerer == "reader":
                words = item.answer.split(" ")
                for i in range(0, len(words), 4):
                    yield Draft(" ".join(words[: i + 4]))
            yield item

    def timeline(self, question: str, options: AskOptions = AskOptions()) -> list:
        """The question's story as `timeline.Event`s: one dated, cited sentence per article, oldest first."""
        from .timeline import build_timeline

        return build_timeline(self.pipeline, self.reader, question, options)

    def retrieve(self, question: str, options: AskOptions = AskOptions()):
        """The first half of the path alone (condense → retrieve): what the reader would read."""
        return self.pipeline.retrieve(self.pipeline.condense(Request(question)), options)

    # -- components --------------------------------------------------------------
    @property
    def reader(self):
        """The reading model, loaded on first use (int8 ONNX, shipped in the package)."""
        if self._reader is None:
            from .reader import MODEL_DIR, MODEL_FILE, Reader

            s = self.settings.reading
            self._reader = Reader(Path(s.model) if s.model else MODEL_DIR / MODEL_FILE, s.tokenizer, s.threads)
        return self._reader

    def reader_answerer(self, threshold: float | None = None):
        """The reader answerer refusing under `threshold`, a probability (default: the one in force)."""
        from .answering import ReaderAnswerer

        s = self.settings.reading
        return ReaderAnswerer(self.reader, self.reader.confidence_model, passages=s.passages, max_words=s.max_words,
                              retrieval_weight=s.retrieval_weight, context=s.context,
                              refuse_below=self.threshold()[0] if threshold is None else threshold)

    def answerer(self, name=None):
        """`reader`, `llama` or `openai` (default: the settings'), built on first use; the LLM ones phrase the
        reader's answer. An answerer object (anything with `answer_stream`) is used as it is."""
        if hasattr(name, "answer_stream"):
            return name
        name = name or self.settings.answerer
        name = "reader" if name == "extractive" else name  # the earlier name, still accepted by the CLI and API
        if name not in self._answerers:
            reader = self._answerers.get("reader") or self.reader_answerer()
            self._answerers["reader"] = reader
            if name in ("llama", "openai"):
                from . import generation

                s = self.settings.llm
                common = dict(passages=s.passages, max_tokens=s.max_tokens, min_lexical=s.min_lexical,
                              min_semantic=s.min_semantic)
                if name == "llama":
                    self._answerers[name] = generation.LlamaAnswerer(
                        reader, self.index.embeddings, model_path=Path(s.model_path) if s.model_path else None,
                        threads=s.threads, **common)
                else:
                    self._answerers[name] = generation.OpenAIAnswerer(
                        reader, self.index.embeddings, base_url=s.openai_base_url, model=s.openai_model,
                        api_key=s.openai_api_key.get_secret_value(), **common)
            elif name != "reader":
                raise AssistantError(f"unknown answerer {name!r} (choose reader, llama or openai)")
        return self._answerers[name]

    def threshold(self) -> tuple[float, str]:
        """The refusal threshold in force, a probability that the answer is right, and where it comes from
        (settings, calibration, model card)."""
        from .calibration import load

        if self.settings.abstain_threshold is not None:
            return self.settings.abstain_threshold, "settings"
        fitted = load(self.index)
        if fitted is not None and 0.0 <= fitted.threshold <= 1.0:  # older ones were on the raw reader score
            return fitted.threshold, "calibration"
        return self.reader.default_threshold, "model card"

    def forget_answerers(self) -> None:
        """Rebuild answerers on next use (after a new calibration)."""
        self._answerers = {}

    # -- suggested questions ---------------------------------------------------------------
    def examples(self, n: int = 3) -> list[str]:
        """`n` questions from the newest articles that the reader answers from them (the landing page)."""
        from .suggestions import newest

        self.index.follow(self.lock)
        with self.lock.reading():
            ids = [d.id for d in newest(self.index.catalog.values())]
        return self.suggestions(ids, n, newest_after=False)

    def suggestions(self, doc_ids: list[str], n: int = 3, newest_after: bool = True) -> list[str]:
        """`n` questions from these articles (then the newest ones), each answered by the reader from the
        article it was built from; checks are cached per document hash, so a repeat costs nothing."""
        from .suggestions import newest, suggest

        with self.lock.reading():
            catalog = self.index.catalog
            docs = [catalog[i] for i in dict.fromkeys(doc_ids) if i in catalog]
            if newest_after:
                docs += [d for d in newest(catalog.values()) if d.id not in doc_ids]
            # spare articles: one whose questions all fail the check is passed over, and only when all of these
            # fail does an article give a second question (with n + 2, one article could give two of three)
            docs = docs[: 2 * n + 2]
            texts = self.index.texts([d.id for d in docs])
        hashes = {d.id: d.sha256 for d in docs}
        return suggest(docs, texts, n, lambda q, doc_id: self._answers_from(q, doc_id, hashes[doc_id]))

    def follow_ups(self, answer: Answer, n: int = 3, history: Sequence[str] = (), options: AskOptions = AskOptions(),
                   said: Sequence[Quoted] | None = None) -> list[str]:
        """Up to `n` questions to ask next (none for a refusal): "What happened next?" when a later article goes on
        with the story, questions about the articles it cites that the reader answers from them (checked like the
        landing examples), and "Tell me more" when the articles have more to say. The story ones are asked in the
        conversation to check them (`history`, ending with the answer's question or not; its options; `said`, what
        its answers quoted): each is offered only if it is answered, the first from a later article."""
        if answer.abstained or not answer.citations:
            return []
        asked = answer.question.casefold().strip(" ?")
        found = self.suggestions([c.source for c in answer.citations], n + 1, newest_after=False)
        found = [q for q in found if q.casefold().strip(" ?") != asked]
        if answer.form == "compare":  # two stories: neither goes on alone
            return found[:n]
        asked_as = answer.query or answer.question
        earlier = list(history) if history and history[-1] == asked_as else [*history, asked_as]
        story = [q for q in STORY_FOLLOW_UPS if self.answered_after(q, answer, earlier, replace(options, answerer="reader"), said)]
        return (story[:1] + found + story[1:])[:n]

    def answered_after(self, question: str, answer: Answer, history: list[str], options: AskOptions,
                       said: Sequence[Quoted] | None) -> bool:
        """Is `question` ("What happened next?", "Tell me more"), asked after `answer`, answered with something new:
        for "next", only from articles published after all the answer cites?"""
        then = self.ask(question, options, history, said)
        if then.abstained or not then.citations:
            return False
        if question != STORY_FOLLOW_UPS[0]:
            return True
        dates = {p.source: p.meta.published or "" for p in [*answer.passages, *then.passages]}
        told = max(dates.get(c.source, "") for c in answer.citations)
        return bool(told) and all(dates.get(c.source, "") > told for c in then.citations)

    def _answers_from(self, question: str, doc_id: str, sha256: str) -> bool:
        """The reader answers `question` from `doc_id`, with a short answer next to the question's subject."""
        from .suggestions import answers_about, is_vague

        key = (sha256, question)
        if key not in self._checked:
            answer = None if is_vague(question) else self.ask(question, AskOptions(answerer="reader"))
            self._checked[key] = (answer is not None and not answer.abstained and answer.citations[0].source == doc_id
                                  and answers_about(question, answer.short, answer.citations[0].text))
        return self._checked[key]

