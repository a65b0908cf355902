"""LangChain at the edge: the hybrid search as a `BaseRetriever` and the question path as a `Runnable`.

Nothing in the package needs these; they let the assistant compose into other LangChain code
(`retriever | format_docs | prompt | llm`, `.batch`, tracing). Importing this module is what loads LangChain.
"""

from __future__ import annotations

from typing import Any, Iterator

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import ConfigDict

from .ask import AskPipeline, Request
from .citations import Answer, Draft
from .options import AskOptions
from .retrieval import Filters, Passage, Retriever


def to_document(passage: Passage) -> LCDocument:
    """A passage as a LangChain `Document`: its text, with ids, offsets, metadata and scores in `metadata`."""
    data = passage.to_dict()
    return LCDocument(page_content=data.pop("text"), id=data["chunk_id"], metadata=data)


class HybridRetriever(BaseRetriever):
    """The hybrid search as a LangChain retriever: `HybridRetriever.of(assistant, AskOptions(k=3))`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any
    filters: Any = Filters()

    @classmethod
    def of(cls, assistant, options: AskOptions = AskOptions()) -> "HybridRetriever":
        retriever: Retriever = assistant.questions.retriever
        return cls(retriever=retriever.with_options(k=options.k), filters=options.filters)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        return [to_document(p) for p in self.retriever.retrieve(query, self.filters)]


class AskRunnable(Runnable[Request, Answer]):
    """The question path as a LangChain runnable. Options come from `config["configurable"]` (k, since, until,
    outlets, answerer); `.stream` yields `Draft`s and then the `Answer`, `.invoke` returns the `Answer`."""

    def __init__(self, pipeline: AskPipeline) -> None:
        self.pipeline = pipeline

    @classmethod
    def of(cls, assistant) -> "AskRunnable":
        return cls(assistant.questions.pipeline)

    @staticmethod
    def options(config: RunnableConfig | None) -> AskOptions:
        given = (config or {}).get("configurable", {})
        return AskOptions(k=given.get("k"), since=given.get("since"), until=given.get("until"),
                          outlets=tuple(given.get("outlets") or ()), answerer=given.get("answerer"))

    def invoke(self, input: Request, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        return self._call_with_config(lambda request: self.pipeline.run(request, self.options(config)), input, config)

    def stream(self, input: Request, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Draft | Answer]:
        yield from self.pipeline.stream(input, self.options(config))
