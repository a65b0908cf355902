"""Questions: the reader, the answerers, the abstention threshold and the chain that puts them together."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from langchain_core.runnables import RunnableConfig

from . import chain as steps
from .citations import Answer, Draft
from .errors import AssistantError
from .locking import ReadWriteLock
from .retrieval import Filters, HybridRetriever, Retriever
from .settings import MAX_K, Settings


class Questions:
    """Answers questions against an `Index`; `chain` is the runnable every front end calls."""

    def __init__(self, settings: Settings, index, lock: ReadWriteLock) -> None:
        self.settings, self.index, self.lock = settings, index, lock
        self.retriever = Retriever.from_settings(index, settings.retrieval)
        self._reader = None
        self._answerers: dict[str, object] = {}
        self._checked: dict[tuple[str, str], bool] = {}  # (document hash, question) → the reader answers it
        self.chain = steps.build(self._condense, self._retrieve, self._read)

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
                              retrieval_weight=s.retrieval_weight,
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
                        reader, self.index, model_path=Path(s.model_path) if s.model_path else None,
                        threads=s.threads, **common)
                else:
                    self._answerers[name] = generation.OpenAIAnswerer(
                        reader, self.index, base_url=s.openai_base_url, model=s.openai_model,
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

    def langchain_retriever(self, k: int | None = None, since: str | None = None, until: str | None = None,
                            outlets: list[str] | None = None) -> HybridRetriever:
        """The hybrid search as a LangChain `BaseRetriever`, to compose into other LangChain code."""
        return HybridRetriever(retriever=self.retriever.with_options(k=k),
                               filters=Filters(iso_date(since, "since"), iso_date(until, "until"), tuple(outlets or ())))

    # -- the chain's steps -----------------------------------------------------------
    def _condense(self, request: steps.Request) -> steps.Condensed:
        from .conversation import rewrite

        question = check_question(request.question, self.settings.max_question_chars)
        return steps.Condensed(question, rewrite(question, list(request.history)))

    def _retrieve(self, condensed: steps.Condensed, config: RunnableConfig) -> steps.Retrieved:
        opts = steps.options(config)
        if opts["k"] is not None and not 1 <= int(opts["k"]) <= MAX_K:
            raise AssistantError(f"k must be between 1 and {MAX_K}, not {opts['k']}")
        filters = Filters(iso_date(opts["since"], "since"), iso_date(opts["until"], "until"), tuple(opts["outlets"] or ()))
        retriever = self.retriever.with_options(k=opts["k"])
        self.index.follow(self.lock)  # another process wrote: reload before searching
        with self.lock.reading():
            if not self.index.catalog:
                raise AssistantError("the index is empty: add documents first with `assistant ingest PATH`")
            passages = retriever.retrieve(condensed.query, filters)
            texts = self.index.store.texts({p.source for p in passages})
            return steps.Retrieved(condensed, passages, texts, len(self.index.catalog))

    def _read(self, retrieved: steps.Retrieved, config: RunnableConfig) -> Iterator[Draft | Answer]:
        from .suggestions import is_vague

        if is_vague(retrieved.condensed.query):  # "what happened?": abstain and offer questions to ask instead
            yield self._too_vague(retrieved)
            return
        answerer = self.answerer(steps.options(config)["answerer"])
        yield from answerer.answer_stream(retrieved.condensed.query, retrieved.passages, retrieved.texts, retrieved.searched)

    def _too_vague(self, retrieved: steps.Retrieved) -> Answer:
        from .answering import too_vague

        nearest = list(dict.fromkeys(p.source for p in retrieved.passages))
        suggestions = self.suggestions(nearest)
        return Answer(retrieved.condensed.question, too_vague(suggestions), True, [], nearest, answerer="reader",
                      abstain_reason="vague", searched=retrieved.searched, suggestions=suggestions)

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
            docs = docs[: n + 2]  # a few spare articles, for candidates the reader does not answer
            texts = self.index.store.texts([d.id for d in docs])
        hashes = {d.id: d.sha256 for d in docs}
        return suggest(docs, texts, n, lambda q, doc_id: self._answers_from(q, doc_id, hashes[doc_id]))

    def _answers_from(self, question: str, doc_id: str, sha256: str) -> bool:
        """The reader answers `question` from `doc_id`, with a short answer next to the question's subject."""
        from .suggestions import answers_about

        key = (sha256, question)
        if key not in self._checked:
            retrieved = self.retrieve(question)
            answer = self.answerer("reader").answer(question, retrieved.passages, retrieved.texts, retrieved.searched)
            self._checked[key] = (not answer.abstained and answer.citations[0].source == doc_id
                                  and answers_about(question, answer.short, answer.citations[0].text))
        return self._checked[key]

    def retrieve(self, question: str, **opts) -> steps.Retrieved:
        """The first half of the chain alone (condense → retrieve): what the reader would read."""
        return self._retrieve(self._condense(steps.Request(question)), config(**opts))

    # -- front-end calls ----------------------------------------------------------------
    def ask(self, question: str, k: int | None = None, history: list[str] | None = None, answerer: str | None = None,
            since: str | None = None, outlets: list[str] | None = None, until: str | None = None) -> Answer:
        """Answer one question with citations, or abstain (see `chain` for the options)."""
        return self.chain.invoke(steps.Request(question, tuple(history or ())),
                                 config=config(k=k, answerer=answerer, since=since, until=until, outlets=outlets))

    def stream(self, question: str, k: int | None = None, history: list[str] | None = None, answerer: str | None = None,
               since: str | None = None, outlets: list[str] | None = None, until: str | None = None
               ) -> Iterator[str | Answer]:
        """Yield the answer text as it grows (`Draft`s), then the final, verified `Answer`.

        An LLM answerer's text is a draft until the citation check has kept or dropped each sentence;
        the reader's answer is ready at once and is revealed a few words at a time."""
        run = config(k=k, answerer=answerer, since=since, until=until, outlets=outlets)
        for item in self.chain.stream(steps.Request(question, tuple(history or ())), config=run):
            if isinstance(item, Answer) and item.answerer == "reader":
                words = item.answer.split(" ")
                for i in range(0, len(words), 4):
                    yield Draft(" ".join(words[: i + 4]))
            yield item


