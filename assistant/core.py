"""`Assistant`: the one facade the CLI, the Gradio app and the eval runner call.

It owns the index, the retriever and the answerer, so front ends stay thin:
they pass questions and paths in and render `Answer`s and `IngestReport`s out.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

from .citations import Answer
from .documents import discover
from .errors import AssistantError
from .index import Index, IngestReport
from .locking import ReadWriteLock
from .settings import Settings


class Assistant:
    """Ask questions about the indexed corpus and add documents to it."""

    def __init__(self, settings: Settings | None = None, embeddings=None) -> None:
        self.settings = settings or Settings()
        self.index = Index(self.settings, embeddings=embeddings)
        self._retriever = None
        self._reader = None
        self._answerers: dict[str, object] = {}
        self._lock = ReadWriteLock()  # questions share the index; writes (upload, remove, sync) have it alone

    # -- corpus ------------------------------------------------------------------
    def ingest(self, paths: list, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Add files, folders and http(s) URLs; a bad one is reported and skipped, the rest still go in."""
        found = discover(list(paths))
        with self._lock.writing():
            return self._ingest(found, progress)

    def sync(self, folder: Path, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Make the index mirror `folder`: add new files, re-index changed ones, remove documents whose file is gone.

        A file that is still there but fails to load keeps its indexed version (nothing stored is lost).
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise AssistantError(f"{folder}: not a folder")
        from .formats import owned_ids

        found = discover([folder])
        with self._lock.writing():
            report = self._ingest(found, progress)
            known = list(self.index.documents)
            keep = {d for d, _ in report.added + report.updated} | set(report.unchanged)
            keep |= {d for file_id, _ in report.failed for d in owned_ids(file_id, known)}  # broken file: keep its old version
            report.removed = self.index.remove([d for d in known if d not in keep])
        return report

    def remove(self, doc_ids: list[str], delete_files: bool = False) -> IngestReport:
        """Remove documents by id; unknown ids are reported as failed.

        With `delete_files`, a removed document's file in the corpus folder is deleted too, so the
        next `sync` (which `make run` does) does not bring it back. Index first, then the file:
        a crash in between leaves a file that the next sync simply re-adds.
        """
        with self._lock.writing():
            report = IngestReport(removed=self.index.remove(doc_ids))
        report.failed = [(d, f"{d}: no such document in the index") for d in doc_ids if d not in report.removed]
        if delete_files:
            corpus = Path(self.settings.corpus_dir).resolve()
            for doc_id in report.removed:
                file = (corpus / doc_id).resolve()
                if file.is_relative_to(corpus) and file.is_file():
                    file.unlink()
        return report

    def upload(self, files: list[Path], progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Add uploaded files: each is checked (type, size, readable), copied into the corpus folder, then indexed.

        A file is copied only once it has been read successfully, so a bad upload leaves the
        corpus folder and the index as they were. The document id is the file name, the same id
        `sync` gives it in the corpus folder.
        """
        from .formats import read_file

        corpus = Path(self.settings.corpus_dir)
        max_bytes = int(self.settings.max_file_mb * 1_000_000)
        failed, docs, accepted = [], [], []
        for file in map(Path, files):
            name = file.name
            try:
                if name.startswith("."):  # `sync` skips hidden files, so it would remove this one again
                    raise AssistantError(f"{name}: hidden files (names starting with '.') are not indexed")
                docs.extend(read_file(file, name, max_bytes))  # checks type and size, then parses
                accepted.append(file)
            except (AssistantError, OSError) as exc:
                failed.append((name, str(exc)))
        corpus.mkdir(parents=True, exist_ok=True)
        for file in accepted:
            target = corpus / file.name
            tmp = target.with_name(f".{file.name}.upload")
            shutil.copyfile(file, tmp)
            os.replace(tmp, target)
        with self._lock.writing():
            report = self.index.add(docs, progress=progress)
        report.failed = failed + report.failed
        return report

    def outlets(self) -> list[str]:
        """The outlets named by indexed documents, for the source filter."""
        with self._lock.reading():
            return sorted({rec["outlet"] for rec in self.index.documents.values() if rec.get("outlet")})

    def documents(self) -> list[dict]:
        """Every indexed document with its metadata, chunk count and when it was indexed."""
        with self._lock.reading():
            return [
                {"id": doc_id, "title": rec.get("title", doc_id), "outlet": rec.get("outlet"), "published": rec.get("published"),
                 "url": rec.get("url"), "chunks": len(rec["chunks"]), "indexed_at": rec.get("indexed_at"),
                 "near_duplicates": list(rec.get("near_duplicates", []))}
                for doc_id, rec in sorted(self.index.documents.items())
            ]

    def _ingest(self, found: list, progress) -> IngestReport:
        from .formats import read_file, read_html
        from .web import fetch_html

        failed, docs = [], []
        max_bytes = int(self.settings.max_file_mb * 1_000_000)
        for source in found:
            try:
                if source.error:
                    raise AssistantError(source.error)
                if source.is_url:
                    html, final_url = fetch_html(source.location, max_bytes, self.settings.fetch_timeout)
                    docs.append(read_html(source.doc_id, html, url=final_url))
                else:
                    docs.extend(read_file(Path(source.location), source.doc_id, max_bytes))
            except (AssistantError, OSError) as exc:
                failed.append((source.doc_id, str(exc)))
        report = self.index.add(docs, progress=progress)
        report.failed = failed + report.failed
        return report

    # -- questions ---------------------------------------------------------------
    @property
    def retriever(self):
        if self._retriever is None:
            from .retrieval import HybridRetriever

            s = self.settings
            self._retriever = HybridRetriever(
                index=self.index, k=s.k, candidates=s.candidates, fusion=s.fusion, weights=s.evidence_weights,
                rrf_k=s.rrf_k, dense_weight=s.dense_weight, bm25_weight=s.bm25_weight,
            )
        return self._retriever

    @property
    def reader(self):
        """The reading model, loaded on first use (int8 ONNX, shipped in the package)."""
        if self._reader is None:
            from .reader import MODEL_DIR, MODEL_FILE, Reader

            s = self.settings
            self._reader = Reader(Path(s.reader_model) if s.reader_model else MODEL_DIR / MODEL_FILE,
                                  s.model_path() / "tokenizer.json", s.threads)
        return self._reader

    @property
    def answerer(self):
        """The answerer named in the settings."""
        return self.get_answerer(self.settings.answerer)

    def reader_answerer(self, threshold: float | None = None):
        """The reader answerer at `threshold` (default: the one in force)."""
        from .answering import ReaderAnswerer

        s = self.settings
        return ReaderAnswerer(self.reader, passages=s.answer_passages, max_words=s.max_answer_words,
                              retrieval_weight=s.retrieval_weight,
                              threshold=self.threshold()[0] if threshold is None else threshold)

    def get_answerer(self, name: str):
        """`reader`, `llama` or `openai`, built on first use; the LLM ones phrase the reader's answer."""
        name = "reader" if name == "extractive" else name  # the earlier name, still accepted by the CLI and API
        if name not in self._answerers:
            reader = self._answerers.get("reader") or self.reader_answerer()
            self._answerers["reader"] = reader
            if name in ("llama", "openai"):
                from . import generation

                s = self.settings
                common = dict(passages=s.answer_passages, max_tokens=s.llm_max_tokens,
                              min_lexical=s.support_min_lexical, min_semantic=s.support_min_semantic)
                if name == "llama":
                    self._answerers[name] = generation.LlamaAnswerer(
                        reader, self.index, model_path=Path(s.llm_model_path) if s.llm_model_path else None,
                        threads=s.threads, **common)
                else:
                    self._answerers[name] = generation.OpenAIAnswerer(
                        reader, self.index, base_url=s.openai_base_url, model=s.openai_model,
                        api_key=s.openai_api_key.get_secret_value(), **common)
            elif name != "reader":
                raise AssistantError(f"unknown answerer {name!r} (choose reader, llama or openai)")
        return self._answerers[name]

    def threshold(self) -> tuple[float, str]:
        """The abstention threshold in force and where it comes from (settings, calibration, default)."""
        from . import calibration

        if self.settings.abstain_threshold is not None:
            return self.settings.abstain_threshold, "settings"
        fitted = calibration.load(self.settings.index_dir)
        if fitted is not None:
            return fitted.threshold, "calibration"
        return self.reader.default_threshold, "model card"

    def ask(self, question: str, k: int | None = None, history: list[str] | None = None,
            answerer: str | None = None, since: str | None = None, outlets: list[str] | None = None,
            until: str | None = None) -> Answer:
        """Answer one question with citations, or abstain.

        `history` holds the earlier queries of a conversation (oldest first): a follow-up
        such as "and who is her sister?" is completed from them before searching.
        `answerer` picks reader, llama or openai for this question (default: settings).
        `since`/`until` (ISO dates, inclusive) and `outlets` restrict which documents may answer.
        """
        return self._ask(self.get_answerer(answerer or self.settings.answerer), question, k, history, since, outlets, until)

    def _ask(self, answerer, question: str, k: int | None, history: list[str] | None = None,
             since: str | None = None, outlets: list[str] | None = None, until: str | None = None,
             on_draft: Callable[[str], None] | None = None) -> Answer:
        from .conversation import rewrite

        question = self._check_question(question)
        query = rewrite(question, history or [])
        update = {key: value for key, value in {"k": k, "since": _iso_date(since, "since"), "until": _iso_date(until, "until"),
                                                     "outlets": tuple(outlets or ())}.items()
                  if value}
        retriever = self.retriever.model_copy(update=update) if update else self.retriever
        with self._lock.reading():
            if not self.index.documents:
                raise AssistantError("the index is empty: add documents first with `assistant ingest PATH`")
            t0 = time.perf_counter()
            passages = retriever.invoke(query)
            t1 = time.perf_counter()
            texts = {p.metadata["source"]: self.index.documents[p.metadata["source"]]["text"] for p in passages}
            extra = {"on_draft": on_draft} if on_draft else {}
            answer = answerer.answer(query, passages, texts, searched_docs=len(self.index.documents), **extra)
        answer.question, answer.query = question, query
        t2 = time.perf_counter()
        answer.timings = {
            "retrieve_ms": round((t1 - t0) * 1000, 1),
            "answer_ms": round((t2 - t1) * 1000, 1),
            "total_ms": round((t2 - t0) * 1000, 1),
        }
        answer.passages = [{"text": p.page_content, **p.metadata} for p in passages]
        return answer

    def stream(self, question: str, k: int | None = None, history: list[str] | None = None,
               answerer: str | None = None, since: str | None = None,
               outlets: list[str] | None = None, until: str | None = None) -> Iterator[str | Answer]:
        """Yield the answer text as it grows (`Draft`s), then the final, verified `Answer`.

        An LLM answerer's tokens arrive as they are generated; they are a draft until the
        citation check has kept or dropped each sentence. The reader's answer is ready
        in milliseconds and is revealed a few words at a time.
        """
        chosen = self.get_answerer(answerer or self.settings.answerer)
        args = (chosen, question, k, history, since, outlets, until)
        if not hasattr(chosen, "generate"):
            answer = self._ask(*args)
            words = answer.answer.split(" ")
            for i in range(0, len(words), 4):
                yield Draft(" ".join(words[: i + 4]))
            yield answer
            return
        pieces: queue.Queue = queue.Queue()
        outcome: dict = {}

        def work() -> None:
            try:
                outcome["answer"] = self._ask(*args, on_draft=pieces.put)
            except BaseException as exc:  # handed to the caller below
                outcome["error"] = exc
            finally:
                pieces.put(None)

        threading.Thread(target=work, daemon=True).start()
        text = ""
        while (piece := pieces.get()) is not None:
            text += piece
            yield Draft(text.strip(), checking=True)
        if "error" in outcome:
            raise outcome["error"]
        yield outcome["answer"]

    # -- evaluation --------------------------------------------------------------
    def evaluate(self, question_set: Path, k: int | None = None, progress: Callable[[int, int], None] | None = None,
                 answerer: str | None = None):
        """Run a JSONL question set against this index; returns an `EvalRun` with results and summary."""
        from .evaluation import load_cases, run_cases

        cases = load_cases(question_set)
        known = set(self.index.documents)
        missing = sorted({s for case in cases for s in case.sources if s not in known})
        if missing:
            raise AssistantError(
                f"{len(missing)} gold document(s) of {Path(question_set).name} are not in the index "
                f"{self.settings.index_dir} (e.g. {missing[0]}); ingest them first"
            )
        threshold, source = self.threshold()
        chosen = self.get_answerer(answerer or self.settings.answerer)
        meta = {"answerer": chosen.name, "k": k or self.settings.k, "index": str(self.settings.index_dir),
                "abstain_threshold": threshold, "threshold_source": source}

        def ask(question: str, k: int | None = None) -> Answer:
            return self._ask(chosen, question, k)

        return run_cases(ask, cases, Path(question_set).stem, k=k, progress=progress, meta=meta)

    def calibrate(self, question_sets: list[Path], max_false_abstention: float = 0.10,
                  progress: Callable[[int, int], None] | None = None):
        """Fit the abstention threshold on labelled sets and store it with the index."""
        from . import calibration
        from .evaluation import load_cases

        cases = [(Path(path).name, case) for path in question_sets for case in load_cases(path)]
        probe = self.reader_answerer(threshold=float("-inf"))
        points = []
        for i, (_, case) in enumerate(cases, start=1):
            answer = self._ask(probe, case.question, None)
            points.append((answer.evidence, case.answerable, answer.abstained))  # no span at all: refused at any threshold
            if progress:
                progress(i, len(cases))
        fitted = calibration.fit(points, max_false_abstention, [Path(p).name for p in question_sets],
                                 sets=[name for name, _ in cases])
        calibration.save(self.settings.index_dir, fitted)
        self._answerers = {}  # the next question uses the new threshold
        return fitted

    def _check_question(self, question: str) -> str:
        question = " ".join(_clean_text(question or "").split())
        if not question:
            raise AssistantError("the question is empty")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise AssistantError(f"the question is {len(question)} characters long; the limit is {limit}")
        return question


def _clean_text(text: str) -> str:
    """Terminal escape sequences are dropped whole ("\x1b[31m", pasted from a coloured terminal, would leave
    "[31m" for the reader to puzzle over); other control characters become spaces; unpaired surrogates
    (invalid Unicode) are refused."""
    import re

    if re.search(r"[\ud800-\udfff]", text):
        raise AssistantError("the question is not valid Unicode text (it holds an unpaired surrogate)")
    text = re.sub(r"\x1b\[[0-?]*[ -/]*[@-~]", " ", text)
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", text)


class Draft(str):
    """Answer text still being written; `checking` means it has not yet passed the citation check."""

    checking: bool = False

    def __new__(cls, text: str, checking: bool = False) -> "Draft":
        draft = super().__new__(cls, text)
        draft.checking = checking
        return draft


def _iso_date(value: str | None, name: str = "since") -> str | None:
    """Validate a YYYY-MM-DD (or YYYY-MM, YYYY) date filter."""
    import re

    value = (value or "").strip()
    if value and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise AssistantError(f"--{name} must be a date like 2024-01-31, not {value!r}")
    return value or None
