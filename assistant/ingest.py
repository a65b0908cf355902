"""Ingest, top to bottom: discover → read → chunk → embed → write.

    discover  files, folders and http(s) URLs → `Source`s (`documents.discover`)
    read      each source → `Document`s (`formats`, `web`); a bad one is reported and the rest go on
    chunk     each new or changed document → chunk and sentence spans (`chunking`); unchanged ones
              (same content hash) and exact duplicates under another name are reported and skipped
    embed     chunk and sentence vectors (`vectors.encode`); chunk vectors go to Chroma as they come
    write     one store transaction per batch of about `BATCH_CHUNKS` chunks: documents, spans, sentence
              vectors, near-duplicate links, the manifest (a long ingest commits as it goes)

`Index.add` runs chunk → write under the index's writer lock with a `Writer` built from its parts; the corpus
service runs discover and read (`read_sources`). The crash-safety protocol (a mark in the store while Chroma is
written) is the index's and `recovery`'s. One `Progress` callback hears every phase as it goes (`Step`: reading,
chunking, embedding), with each document's report line once it is final, so a long ingest is never silent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .chunking import chunk_document, sentence_units
from .documents import Document, Indexed, Source, StoredDocument
from .errors import AssistantError
from .ids import ChunkId
from .settings import ChunkingSettings
from .store import WRITING, Store
from .vectors import ChunkVectors, check_supported, encode

BATCH_CHUNKS = 2048  # chunks per write transaction: a long ingest commits as it goes, readers see progress
PHASES = {"reading": "file", "chunking": "document", "embedding": "text"}  # phase: what it counts


@dataclass(frozen=True)
class Step:
    """How far an ingest is: `done` of `total` in `phase` ("reading": files read; "chunking": documents split into
    passages; "embedding": passages and sentences embedded and written), and the per-document `events` (as
    `IngestReport.events` gives them) that became final since the previous step, for a front end to show as they
    happen. Phases come in that order; a phase with nothing to do is skipped."""

    phase: str
    done: int
    total: int
    events: tuple[tuple[str, str, str], ...] = ()

    @property
    def label(self) -> str:
        """The phase in words, e.g. "Reading files"."""
        return f"{self.phase.capitalize()} {PHASES[self.phase]}s"


Progress = Callable[[Step], None]


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

    def merge(self, other: IngestReport) -> IngestReport:
        """Append `other`'s entries to this report's; returns `other` (the part, for its events)."""
        for name in ("added", "updated", "unchanged", "removed", "failed", "duplicates", "linked"):
            getattr(self, name).extend(getattr(other, name))
        return other

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


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def tell(progress: Progress | None, step: Step) -> None:
    """Pass `step` on; a phase with nothing to do says nothing."""
    if progress is not None and (step.total or step.events):
        progress(step)


def read_sources(sources: list[Source], max_bytes: int, fetch_timeout: float, progress: Progress | None = None
                 ) -> tuple[list[Document], list[tuple[str, str]]]:
    """Read each discovered source into documents; returns them and the (source id, reason) of each that failed.
    `progress` hears a "reading" step before the first source and after each one."""
    tell(progress, Step("reading", 0, len(sources)))  # at once, before the imports below
    from .formats import read_file, read_html

    failed, docs = [], []
    for n, source in enumerate(sources, start=1):
        before = len(failed)
        try:
            if source.error:
                raise AssistantError(source.error)
            if source.is_url:
                from .web import fetch_html

                html, final_url = fetch_html(source.location, max_bytes, fetch_timeout)
                docs.append(read_html(source.doc_id, html, url=final_url))
            else:
                docs.extend(read_file(Path(source.location), source.doc_id, max_bytes))
        except (AssistantError, OSError) as exc:
            failed.append((source.doc_id, str(exc)))
        tell(progress, Step("reading", n, len(sources), tuple(IngestReport(failed=failed[before:]).events())))
    return docs, failed


class Writer:
    """Chunk, embed and write documents into one index's store and Chroma collection (hold its writer lock).

    `changed` collects the ids whose catalog entries a write touched, for the index to refresh afterwards."""

    def __init__(self, store: Store, vectors: ChunkVectors, embeddings, sentence_mode: str,
                 chunking: ChunkingSettings, manifest: dict) -> None:
        self.store, self.vectors, self.embeddings = store, vectors, embeddings
        self.sentence_mode, self.chunking, self.manifest = sentence_mode, chunking, manifest
        self.changed: list[str] = []

    def add(self, docs: list[Document], progress: Progress | None = None, force: bool = False) -> IngestReport:
        """Index new or changed documents; unchanged ones (same content hash) cost nothing unless `force`."""
        report = IngestReport()
        known = self.store.catalog([d.id for d in docs])  # only what this write touches: O(change), not O(corpus)
        todo = self.chunk(docs, known, report, force, progress)
        if not todo:
            return report
        check_supported(self.embeddings, self.sentence_mode)
        total = sum(len(item.chunks) + len(item.sentences) for item in todo)
        done = 0
        tell(progress, Step("embedding", 0, total))
        for batch in batches(todo):
            tick = (lambda n, _, base=done: progress(Step("embedding", base + n, total))) if progress else None
            part = report.merge(self.write(batch, known, tick))
            done += sum(len(item.chunks) + len(item.sentences) for item in batch)
            tell(progress, Step("embedding", done, total, tuple(part.events())))  # this batch is committed
        return report

    def chunk(self, docs: list[Document], known: dict[str, StoredDocument], report: IngestReport,
              force: bool, progress: Progress | None = None) -> list[Indexed]:
        """The documents to (re)index with their chunk and sentence spans; the rest go into the report."""
        by_hash = dict(self.store.ids_by_hash([d.sha256 for d in docs]))
        s = self.chunking
        todo = []
        tell(progress, Step("chunking", 0, len(docs)))
        for n, doc in enumerate(docs, start=1):
            old, twin, part = known.get(doc.id), by_hash.get(doc.sha256), IngestReport()
            if old and old.sha256 == doc.sha256 and not force:
                part.unchanged.append(doc.id)
            elif twin and twin != doc.id:  # the same text under another name: report it, index it once
                part.duplicates.append((doc.id, twin))
            else:
                by_hash[doc.sha256] = doc.id
                units = sentence_units(doc, s.chunk_tokens, s.encoding)
                chunks = chunk_document(doc, s.chunk_tokens, s.chunk_overlap, s.encoding, units=units)
                todo.append(Indexed(doc, [(c.start, c.end) for c in chunks], [(a, b) for block in units for a, b, _ in block]))
            tell(progress, Step("chunking", n, len(docs), tuple(report.merge(part).events())))
        return todo

    def write(self, batch: list[Indexed], known: dict[str, StoredDocument],
              progress: Callable[[int, int], None] | None) -> IngestReport:
        """Embed one batch and commit it: the mark, Chroma's vectors, then one store transaction; what it added,
        updated and linked. `progress(texts embedded, texts in the batch)` as the encoder goes."""
        report = IngestReport()
        with self.store.write() as tx:
            tx.set_meta(WRITING, {"started": now()})
        surplus = [ChunkId(item.doc.id, i) for item in batch if item.doc.id in known
                   for i in range(len(item.chunks), known[item.doc.id].chunks)]
        self.vectors.delete(surplus)  # a shorter new version leaves ids to delete

        def store_vectors(where: list[tuple[int, int]], vectors: np.ndarray) -> None:
            self.vectors.upsert([ChunkId(batch[d].doc.id, c) for d, c in where], vectors,
                                [batch[d].doc.text[slice(*batch[d].chunks[c])] for d, c in where])

        encoded = encode(self.embeddings, self.sentence_mode,
                         [(item.doc.text, item.chunks, item.sentences) for item in batch], progress, store_vectors)
        links = self.near_duplicates(batch, {item.doc.id: e.chunks[:2] for item, e in zip(batch, encoded)})
        indexed_at = now()
        with self.store.write() as tx:
            for item, e in zip(batch, encoded):
                tx.put(Indexed(item.doc, item.chunks, item.sentences, e.sentences), indexed_at)
                (report.updated if item.doc.id in known else report.added).append((item.doc.id, len(item.chunks)))
            tx.unlink([item.doc.id for item in batch])
            for a, b in links:
                tx.link(a, b)
                report.linked.append((a, b))
            tx.set_meta("manifest", self.manifest)
            tx.set_meta(WRITING, None)
        self.changed += ([item.doc.id for item in batch] + [d for pair in links for d in pair]
                         + [d for item in batch if item.doc.id in known for d in known[item.doc.id].near_duplicates])
        return report

    def remove(self, doc_ids: list[str]) -> list[str]:
        """Delete documents from the store and their vectors from Chroma; returns the ids removed."""
        known = self.store.catalog(doc_ids)
        present = [d for d in dict.fromkeys(doc_ids) if d in known]
        if not present:
            return []
        with self.store.write() as tx:
            tx.set_meta(WRITING, {"started": now()})
        # vectors first: if Chroma fails, the documents are all still there and the error says why
        self.vectors.delete([ChunkId(d, i) for d in present for i in range(known[d].chunks)])
        with self.store.write() as tx:
            tx.delete(present)
            tx.set_meta(WRITING, None)
        self.changed += present + [d for p in present for d in known[p].near_duplicates]
        return present

    def near_duplicates(self, batch: list[Indexed], firsts: dict[str, np.ndarray]) -> list[tuple[str, str]]:
        """Pairs of this batch's documents and indexed ones that tell the same story (see `duplicates`)."""
        from .duplicates import near_duplicates

        new_texts = {item.doc.id: " ".join(item.doc.text[a:b] for a, b in item.chunks) for item in batch}

        def indexed_texts(doc_ids: list[str]) -> dict[str, str]:
            stored = self.store.texts([d for d in doc_ids if d not in new_texts])
            return {d: new_texts[d] if d in new_texts else
                    " ".join(stored[d][a:b] for a, b in self.store.chunk_spans(d)) for d in doc_ids if d in new_texts or d in stored}

        def nearest_documents(vectors: list, n: int) -> list[list[str]]:  # this batch's vectors are in Chroma too
            return [[ChunkId.parse(i).doc_id for i, _ in hits] for hits in self.vectors.query(vectors, n)]

        return near_duplicates(firsts, nearest_documents, indexed_texts)


def batches(todo: list[Indexed]):
    """Consecutive batches of about `BATCH_CHUNKS` chunks."""
    batch, size = [], 0
    for item in todo:
        batch.append(item)
        size += len(item.chunks)
        if size >= BATCH_CHUNKS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
