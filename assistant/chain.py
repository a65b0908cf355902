"""The question path as one typed LangChain runnable: condense → retrieve → read → cite.

    Request ──condense──▶ Condensed ──retrieve──▶ Retrieved ──read──▶ Draft… Answer ──cite──▶ Answer

The CLI, the app and the eval runner all call it (`.invoke`, `.batch`, `.stream`). Per-request
options travel in the `RunnableConfig`: ``config={"configurable": {"k": 3, "since": "2024-01-01",
"until": None, "outlets": ["Reuters"], "answerer": "llama"}}``. `read` is a generator: an LLM
answerer's unchecked text streams out as `Draft`s before the verified `Answer`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator

from langchain_core.runnables import Runnable, RunnableConfig, RunnableGenerator, RunnableLambda

from .citations import Answer, Draft
from .retrieval import Passage

OPTIONS = ("k", "since", "until", "outlets", "answerer")


@dataclass(frozen=True)
class Request:
    """A question and the earlier questions of its conversation (oldest first)."""

    question: str
    history: tuple[str, ...] = ()


@dataclass(frozen=True)
class Condensed:
    question: str  # as asked (cleaned)
    query: str  # what is searched: the question, or a follow-up completed from the history
    started: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class Retrieved:
    condensed: Condensed
    passages: list[Passage]
    texts: dict[str, str]  # full text of each passage's document (citations point into it)
    searched: int  # documents in the index
    retrieved_at: float = field(default_factory=time.perf_counter)


def options(config: RunnableConfig | None) -> dict:
    """The per-request options of a run (unknown keys are ignored)."""
    given = (config or {}).get("configurable", {})
    return {key: given.get(key) for key in OPTIONS}


@dataclass(frozen=True)
class Read:
    """One streamed item of the read step, with what it was read from (for `cite`)."""

    retrieved: Retrieved
    item: Draft | Answer

    def __add__(self, later: "Read") -> "Read":  # a later item supersedes (LCEL adds streamed chunks)
        return later


def build(condense, retrieve, read) -> Runnable:
    """Compose the steps: `condense(Request)`, `retrieve(Condensed)` and the generator `read(Retrieved)`,
    each called with `(value, config)`."""

    def read_step(retrieved: Retrieved, config: RunnableConfig) -> Iterator[Read]:
        for item in read(retrieved, config):
            yield Read(retrieved, item)

    def cite(reads: Iterator[Read]) -> Iterator[Draft | Answer]:
        """Drafts pass through; the answer gets its question, query, passages and timings."""
        for read_item in reads:
            if isinstance(read_item.item, Answer):
                _attach(read_item.item, read_item.retrieved)
            yield read_item.item

    chain = (RunnableLambda(condense, name="condense") | RunnableLambda(retrieve, name="retrieve")
             | RunnableLambda(read_step, name="read") | RunnableGenerator(cite, name="cite"))
    return chain.with_types(input_type=Request, output_type=Answer)


def _attach(answer: Answer, retrieved: Retrieved) -> None:
    now = time.perf_counter()
    condensed = retrieved.condensed
    answer.question, answer.query = condensed.question, condensed.query
    answer.passages = [p.to_dict() for p in retrieved.passages]
    answer.timings = {
        "retrieve_ms": round((retrieved.retrieved_at - condensed.started) * 1000, 1),
        "answer_ms": round((now - retrieved.retrieved_at) * 1000, 1),
        "total_ms": round((now - condensed.started) * 1000, 1),
    }
