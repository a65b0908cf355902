"""Crash safety and upgrades: make Chroma agree with the store again, and move an old JSON index into SQLite.

The store is the source of truth and every write to it is one transaction. Chroma's
chunk vectors are written before that transaction, after a mark in the store says a
write is under way. A mark found later means the writer died (kill -9, power cut):
vectors for ids the store does not know are deleted, vectors that are missing or were
made from other text (their stored hash differs) are made again, and sentences without
a vector get one. Nothing the store holds is lost; nothing is left twice.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass

import numpy as np

from .documents import Document
from .errors import IndexMismatchError
from .ids import ChunkId, SentenceId
from .store import WRITING, Indexed
from .vectors import embed_texts, text_hash


def reconcile(index) -> dict[str, int]:
    """Bring the chunk vectors in line with the store and fill missing sentence vectors; returns what was fixed."""
    store = index.store
    expected = _chunk_texts(store)
    actual = index.vectors.hashes()
    orphans = [ChunkId.parse(i) for i in actual if i not in expected]
    stale = [ChunkId.parse(i) for i, text in expected.items() if actual.get(i) != text_hash(text)]
    index.vectors.delete(orphans)
    if stale:
        texts = [expected[str(c)] for c in stale]
        index.vectors.upsert(stale, embed_texts(index.embeddings, texts), texts)
    missing = store.missing_sentence_vectors()
    if missing:
        _fill_sentence_vectors(index, missing)
    return {"chunks_orphans_deleted": len(orphans), "chunks_re_embedded": len(stale), "sentences_embedded": len(missing)}


def _chunk_texts(store) -> dict[str, str]:
    """Every stored chunk's id (as Chroma holds it) and text: what the vectors must have been made from."""
    out = {}
    for doc_id in store.catalog():
        text = store.text(doc_id)
        for i, (a, b) in enumerate(store.chunk_spans(doc_id)):
            out[str(ChunkId(doc_id, i))] = text[a:b]
    return out


def _fill_sentence_vectors(index, missing: list[SentenceId]) -> None:
    texts = index.store.texts({s.doc_id for s in missing})
    spans = {d: index.store.sentence_spans(d) for d in texts}
    vectors = embed_texts(index.embeddings, [texts[s.doc_id][slice(*spans[s.doc_id][s.ordinal])] for s in missing])
    with index.store.write() as tx:
        tx.set_sentence_vectors(dict(zip(missing, vectors)))


def migrate_json_index(index) -> int:
    """Move an index of the JSON era (documents.json, manifest.json, calibration.json, bm25/, a Chroma
    collection of sentence vectors) into the store, in one transaction; returns the documents moved.

    Sentence vectors are taken over from the old collection (missing ones are embedded), which is
    then dropped; the chunk vectors stay where they are. The old files go only after the commit,
    so a crash half-way leaves an index that migrates again on the next open.
    """
    root = index.root
    try:
        records = json.loads((root / "documents.json").read_text(encoding="utf-8"))
    except ValueError as exc:
        raise IndexMismatchError(f"{root / 'documents.json'} is damaged ({exc}); restore it from a backup or re-ingest "
                                 "with `assistant ingest --rebuild PATH`") from None
    manifest = _json(root / "manifest.json")
    calibration = _json(root / "calibration.json")
    legacy = index.vectors.legacy_collections()
    old = index.vectors.legacy_vectors(legacy[0]) if legacy and records else {}
    with index.store.write() as tx:
        for doc_id, rec in records.items():
            doc = Document(id=doc_id, text=rec["text"], title=rec.get("title") or doc_id, published=rec.get("published"),
                           outlet=rec.get("outlet"), url=rec.get("url"))
            sentences = [tuple(s) for s in rec["sentences"]]
            vectors = [old.get(str(SentenceId(doc_id, i))) for i in range(len(sentences))]
            tx.put(Indexed(doc, [tuple(c) for c in rec["chunks"]], sentences,
                           np.stack(vectors) if vectors and all(v is not None for v in vectors) else None),
                   rec.get("indexed_at") or "")
        for doc_id, rec in records.items():
            for other in rec.get("near_duplicates", []):
                if other in records:
                    tx.link(doc_id, other)
        if manifest:
            tx.set_meta("manifest", manifest)
        if calibration:
            tx.set_meta("calibration", calibration)
        if (root / "write-in-progress.json").exists():  # the old index's writer died: reconcile at the next write
            tx.set_meta(WRITING, {"started": "before the move to SQLite"})
    index.vectors.drop(legacy)
    missing = index.store.missing_sentence_vectors()
    if missing:
        _fill_sentence_vectors(index, missing)
    for name in ("documents.json", "manifest.json", "calibration.json", "write-in-progress.json"):
        (root / name).unlink(missing_ok=True)
    shutil.rmtree(root / "bm25", ignore_errors=True)
    return len(records)


def _json(path):
    try:
        return json.loads(path.read_text()) if path.exists() else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Health:
    """What `verify` found; `healthy` when every part agrees and no write was left half-done."""

    documents: int
    chunks: int
    write_in_progress: bool
    vectors_unique: bool  # Chroma holds no id twice
    vectors_match: bool  # Chroma's chunks are the store's, text for text
    lexical_match: bool  # the FTS5 rows are the store's chunks
    sentences_without_vector: int

    @property
    def healthy(self) -> bool:
        return (self.vectors_unique and self.vectors_match and self.lexical_match
                and not self.sentences_without_vector and not self.write_in_progress)

    def to_dict(self) -> dict:
        return asdict(self) | {"healthy": self.healthy}


def verify(index) -> Health:
    """Is the index consistent? Chroma against the store, the lexical rows against the chunks, every sentence
    with a vector, no write left half-done. For `assistant check` and the crash and concurrency tests."""
    store = index.store
    expected = {i: text_hash(text) for i, text in _chunk_texts(store).items()}
    actual = index.vectors.hashes()
    return Health(documents=store.counts()["documents"], chunks=len(expected),
                  write_in_progress=bool(store.meta(WRITING)), vectors_unique=index.vectors.count() == len(actual),
                  vectors_match=actual == expected, lexical_match=store.lexical_in_step(),
                  sentences_without_vector=len(store.missing_sentence_vectors()))
