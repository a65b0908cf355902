"""Crash safety: make Chroma agree with the store again after a write died half-way, and check that they agree.

The store is the source of truth and every write to it is one transaction. Chroma's
chunk vectors are written before that transaction, after a mark in the store says a
write is under way. A mark found later means the writer died (kill -9, power cut):
vectors for ids the store does not know are deleted, vectors that are missing or were
made from other text (their stored hash differs) are made again, and sentences without
a vector get one. Nothing the store holds is lost; nothing is left twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .ids import ChunkId, SentenceId
from .store import WRITING, Store
from .vectors import ChunkVectors, embed_texts, text_hash


def reconcile(store: Store, vectors: ChunkVectors, embeddings) -> dict[str, int]:
    """Bring the chunk vectors in line with the store and fill missing sentence vectors; returns what was fixed."""
    expected = _chunk_texts(store)
    actual = vectors.hashes()
    orphans = [ChunkId.parse(i) for i in actual if i not in expected]
    stale = [ChunkId.parse(i) for i, text in expected.items() if actual.get(i) != text_hash(text)]
    vectors.delete(orphans)
    if stale:
        texts = [expected[str(c)] for c in stale]
        vectors.upsert(stale, embed_texts(embeddings, texts), texts)
    missing = store.missing_sentence_vectors()
    if missing:
        _fill_sentence_vectors(store, embeddings, missing)
    return {"chunks_orphans_deleted": len(orphans), "chunks_re_embedded": len(stale), "sentences_embedded": len(missing)}


def _chunk_texts(store) -> dict[str, str]:
    """Every stored chunk's id (as Chroma holds it) and text: what the vectors must have been made from."""
    out = {}
    for doc_id in store.catalog():
        text = store.text(doc_id)
        for i, (a, b) in enumerate(store.chunk_spans(doc_id)):
            out[str(ChunkId(doc_id, i))] = text[a:b]
    return out


def _fill_sentence_vectors(store: Store, embeddings, missing: list[SentenceId]) -> None:
    texts = store.texts({s.doc_id for s in missing})
    spans = {d: store.sentence_spans(d) for d in texts}
    vectors = embed_texts(embeddings, [texts[s.doc_id][slice(*spans[s.doc_id][s.ordinal])] for s in missing])
    with store.write() as tx:
        tx.set_sentence_vectors(dict(zip(missing, vectors)))


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


def verify(store: Store, vectors: ChunkVectors) -> Health:
    """Is the index consistent? Chroma against the store, the lexical rows against the chunks, every sentence
    with a vector, no write left half-done. For `assistant check` and the crash and concurrency tests."""
    expected = {i: text_hash(text) for i, text in _chunk_texts(store).items()}
    actual = vectors.hashes()
    return Health(documents=store.counts()["documents"], chunks=len(expected),
                  write_in_progress=bool(store.meta(WRITING)), vectors_unique=vectors.count() == len(actual),
                  vectors_match=actual == expected, lexical_match=store.lexical_in_step(),
                  sentences_without_vector=len(store.missing_sentence_vectors()))
