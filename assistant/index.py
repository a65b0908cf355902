"""The on-disk index: Chroma for vectors, bm25s for words, a JSON document store, and a manifest.

Layout of the index folder::

    manifest.json    embedding model fingerprint + chunk settings the index was built with
    documents.json   every document's text, metadata, content hash and chunk spans
    chroma/          Chroma persistent store (cosine space; we embed, Chroma stores): one
                     collection of chunks, one of their sentences (`<name>_sentences`)
    bm25/            bm25s model over the same chunks, and the chunk id of each row

The document store is the source of truth for chunk text and offsets; Chroma
and BM25 are derived from it. Writes go vectors first (upserts, so a rerun
after a crash overwrites rather than duplicates), then BM25, then the store,
each file replaced atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import bisect
import logging
import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import recovery
from .bm25 import BM25Index
from .chunking import Chunk, chunk_document, sentence_units
from .documents import Document
from .embeddings import DEFAULT_BACKEND
from .errors import AssistantError, IndexMismatchError
from .manifest import build_manifest, check_manifest
from .settings import Settings
from .stores import open_stores
from .vectors import check_supported, write as write_vectors


@dataclass
class IngestReport:
    """What an ingest changed, for the CLI and the UI to print."""

    added: list[tuple[str, int]] = field(default_factory=list)
    updated: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (skipped id, id with the same text)
    linked: list[tuple[str, str]] = field(default_factory=list)  # near-duplicate stories, linked both ways

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed"
            + (f", {len(self.duplicates)} duplicate" if self.duplicates else "")
            + (f", {len(self.linked)} near-duplicate pair(s) linked" if self.linked else "")
        )


def _write_json(path: Path, data) -> None:
    """Write JSON via a temp file and rename, so a crash never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Index:
    """Open (or create) the index in `settings.index_dir`; the embedder loads on first use."""

    def __init__(self, settings: Settings, embeddings=None, *, resuming_rebuild: bool = False) -> None:
        self.settings = settings
        self.root = Path(settings.index_dir)
        self._embeddings = embeddings
        self._stores: tuple | None = None
        self._bm25: BM25Index | None = None
        self._lock = threading.Lock()  # the app warms the embedder in a thread while requests may arrive
        self.documents: dict[str, dict] = {}
        self.warnings: list[str] = []  # problems found at open that answers work around (shown by the front ends)
        if (self.root / recovery.REBUILD).exists() and not resuming_rebuild:
            raise IndexMismatchError(f"a rebuild of {self.root} was interrupted; run `assistant --index {self.root} rebuild` "
                                     f"to finish it (the documents are kept in {recovery.REBUILD})")
        docs_file = self.root / "documents.json"
        if docs_file.exists():
            check_manifest(self.root, self.manifest())
            try:
                self.documents = json.loads(docs_file.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise IndexMismatchError(f"{docs_file} is damaged ({exc}); restore it from a backup or re-ingest "
                                         "with `assistant ingest --rebuild PATH`") from None
            if self.documents:
                self.bm25  # check the BM25 files now, at start, not at the first question

    # -- state -----------------------------------------------------------------
    @property
    def exists(self) -> bool:
        return (self.root / "documents.json").exists()

    def manifest(self) -> dict:
        """What this index's vectors and chunks were made with (see `manifest`)."""
        return build_manifest(self.settings, self.backend, self.sentence_mode)

    def _built_with(self, key: str, before: str, new: str) -> str:
        """The manifest's `key` (`before` for indexes older than that key); `new` when there is no index."""
        path = self.root / "manifest.json"
        return json.loads(path.read_text()).get(key, before) if path.exists() else new

    @property
    def backend(self) -> str:
        """Embedding backend: that of the embedder given, else the settings' choice, else the one the index
        was built with (`torch` before the ONNX backends existed), else the default for new indexes."""
        if self._embeddings is not None:
            return getattr(self._embeddings, "backend", "torch")
        if self.settings.embedder != "auto":
            return self.settings.embedder
        return self._built_with("embedder", "torch", DEFAULT_BACKEND)

    @property
    def sentence_mode(self) -> str:
        """How sentence vectors are made (see `vectors`): the settings' choice, else what the index was built with."""
        if self.settings.sentence_vectors != "auto":
            return self.settings.sentence_vectors
        return self._built_with("sentence_vectors", "standalone", "standalone")

    @property
    def embeddings(self):
        with self._lock:
            if self._embeddings is None:
                from .embeddings import load_embeddings

                s = self.settings
                self._embeddings = load_embeddings(s.model_path(), s.threads, s.embed_batch_size, backend=self.backend,
                                                   cache_dir=s.onnx_cache_dir)
        return self._embeddings

    @property
    def vectorstore(self):
        """Chunk vectors (LangChain Chroma store)."""
        return self._open_stores()[0]

    @property
    def sentence_store(self):
        """Sentence vectors: precomputed so ranking and answering never embed corpus text at query time."""
        return self._open_stores()[1]

    def _open_stores(self) -> tuple:
        embeddings = self.embeddings
        with self._lock:
            if self._stores is None:
                # An empty index folder owns no vectors: on a server, whatever its collections still hold is
                # left from an earlier index (e.g. before `ingest --rebuild`) and is dropped.
                stale = self.remote and not self.documents and not recovery.interrupted(self)
                self._stores = open_stores(self.settings, self.root, embeddings, drop_stale=stale)
        return self._stores

    @property
    def remote(self) -> bool:
        """True when the vectors live on a Chroma server (`chroma_url`), not in `root/chroma`."""
        return bool(self.settings.chroma_url)

    @staticmethod
    def clear_folder(root: Path) -> None:
        """Delete what an index stores in `root`, even one that no longer opens; other files stay."""
        for name in ("documents.json", "manifest.json"):
            (root / name).unlink(missing_ok=True)
        for name in ("chroma", "bm25"):
            shutil.rmtree(root / name, ignore_errors=True)

    @property
    def bm25(self) -> BM25Index:
        if self._bm25 is None:
            folder = self.root / "bm25"
            expected = [f"{d}#{i}" for d, rec in self.documents.items() for i in range(len(rec["chunks"]))]
            loaded, problem = None, "is missing"
            if (folder / "chunk_ids.json").exists():
                try:
                    loaded = BM25Index.load(folder)
                    problem = "" if loaded.ids == expected else "is out of step with documents.json"
                except Exception as exc:  # truncated, garbled or checksum mismatch
                    problem = f"is damaged ({type(exc).__name__}: {str(exc)[:160]})"
            if not problem and not recovery.interrupted(self):
                self._bm25 = loaded
            else:  # missing or out of step (a write died mid-way): BM25 is derived, rebuild it from the store
                if problem and self.documents and not recovery.interrupted(self):
                    message = (f"{folder} {problem}; searching with a BM25 index rebuilt in memory from documents.json. "
                               f"Repair it on disk with `assistant --index {self.root} rebuild`.")
                    self.warnings.append(message)
                    logging.getLogger("assistant").warning(message)
                chunks = self.all_chunks()
                self._bm25 = BM25Index.build([c.id for c in chunks], [c.text for c in chunks])
        return self._bm25

    # -- reading ---------------------------------------------------------------
    def chunk(self, chunk_id: str) -> Chunk:
        doc_id, _, ordinal = chunk_id.rpartition("#")
        record = self.documents[doc_id]
        start, end = record["chunks"][int(ordinal)]
        return Chunk(chunk_id, doc_id, int(ordinal), start, end, record["text"][start:end])

    def all_chunks(self) -> list[Chunk]:
        return [self.chunk(f"{doc_id}#{i}") for doc_id, rec in self.documents.items() for i in range(len(rec["chunks"]))]

    def sentences_in(self, doc_id: str, start: int, end: int) -> list[tuple[str, int, int]]:
        """`(sentence id, start, end)` of the indexed sentences inside `[start, end)` of a document."""
        spans = self.documents[doc_id]["sentences"]
        first = bisect.bisect_left([a for a, _ in spans], start)
        out = []
        for i in range(first, len(spans)):
            a, b = spans[i]
            if a >= end:
                break
            if b <= end:
                out.append((f"{doc_id}@{i}", a, b))
        return out

    def vectors(self, ids: list[str], sentences: bool = False) -> dict[str, np.ndarray]:
        """Stored embeddings by id, from the chunk or the sentence collection."""
        if not ids:
            return {}
        store = self.sentence_store if sentences else self.vectorstore
        with self._store_errors():
            got = store.get(ids=list(ids), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}

    def dense_search(self, vector: list[float], n: int) -> list[tuple[str, float]]:
        """Nearest chunks by cosine similarity, best first."""
        return self.dense_search_many([vector], n)[0]

    def dense_search_many(self, vectors: list, n: int) -> list[list[tuple[str, float]]]:
        """`dense_search` for several vectors in one Chroma query."""
        if not self.documents or not len(vectors):
            return [[] for _ in vectors]
        with self._store_errors():
            got = self.vectorstore._collection.query(query_embeddings=[np.asarray(v, dtype=np.float32) for v in vectors],
                                                     n_results=n, include=["distances"])
        return [[(i, 1.0 - d) for i, d in zip(ids, dists) if self._known_chunk(i)]
                for ids, dists in zip(got["ids"], got["distances"])]

    @contextmanager
    def _store_errors(self):
        """On a Chroma server, a dropped connection becomes one clear message; the next call reconnects.

        An interrupted write leaves its marker, so the next write reconciles as after a crash.
        """
        try:
            yield
        except AssistantError:
            raise
        except Exception as exc:
            if not self.remote:
                raise
            raise AssistantError(f"the vector store is unavailable (Chroma server at {self.settings.chroma_url}: "
                                 f"{type(exc).__name__}); try again when it is back") from None

    def _known_chunk(self, chunk_id: str) -> bool:
        """False for vectors an interrupted write left behind (the store never heard of them)."""
        doc_id, _, ordinal = chunk_id.rpartition("#")
        record = self.documents.get(doc_id)
        return record is not None and ordinal.isdigit() and int(ordinal) < len(record["chunks"])

    def bm25_search(self, query: str, n: int) -> list[tuple[str, float]]:
        return self.bm25.search(query, n)

    # -- writing ---------------------------------------------------------------
    def add(self, docs: list[Document], progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Index new or changed documents; unchanged ones (same content hash) cost nothing.

        `progress(done, total)` is called as texts (chunks and sentences) are embedded.
        """
        self.repair_if_interrupted()
        report = IngestReport()
        todo: list[tuple[Document, list[Chunk], list[tuple[int, int]]]] = []
        s = self.settings
        by_hash = {rec["sha256"]: doc_id for doc_id, rec in self.documents.items()}
        for doc in docs:
            old = self.documents.get(doc.id)
            if old and old["sha256"] == doc.sha256:
                report.unchanged.append(doc.id)
                continue
            twin = by_hash.get(doc.sha256)
            if twin and twin != doc.id:  # the same text under another name: report it, index it once
                report.duplicates.append((doc.id, twin))
                continue
            by_hash[doc.sha256] = doc.id
            units = sentence_units(doc, s.chunk_tokens, s.encoding)
            chunks = chunk_document(doc, s.chunk_tokens, s.chunk_overlap, s.encoding, units=units)
            todo.append((doc, chunks, [(a, b) for block in units for a, b, _ in block]))
        if not todo:
            return report
        check_supported(self)
        with recovery.write_guard(self), self._store_errors():
            self._write(todo, report, progress)
        return report

    def _write(self, todo: list, report: IngestReport, progress) -> None:
        _write_json(self.root / "manifest.json", self.manifest())
        for doc, chunks, sentences in todo:  # a shorter new version leaves ids to delete
            old = self.documents.get(doc.id, {"chunks": [], "sentences": []})
            if len(old["chunks"]) > len(chunks):
                self.vectorstore.delete(ids=[f"{doc.id}#{i}" for i in range(len(chunks), len(old["chunks"]))])
            if len(old["sentences"]) > len(sentences):
                self.sentence_store.delete(ids=[f"{doc.id}@{i}" for i in range(len(sentences), len(old["sentences"]))])
        entries = [(d.id, d.text, [(c.start, c.end) for c in chunks], sentences) for d, chunks, sentences in todo]
        write_vectors(self, entries, progress)
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        for doc, chunks, sentences in todo:
            (report.updated if doc.id in self.documents else report.added).append((doc.id, len(chunks)))
            self.documents[doc.id] = {
                **doc.metadata(),
                "sha256": doc.sha256,
                "text": doc.text,
                "chunks": [[c.start, c.end] for c in chunks],
                "sentences": [list(span) for span in sentences],
                "indexed_at": now,
                "near_duplicates": [],
            }
        self._link_near_duplicates([doc.id for doc, _, _ in todo], report)
        self._save_lexical()

    def _link_near_duplicates(self, doc_ids: list[str], report: IngestReport) -> None:
        from .duplicates import near_duplicates

        changed = set(doc_ids)
        for record in self.documents.values():  # a changed document may no longer match: relink from scratch
            record["near_duplicates"] = [d for d in record.get("near_duplicates", []) if d not in changed]
        found = near_duplicates(self, doc_ids)
        for doc_id in doc_ids:
            for other in found[doc_id]:
                if other in self.documents[doc_id]["near_duplicates"]:
                    continue  # both new in this batch: linked from the other side already
                self.documents[doc_id]["near_duplicates"].append(other)
                self.documents[other].setdefault("near_duplicates", []).append(doc_id)
                report.linked.append((doc_id, other))

    def remove(self, doc_ids: list[str]) -> list[str]:
        """Delete documents from both vector collections, the store and BM25; returns the ids removed."""
        self.repair_if_interrupted()
        present = [d for d in dict.fromkeys(doc_ids) if d in self.documents]
        if not present:
            return []
        with recovery.write_guard(self), self._store_errors():
            self._delete(present)
        return present

    def repair_if_interrupted(self) -> dict[str, int] | None:
        """If an earlier write died half-way, reconcile the vectors and BM25 with the store first."""
        if recovery.interrupted(self):
            with recovery.write_guard(self):
                return recovery.reconcile(self)
        return None

    def _delete(self, present: list[str]) -> None:
        chunk_ids = [f"{d}#{i}" for d in present for i in range(len(self.documents[d]["chunks"]))]
        sentence_ids = [f"{d}@{i}" for d in present for i in range(len(self.documents[d]["sentences"]))]
        if chunk_ids:
            self.vectorstore.delete(ids=chunk_ids)
        if sentence_ids:
            self.sentence_store.delete(ids=sentence_ids)
        for d in present:
            del self.documents[d]
        for record in self.documents.values():
            record["near_duplicates"] = [d for d in record.get("near_duplicates", []) if d not in present]
        self._save_lexical()

    def _save_lexical(self) -> None:
        chunks = self.all_chunks()
        self._bm25 = BM25Index.build([c.id for c in chunks], [c.text for c in chunks])
        self._bm25.save(self.root / "bm25")
        _write_json(self.root / "documents.json", self.documents)
