"""Writing the two Chroma collections: chunk vectors and sentence vectors, in one encoder pass or two.

Sentence vectors (`ASSISTANT_SENTENCE_VECTORS`) let ranking and answering compare the question
with single sentences without embedding corpus text at query time. Two ways to make them:

* `standalone` (default): every sentence is embedded on its own, a second encoder pass over
  the same text. It ranks and answers best (Normans hit@1 0.885, contains 0.771) and costs
  ~40 % of ingest time.
* `contextual`: each sentence's vector is the mean of its token states in the chunk pass (the
  first chunk holding it whole), so ingest needs one pass (~1.6x faster). Same hit@5, lower
  hit@1 (0.854) and contains (0.750): a sentence's vector also carries its neighbours. Needs an
  ONNX embedder. See the README's Performance section for the measurements.

Chroma keeps only the vector, the document id and `text_hash` of the text: the text itself
lives in documents.json, and storing it in Chroma too (which full-text indexes it) doubled
the time of every write.
"""

from __future__ import annotations

import hashlib
from typing import Callable

import numpy as np

from .errors import AssistantError

GROUP = 512  # texts (or chunks, with their sentences) embedded and written per Chroma call
MODES = ("standalone", "contextual")

# (doc id, document text, chunk spans, sentence spans)
Entry = tuple[str, str, list, list]


def text_hash(text: str) -> str:
    """Short content hash stored beside each vector, so reconciliation can tell a stale vector."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def owners(chunks: list, sentences: list) -> list[int | None]:
    """For each sentence span, the first chunk span that holds it whole (spans in document order)."""
    out, c = [], 0
    for a, b in sentences:
        while c < len(chunks) and chunks[c][1] < b:
            c += 1
        out.append(c if c < len(chunks) and chunks[c][0] <= a else None)
    return out


def check_supported(index) -> None:
    """Refuse, before anything is written, a sentence-vector mode the embedder cannot make."""
    if index.sentence_mode == "contextual" and not hasattr(index.embeddings, "embed_with_sentences"):
        raise AssistantError("contextual sentence vectors need an ONNX embedder (ASSISTANT_EMBEDDER=onnx-int8 or "
                             "onnx); with torch use ASSISTANT_SENTENCE_VECTORS=standalone")


def write(index, entries: list[Entry], progress: Callable[[int, int], None] | None = None,
          only: set[str] | None = None) -> None:
    """Embed and upsert the chunks (`doc#i`) and sentences (`doc@i`) of `entries`, or just the ids in `only`."""
    chunks = [(f"{d}#{i}", text[a:b], d) for d, text, spans, _ in entries for i, (a, b) in enumerate(spans)]
    sentences = [(f"{d}@{i}", text[a:b], d) for d, text, _, spans in entries for i, (a, b) in enumerate(spans)]
    if only is not None:
        chunks, sentences = [c for c in chunks if c[0] in only], [s for s in sentences if s[0] in only]
    total = len(chunks) + len(sentences)
    tick = (lambda n: progress(min(n, total), total)) if progress else (lambda n: None)
    embed = index.embeddings.embed_documents
    if index.sentence_mode == "contextual":
        done = _write_contextual(index, entries, {c[0] for c in chunks}, {s[0] for s in sentences}, tick)
        _upsert(index.sentence_store, [s for s in sentences if s[0] not in done], embed, lambda n: None)
    else:
        written = _upsert(index.vectorstore, chunks, embed, tick)
        _upsert(index.sentence_store, sentences, embed, lambda n: tick(written + n))


def _put(store, items: list[tuple[str, str, str]], vectors) -> None:
    store._collection.upsert(ids=[i for i, _, _ in items], embeddings=vectors,
                             metadatas=[{"doc_id": d, "sha": text_hash(t)} for _, t, d in items])


def _upsert(store, items: list[tuple[str, str, str]], embed, tick: Callable[[int], None]) -> int:
    """Embed `(id, text, doc_id)` items in groups of like length and write them; returns how many."""
    ordered = sorted(items, key=lambda item: len(item[1]))
    for i in range(0, len(ordered), GROUP):
        part = ordered[i : i + GROUP]
        _put(store, part, embed([t for _, t, _ in part]))
        tick(i + len(part))
    return len(items)


def _write_contextual(index, entries: list[Entry], chunk_ids: set[str], sentence_ids: set[str], tick) -> set[str]:
    """One encoder pass over every chunk wanted itself or holding a wanted sentence; returns the sentence
    ids written (a sentence no chunk holds whole, or cut off by truncation, is left to the caller)."""
    embed = index.embeddings.embed_with_sentences
    jobs = []  # (chunk item, [(sentence item, start, end relative to the chunk)])
    for d, text, chunks, sentences in entries:
        held: list[list] = [[] for _ in chunks]
        for i, c in enumerate(owners(chunks, sentences)):
            if c is not None and f"{d}@{i}" in sentence_ids:
                a, b = sentences[i]
                held[c].append(((f"{d}@{i}", text[a:b], d), a - chunks[c][0], b - chunks[c][0]))
        for c, (a, b) in enumerate(chunks):
            if f"{d}#{c}" in chunk_ids or held[c]:
                jobs.append(((f"{d}#{c}", text[a:b], d), held[c]))
    jobs.sort(key=lambda job: len(job[0][1]))
    written: set[str] = set()
    done = 0
    for i in range(0, len(jobs), GROUP):
        part = jobs[i : i + GROUP]
        vectors, pooled = embed([chunk[1] for chunk, _ in part], [[(a, b) for _, a, b in held] for _, held in part])
        _put(index.vectorstore, [chunk for chunk, _ in part], vectors)
        sentences = [(item, v) for (_, held), vs in zip(part, pooled) for (item, _, _), v in zip(held, vs) if v is not None]
        if sentences:
            _put(index.sentence_store, [item for item, _ in sentences], np.stack([v for _, v in sentences]))
        written.update(item[0] for item, _ in sentences)
        done += len(part) + len(sentences)
        tick(done)
    return written
