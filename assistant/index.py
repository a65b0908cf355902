"""The on-disk index: the SQLite store (source of truth) and Chroma's chunk vectors, kept in step.

Layout of the index folder::

    store.sqlite3   documents, chunks, sentences (+ vectors), links, lexical index, manifest,
                    calibration, generation (see `store`)
    chroma/         Chroma's chunk collection (cosine space; see `vectors`)
    write.lock      held by whichever process is writing
    feedback.sqlite3, trash/   ratings of answers and removed documents (`feedback`, `corpus`): kept by a rebuild

A write (`ingest.Writer`) takes the file lock, marks itself in the store, upserts chunk vectors, then commits the
documents and clears the mark in one transaction. A mark found later means a writer died half-way: the next writer
reconciles Chroma with the store first (`recovery`). Readers compare the store's generation before each question
and reload what they cache, Chroma's in-memory graph included, when another process wrote. The question path reads
through the methods here, never through `store` or `vectors` directly.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from . import recovery
from .chunking import Chunk
from .documents import Document, StoredDocument
from .errors import IndexMismatchError
from .evidence import Frequencies
from .ids import ChunkId, SentenceId
from .ingest import IngestReport, Progress, Writer, now
from .locking import WriterLock
from .manifest import backend_for, build_manifest, check_manifest, sentence_mode_for
from .settings import Settings
from .store import FILE, WRITING, Store
from .vectors import ChunkVectors

REBUILDING = "rebuild_in_progress"


class Index:
    """Open (or create) the index in `settings.index_dir`; the embedder loads on first use."""

    def __init__(self, settings: Settings, embeddings=None, *, resuming_rebuild: bool = False) -> None:
        self.settings = settings
        self.root = Path(settings.index_dir)
        self._embeddings = embeddings
        self._load_lock = threading.Lock()  # the app warms the embedder in a thread while requests may arrive
        self.warnings: list[str] = []  # problems found at open that answers work around (shown by the front ends)
        self.writer_lock = WriterLock(self.root)
        self.vectors = ChunkVectors(settings.storage, self.root)
        self._catalog: dict[str, StoredDocument] | None = None
        self._generation: int | None = None
        self.store = Store(self.root)
        self.frequencies = Frequencies(self.store.document_frequencies, self.store.generation)
        self._vectors_checked = False
        if (self.root / "documents.json").exists() and not self.exists:
            raise IndexMismatchError(f"{self.root} was made by an earlier version (documents.json); build it anew with "
                                     "`assistant ingest --rebuild PATH`")
        if self.exists:
            try:
                self.store.create()
                self.store.generation()
            except sqlite3.DatabaseError as exc:
                raise IndexMismatchError(f"{self.store.path} is damaged ({exc}); restore it from a backup or re-ingest "
                                         "with `assistant ingest --rebuild PATH`") from None
            if self.store.meta(REBUILDING) and not resuming_rebuild:
                raise IndexMismatchError(f"a rebuild of {self.root} was interrupted; run `assistant --index {self.root} "
                                         "rebuild` to finish it (the documents are kept in the store)")
            if not resuming_rebuild:
                check_manifest(self.root, self.stored_manifest(), self.manifest())
            self._generation = self.store.generation()

    # -- state -----------------------------------------------------------------
    @property
    def exists(self) -> bool:
        return (self.root / FILE).exists()

    def manifest(self) -> dict:
        """What this index's vectors and chunks were made with (see `manifest`)."""
        return build_manifest(self.settings, self.backend, self.sentence_mode)

    def stored_manifest(self) -> dict | None:
        return self.store.meta("manifest") if self.exists else None

    @property
    def backend(self) -> str:
        return backend_for(self.settings, self.stored_manifest(), self._embeddings)

    @property
    def sentence_mode(self) -> str:
        return sentence_mode_for(self.settings, self.stored_manifest())

    @property
    def embeddings(self):
        with self._load_lock:
            if self._embeddings is None:
                from .embeddings import load_embeddings

                s = self.settings
                self._embeddings = load_embeddings(s.model_path(), s.threads, s.embed_batch_size, backend=self.backend,
                                                   cache_dir=s.onnx_cache_dir)
        return self._embeddings

    @staticmethod
    def clear_folder(root: Path) -> None:
        """Delete what an index stores in `root`, even one that no longer opens; other files stay."""
        for name in (FILE, FILE + "-wal", FILE + "-shm", "documents.json"):
            (Path(root) / name).unlink(missing_ok=True)
        shutil.rmtree(Path(root) / "chroma", ignore_errors=True)

    # -- reading ---------------------------------------------------------------
    def generation(self) -> int:
        """How many writes the store has committed (0 before the first): what an answer was given on."""
        return self.store.generation() if self.exists else 0

    def stale(self) -> bool:
        """True when another process has written since this one last looked (one small query)."""
        return self.exists and self.store.generation() != self._generation

    def refresh(self) -> None:
        """Reload what this process caches after another process wrote; call with no question in flight."""
        if not self.exists:
            return
        generation = self.store.generation()
        if generation != self._generation:
            self._catalog = None
            if self._generation is not None:
                self.vectors.reopen()
            self._generation = generation

    def follow(self, lock) -> bool:
        """If another process wrote, reload under `lock`'s write side (no question in flight); True if it did."""
        if not self.stale():
            return False
        with lock.writing():
            self.refresh()
        return True

    @property
    def catalog(self) -> dict[str, StoredDocument]:
        """Every indexed document's metadata by id (cached until the next write)."""
        catalog = self._catalog
        if catalog is None:
            catalog = self._catalog = self.store.catalog() if self.exists else {}
        return catalog

    def records(self, doc_ids) -> dict[str, StoredDocument]:
        """These documents' metadata as stored now (not the cached catalog: for writers, under the write lock)."""
        return self.store.catalog(doc_ids)

    def texts(self, doc_ids) -> dict[str, str]:
        """The full text of each of these documents (citations and passages point into it)."""
        return self.store.texts(doc_ids)

    def chunks(self, ids: list[ChunkId]) -> dict[ChunkId, Chunk]:
        return self.store.chunks(ids)

    def sentences_in(self, chunk: Chunk) -> list[tuple[SentenceId, int, int]]:
        """The sentences inside `chunk`: their ids and document offsets."""
        return self.store.sentences_in(chunk.doc_id, chunk.start, chunk.end)

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        """In how many chunks each term occurs (remembered until the next write, of any process)."""
        return self.frequencies(terms)

    def chunk_count(self) -> int:
        return self.store.chunk_count()

    def embed_query(self, text: str) -> np.ndarray:
        return self.embeddings.embed_query(text)

    def chunk_vectors(self, ids: list[ChunkId]) -> dict[ChunkId, np.ndarray]:
        return self.vectors.get(ids)

    def sentence_vectors(self, ids: list[SentenceId]) -> dict[SentenceId, np.ndarray]:
        return self.store.sentence_vectors(ids)

    def dense_search_many(self, vectors: list, n: int) -> list[list[tuple[ChunkId, float]]]:
        """Nearest chunks by cosine, best first, for each vector (one query); chunks the store lacks are skipped."""
        if not self.catalog or not len(vectors):
            return [[] for _ in vectors]
        if not self._vectors_checked:
            self._check_vectors()
        found = self.vectors.query(vectors, n)
        return [[(c, s) for c, s in ((ChunkId.parse(i), s) for i, s in hits) if self._known(c)] for hits in found]

    def warm(self) -> None:
        """Load the embedder and open Chroma now (the app calls this at start, so the first question is fast)."""
        self.embeddings  # noqa: B018 - the property loads the model
        if self.catalog and not self._vectors_checked:
            self._check_vectors()

    def warm_search(self) -> None:
        """Load Chroma's graph now (one tiny query) rather than at the next question."""
        if self.catalog:
            self.vectors.query([self.embed_query("warm")], 1)

    def _check_vectors(self) -> None:
        """Once per process: warn (and keep answering from the lexical side) when Chroma lacks vectors the
        store expects, e.g. after its folder was lost; `rebuild` makes them again."""
        self._vectors_checked = True
        held, expected = self.vectors.count(), self.store.chunk_count()
        if held < expected and not self.store.meta(WRITING):
            message = (f"{self.root / 'chroma'} holds {held} of the {expected} chunk vectors the store expects; "
                       f"searching with what is there. Repair it with `assistant --index {self.root} rebuild`.")
            self.warnings.append(message)
            logging.getLogger("assistant").warning(message)

    def _known(self, chunk_id: ChunkId) -> bool:
        """False for vectors an interrupted write left behind (the store never heard of them)."""
        record = self.catalog.get(chunk_id.doc_id)
        return record is not None and chunk_id.ordinal < record.chunks

    def lexical_search(self, query: str, n: int) -> list[tuple[ChunkId, float]]:
        return self.store.lexical_search(query, n)

    # -- writing ---------------------------------------------------------------
    def _begin(self) -> None:
        """Under the writer lock: see other processes' writes, repair a write that died half-way, and drop
        vectors an empty store does not own (a Chroma server keeps an earlier index's after `ingest --rebuild`)."""
        if not self.exists:
            self.store.create()
        self.refresh()
        self.repair_if_interrupted()
        if self.store.is_empty():
            self.vectors.drop()

    def _committed(self, changed: list[str] | None = None) -> None:
        """After this process's own write: refresh the cached catalog entries of `changed` (all if None)."""
        if changed is None or self._catalog is None:
            self._catalog = None
        else:
            catalog = {d: r for d, r in self._catalog.items() if d not in changed} | self.store.catalog(changed)
            self._catalog = dict(sorted(catalog.items()))
        self._generation = self.store.generation()

    def add(self, docs: list[Document], progress: Progress | None = None, force: bool = False) -> IngestReport:
        """Index new or changed documents (see `ingest`); unchanged ones (same content hash) cost nothing unless
        `force`. `progress` hears the chunking and embedding steps (`ingest.Step`) as they go."""
        with self._writer() as writer:
            return writer.add(docs, progress, force)

    def remove(self, doc_ids: list[str]) -> list[str]:
        """Delete documents from the store and their vectors from Chroma; returns the ids removed."""
        with self._writer(embedding=False) as writer:
            return writer.remove(doc_ids)

    @contextmanager
    def _writer(self, embedding: bool = True) -> Iterator[Writer]:
        """A `Writer` under the writer lock, after `_begin`; the catalog entries it changed are refreshed after.
        A writer that only deletes gets no embedder (loading one would cost seconds)."""
        with self.writer_lock.held():
            self._begin()
            writer = Writer(self.store, self.vectors, self.embeddings if embedding else None, self.sentence_mode,
                            self.settings.chunking, self.manifest())
            try:
                yield writer
            finally:
                self._committed(writer.changed)

    def repair_if_interrupted(self) -> dict[str, int] | None:
        """If an earlier write died half-way, reconcile Chroma with the store first (hold the writer lock)."""
        if self.exists and self.store.meta(WRITING):
            fixed = recovery.reconcile(self.store, self.vectors, self.embeddings)
            with self.store.write() as tx:
                tx.set_meta(WRITING, None)
            self._committed()
            return fixed
        return None

    def mark_rebuild(self, started: bool) -> None:
        """Set the rebuild mark and drop Chroma's vectors, or clear the mark: while it is set the index refuses to
        open (`rebuild` starts again), so a rebuild that dies loses nothing (the documents stay in the store)."""
        with self.writer_lock.held():
            with self.store.write() as tx:
                tx.set_meta(REBUILDING, {"started": now()} if started else None)
            if started:
                self.vectors.drop()

    def health(self) -> recovery.Health:
        """Do the store, Chroma and the lexical index agree (see `recovery.verify`)?"""
        return recovery.verify(self.store, self.vectors)

    def calibration(self) -> dict | None:
        return self.store.meta("calibration") if self.exists else None

    def set_calibration(self, value: dict | None) -> None:
        with self.writer_lock.held():
            self.store.create()
            with self.store.write() as tx:
                tx.set_meta("calibration", value)
        self._committed()

