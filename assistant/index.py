"""The on-disk index: the SQLite store (source of truth) and Chroma's chunk vectors, kept in step.

Layout of the index folder::

    store.sqlite3   documents, chunks, sentences (+ vectors), links, lexical index, manifest,
                    calibration, generation (see `store`)
    chroma/         Chroma's chunk collection (cosine space; see `vectors`)
    write.lock      held by whichever process is writing

A write takes the file lock, marks itself in the store, upserts chunk vectors, then
commits the documents and clears the mark in one transaction. A mark found later means
a writer died half-way: the next writer reconciles Chroma with the store first (see
`recovery`). Readers compare the store's generation before each question and reload
what they cache, Chroma's in-memory graph included, when another process wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import recovery
from .chunking import Chunk, chunk_document, sentence_units
from .documents import Document
from .embeddings import DEFAULT_BACKEND
from .errors import IndexMismatchError
from .ids import ChunkId, SentenceId
from .locking import WriterLock
from .manifest import build_manifest, check_manifest
from .settings import Settings
from .store import FILE, WRITING, Indexed, Store, StoredDocument
from .vectors import DEFAULT_MODE, ChunkVectors, check_supported, encode

BATCH_CHUNKS = 2048  # chunks per write transaction: a long ingest commits as it goes, readers see progress
REBUILDING = "rebuild_in_progress"


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

    def events(self) -> list[tuple[str, str, str]]:
        """One (what happened, document id, a note in words) per document, failures last; the front ends only
        format them."""
        def chunks(n: int) -> str:
            return f"({n} passage{'s' if n != 1 else ''})"

        return ([("added", d, chunks(n)) for d, n in self.added] + [("updated", d, chunks(n)) for d, n in self.updated]
                + [("unchanged", d, "") for d in self.unchanged] + [("removed", d, "") for d in self.removed]
                + [("duplicate", d, f"(same text as {twin}; indexed once)") for d, twin in self.duplicates]
                + [("linked", d, f"(near-duplicate story of {other})") for d, other in self.linked]
                + [("failed", d, why) for d, why in self.failed])

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed"
            + (f", {len(self.duplicates)} duplicate" if self.duplicates else "")
            + (f", {len(self.linked)} near-duplicate pair(s) linked" if self.linked else "")
        )


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


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
        legacy = (self.root / "documents.json").exists()
        self.store = Store(self.root)
        self._vectors_checked = False
        if self.exists or legacy:
            try:
                self.store.create()
                self.store.generation()
            except sqlite3.DatabaseError as exc:
                raise IndexMismatchError(f"{self.store.path} is damaged ({exc}); restore it from a backup or re-ingest "
                                         "with `assistant ingest --rebuild PATH`") from None
        if legacy:
            with self.writer_lock.held():
                if (self.root / "documents.json").exists():
                    recovery.migrate_json_index(self)
        if self.exists:
            if self.store.meta(REBUILDING) and not resuming_rebuild:
                raise IndexMismatchError(f"a rebuild of {self.root} was interrupted; run `assistant --index {self.root} "
                                         "rebuild` to finish it (the documents are kept in the store)")
            if not resuming_rebuild:
                check_manifest(self.root, self.store.meta("manifest"), self.manifest())
            self._generation = self.store.generation()

    # -- state -----------------------------------------------------------------
    @property
    def exists(self) -> bool:
        return (self.root / FILE).exists()

    def manifest(self) -> dict:
        """What this index's vectors and chunks were made with (see `manifest`)."""
        return build_manifest(self.settings, self.backend, self.sentence_mode)

    def _built_with(self, key: str, before: str, new: str) -> str:
        """The manifest's `key` (`before` for indexes older than that key); `new` when there is no index."""
        stored = self.store.meta("manifest") if self.exists else None
        return stored.get(key, before) if stored else new

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
        return self._built_with("sentence_vectors", "standalone", DEFAULT_MODE)

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
        for name in (FILE, FILE + "-wal", FILE + "-shm", "documents.json", "manifest.json", "calibration.json"):
            (Path(root) / name).unlink(missing_ok=True)
        for name in ("chroma", "bm25"):
            shutil.rmtree(Path(root) / name, ignore_errors=True)

    # -- reading ---------------------------------------------------------------
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

    def document_count(self) -> int:
        return len(self.catalog)

    def texts(self, doc_ids) -> dict[str, str]:
        """The full text of each of these documents (citations and passages point into it)."""
        return self.store.texts(doc_ids)

    def chunk(self, chunk_id: ChunkId) -> Chunk:
        return self.store.chunks([chunk_id])[ChunkId(*chunk_id)]

    def chunk_vectors(self, ids: list[ChunkId]) -> dict[ChunkId, np.ndarray]:
        return self.vectors.get(ids)

    def sentence_vectors(self, ids: list[SentenceId]) -> dict[SentenceId, np.ndarray]:
        return self.store.sentence_vectors(ids)

    def dense_search(self, vector, n: int) -> list[tuple[ChunkId, float]]:
        """Nearest chunks by cosine similarity, best first."""
        return self.dense_search_many([vector], n)[0]

    def dense_search_many(self, vectors: list, n: int) -> list[list[tuple[ChunkId, float]]]:
        """`dense_search` for several vectors in one Chroma query; vectors the store does not know are skipped."""
        if not self.catalog or not len(vectors):
            return [[] for _ in vectors]
        if not self._vectors_checked:
            self._check_vectors()
        found = self.vectors.query(vectors, n)
        return [[(c, s) for c, s in ((ChunkId.parse(i), s) for i, s in hits) if self._known(c)] for hits in found]

    def warm(self) -> None:
        """Load the embedder and open Chroma now (the app calls this at start, so the first question is fast)."""
        self.embeddings
        if self.catalog and not self._vectors_checked:
            self._check_vectors()

    def warm_search(self) -> None:
        """Load Chroma's graph now (one tiny query) rather than at the next question."""
        if self.catalog:
            self.vectors.query([self.embeddings.embed_query("warm")], 1)

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
            fresh = self.store.catalog(changed)
            catalog = {d: r for d, r in self._catalog.items() if d not in changed}
            catalog.update(fresh)
            self._catalog = dict(sorted(catalog.items()))
        self._generation = self.store.generation()

    def add(self, docs: list[Document], progress: Callable[[int, int], None] | None = None,
            force: bool = False) -> IngestReport:
        """Index new or changed documents; unchanged ones (same content hash) cost nothing unless `force`.

        `progress(done, total)` is called as texts (chunks and sentences) are embedded.
        """
        report = IngestReport()
        with self.writer_lock.held():
            self._begin()
            known = self.store.catalog([d.id for d in docs])  # only what this write touches: O(change), not O(corpus)
            by_hash = {sha: doc_id for sha, doc_id in self.store.ids_by_hash([d.sha256 for d in docs]).items()}
            todo: list[Indexed] = []
            s = self.settings.chunking
            for doc in docs:
                old = known.get(doc.id)
                if old and old.sha256 == doc.sha256 and not force:
                    report.unchanged.append(doc.id)
                    continue
                twin = by_hash.get(doc.sha256)
                if twin and twin != doc.id:  # the same text under another name: report it, index it once
                    report.duplicates.append((doc.id, twin))
                    continue
                by_hash[doc.sha256] = doc.id
                units = sentence_units(doc, s.chunk_tokens, s.encoding)
                chunks = chunk_document(doc, s.chunk_tokens, s.chunk_overlap, s.encoding, units=units)
                todo.append(Indexed(doc, [(c.start, c.end) for c in chunks], [(a, b) for block in units for a, b, _ in block]))
            if todo:
                check_supported(self.embeddings, self.sentence_mode)
                total = sum(len(item.chunks) + len(item.sentences) for item in todo)
                done = 0
                for batch in _batches(todo):
                    size = sum(len(item.chunks) + len(item.sentences) for item in batch)
                    tick = (lambda n, _, base=done: progress(base + n, total)) if progress else None
                    self._write(batch, known, report, tick)
                    done += size
        return report

    def _write(self, batch: list[Indexed], known: dict[str, StoredDocument], report: IngestReport, progress) -> None:
        with self.store.write() as tx:
            tx.set_meta(WRITING, {"started": _now()})
        surplus = [ChunkId(item.doc.id, i) for item in batch if item.doc.id in known
                   for i in range(len(item.chunks), known[item.doc.id].chunks)]
        self.vectors.delete(surplus)  # a shorter new version leaves ids to delete

        def store_vectors(where: list[tuple[int, int]], vectors: np.ndarray) -> None:
            self.vectors.upsert([ChunkId(batch[d].doc.id, c) for d, c in where], vectors,
                                [batch[d].doc.text[slice(*batch[d].chunks[c])] for d, c in where])

        encoded = encode(self.embeddings, self.sentence_mode,
                         [(item.doc.text, item.chunks, item.sentences) for item in batch], progress, store_vectors)
        firsts = {item.doc.id: e.chunks[:2] for item, e in zip(batch, encoded)}
        links = self._near_duplicates(batch, firsts)
        now = _now()
        with self.store.write() as tx:
            for item, e in zip(batch, encoded):
                tx.put(Indexed(item.doc, item.chunks, item.sentences, e.sentences), now)
                (report.updated if item.doc.id in known else report.added).append((item.doc.id, len(item.chunks)))
            tx.unlink([item.doc.id for item in batch])
            for a, b in links:
                tx.link(a, b)
                report.linked.append((a, b))
            tx.set_meta("manifest", self.manifest())
            tx.set_meta(WRITING, None)
        self._committed([item.doc.id for item in batch] + [d for pair in links for d in pair]
                        + [d for item in batch if item.doc.id in known for d in known[item.doc.id].near_duplicates])

    def _near_duplicates(self, batch: list[Indexed], firsts: dict[str, np.ndarray]) -> list[tuple[str, str]]:
        from .duplicates import near_duplicates

        new_texts = {item.doc.id: " ".join(item.doc.text[a:b] for a, b in item.chunks) for item in batch}

        def indexed_texts(doc_ids: list[str]) -> dict[str, str]:
            stored = self.store.texts([d for d in doc_ids if d not in new_texts])
            return {d: new_texts[d] if d in new_texts else
                    " ".join(stored[d][a:b] for a, b in self.store.chunk_spans(d)) for d in doc_ids if d in new_texts or d in stored}

        def nearest_documents(vectors: list, n: int) -> list[list[str]]:  # this batch's vectors are in Chroma too
            return [[ChunkId.parse(i).doc_id for i, _ in hits] for hits in self.vectors.query(vectors, n)]

        return near_duplicates(firsts, nearest_documents, indexed_texts)

    def remove(self, doc_ids: list[str]) -> list[str]:
        """Delete documents from the store and their vectors from Chroma; returns the ids removed."""
        with self.writer_lock.held():
            self._begin()
            known = self.store.catalog(doc_ids)
            present = [d for d in dict.fromkeys(doc_ids) if d in known]
            if not present:
                return []
            with self.store.write() as tx:
                tx.set_meta(WRITING, {"started": _now()})
            # vectors first: if Chroma fails, the documents are all still there and the error says why
            self.vectors.delete([ChunkId(d, i) for d in present for i in range(known[d].chunks)])
            with self.store.write() as tx:
                tx.delete(present)
                tx.set_meta(WRITING, None)
            self._committed(present + [d for p in present for d in known[p].near_duplicates])
        return present

    def repair_if_interrupted(self) -> dict[str, int] | None:
        """If an earlier write died half-way, reconcile Chroma with the store first (hold the writer lock)."""
        if self.exists and self.store.meta(WRITING):
            fixed = recovery.reconcile(self)
            with self.store.write() as tx:
                tx.set_meta(WRITING, None)
            self._committed()
            return fixed
        return None

    def set_calibration(self, value: dict | None) -> None:
        with self.writer_lock.held():
            self.store.create()
            with self.store.write() as tx:
                tx.set_meta("calibration", value)
        self._committed()