def config(**opts) -> RunnableConfig:
    return {"configurable": {k: v for k, v in opts.items() if v is not None}}


def check_question(question: str, limit: int) -> str:
    question = " ".join(clean_text(question or "").split())
    if not question:
        raise AssistantError("the question is empty")
    if len(question) > limit:
        raise AssistantError(f"the question is {len(question)} characters long; the limit is {limit}")
    return question


def clean_text(text: str) -> str:
    """Terminal escape sequences are dropped whole ("\\x1b[31m", pasted from a coloured terminal, would leave
    "[31m" for the reader to puzzle over); other control characters become spaces; unpaired surrogates
    (invalid Unicode) are refused."""
    if re.search(r"[\ud800-\udfff]", text):
        raise AssistantError("the question is not valid Unicode text (it holds an unpaired surrogate)")
    text = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", " ", text)
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", text)


def iso_date(value: str | None, name: str = "since") -> str | None:
    """Validate a YYYY-MM-DD (or YYYY-MM, YYYY) date filter; a time after a full date (a picker's) is dropped."""
    from datetime import date

    value = (value or "").strip()
    if not value:
        return None
    found = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[ T][\d:.]+)?|\d{4}(?:-(?:0[1-9]|1[0-2]))?", value)
    try:
        if not found:
            raise ValueError(value)
        if found.group(1):
            date.fromisoformat(found.group(1))  # a real day: not 2024-02-30
    except ValueError:
        raise AssistantError(f"--{name} must be a date like 2024-01-31, not {value!r}") from None
    return found.group(1) or value