def _batches(todo: list[Indexed]):
    batch, size = [], 0
    for item in todo:
        batch.append(item)
        size += len(item.chunks)
        if size >= BATCH_CHUNKS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def rebuild(settings: Settings, embeddings=None, progress=None) -> IngestReport:
    """Re-index every stored document with the current settings; no source files are needed.

    For an index built with another embedding model or chunk settings, or whose vectors are
    damaged. The documents stay in the store throughout; the index refuses to open while the
    rebuild mark is set, and rerunning `rebuild` starts it again, so a crash loses nothing.
    """
    from .documents import parse_document
    from .errors import AssistantError

    root = Path(settings.index_dir)
    if not (root / FILE).exists() and not (root / "documents.json").exists():
        raise AssistantError(f"{root}: nothing to rebuild (no index there); use `assistant ingest PATH`")
    index = Index(settings, embeddings=embeddings, resuming_rebuild=True)
    stored = index.store.meta("manifest") or {}
    if settings.sentence_vectors == "auto":  # keep the index's own choice, as `auto` promises
        index.settings = settings.model_copy(update={"sentence_vectors": stored.get("sentence_vectors", "standalone")})
    catalog = index.catalog
    texts = index.store.texts(list(catalog))
    docs = [parse_document(d, texts[d], {"title": r.title, "published": r.published, "outlet": r.outlet, "url": r.url})
            for d, r in catalog.items()]  # raises before anything changes if one no longer parses
    with index.writer_lock.held():
        with index.store.write() as tx:
            tx.set_meta(REBUILDING, {"started": _now()})
        index.vectors.drop()
    report = index.add(docs, progress=progress, force=True)
    with index.writer_lock.held(), index.store.write() as tx:
        tx.set_meta(REBUILDING, None)
    logging.getLogger("assistant").info("rebuilt %s: %s", root, json.dumps(report.summary()))
    return report
