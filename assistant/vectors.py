"""Vectors: the encoder passes over new documents, and the Chroma collection of chunk vectors.

Chunk vectors go to Chroma (nearest-neighbour search); sentence vectors go to the store
beside their sentences (they are only ever fetched by id, so an HNSW graph for them would
be disk and write time that nothing reads). Two ways to make sentence vectors
(`ASSISTANT_SENTENCE_VECTORS`):

* `contextual` (default): each sentence's vector is the mean of its token states in the
  chunk pass (the first chunk holding it whole), so ingest needs one encoder pass.
* `standalone`: every sentence is embedded on its own, a second pass over the same text.

Chroma is used through chromadb's public API: the embedded `PersistentClient` in
`index/chroma`, or `HttpClient` for a server (`ASSISTANT_CHROMA_URL`). It keeps each vector
with its document id and a hash of the text it was made from, so reconciliation can tell
a stale vector from a current one.
"""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import AssistantError
from .ids import ChunkId
from .settings import StorageSettings

GROUP = 128  # texts per encoder call group (sorted by length so padding stays small); progress and Chroma writes follow it
MODES = ("standalone", "contextual")
DEFAULT_MODE = "contextual"


def text_hash(text: str) -> str:
    """Short content hash stored beside each vector, so reconciliation can tell a stale vector."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


# -- encoding -------------------------------------------------------------------------
@dataclass
class Encoded:
    """One document's vectors: a row per chunk span and a row per sentence span."""

    chunks: np.ndarray
    sentences: np.ndarray


def owners(chunks: list, sentences: list) -> list[int | None]:
    """For each sentence span, the first chunk span that holds it whole (spans in document order)."""
    out, c = [], 0
    for a, b in sentences:
        while c < len(chunks) and chunks[c][1] < b:
            c += 1
        out.append(c if c < len(chunks) and chunks[c][0] <= a else None)
    return out


def check_supported(embeddings, mode: str) -> None:
    """Refuse, before anything is written, a sentence-vector mode the embedder cannot make."""
    if mode == "contextual" and not hasattr(embeddings, "embed_with_sentences"):
        raise AssistantError("contextual sentence vectors need an ONNX embedder (ASSISTANT_EMBEDDER=onnx-int8 or "
                             "onnx); with torch use ASSISTANT_SENTENCE_VECTORS=standalone")


def embed_texts(embeddings, texts: list[str], tick: Callable[[int], None] = lambda n: None,
                on_group: Callable[[list[int], np.ndarray], None] | None = None) -> np.ndarray:
    """Embed `texts` in groups of like length; rows in the order given. `on_group(rows, vectors)` sees each group."""
    out = np.zeros((len(texts), 0), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for i in range(0, len(order), GROUP):
        part = order[i : i + GROUP]
        vectors = np.asarray(embeddings.embed_documents([texts[j] for j in part]), dtype=np.float32)
        if out.shape[1] == 0:
            out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        out[part] = vectors
        if on_group:
            on_group(part, vectors)
        tick(i + len(part))
    return out


ChunkSink = Callable[[list[tuple[int, int]], np.ndarray], None]  # ([(document, chunk)], their vectors)


def encode(embeddings, mode: str, docs: list[tuple[str, list, list]],
           progress: Callable[[int, int], None] | None = None, on_chunks: ChunkSink = lambda ids, v: None) -> list[Encoded]:
    """Vectors for `(text, chunk spans, sentence spans)` of each document, in `mode`. Chunk vectors are handed to
    `on_chunks` group by group as they are made, so a long write stores them as it goes."""
    total = sum(len(c) + len(s) for _, c, s in docs)
    tick = (lambda n: progress(min(n, total), total)) if progress else (lambda n: None)
    if mode == "contextual":
        return _encode_contextual(embeddings, docs, tick, on_chunks)
    where = [(d, c) for d, (_, spans, _) in enumerate(docs) for c in range(len(spans))]
    chunk_texts = [text[a:b] for text, spans, _ in docs for a, b in spans]
    chunk_vectors = embed_texts(embeddings, chunk_texts, tick, lambda rows, v: on_chunks([where[r] for r in rows], v))
    sentence_vectors = embed_texts(embeddings, [text[a:b] for text, _, spans in docs for a, b in spans],
                                   lambda n: tick(len(chunk_texts) + n))
    return _split(docs, chunk_vectors, sentence_vectors)


def _split(docs, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> list[Encoded]:
    out, c, s = [], 0, 0
    for _, chunks, sentences in docs:
        out.append(Encoded(chunk_vectors[c : c + len(chunks)], sentence_vectors[s : s + len(sentences)]))
        c, s = c + len(chunks), s + len(sentences)
    return out


def _encode_contextual(embeddings, docs, tick, on_chunks: ChunkSink) -> list[Encoded]:
    """One encoder pass over the chunks; each sentence pooled from the first chunk holding it whole. A sentence
    no chunk holds whole (or cut off by truncation) is embedded on its own."""
    jobs = []  # (doc index, chunk index, chunk text, [(sentence index, start, end relative to the chunk)])
    for d, (text, chunks, sentences) in enumerate(docs):
        held: list[list] = [[] for _ in chunks]
        for i, c in enumerate(owners(chunks, sentences)):
            if c is not None:
                held[c].append((i, sentences[i][0] - chunks[c][0], sentences[i][1] - chunks[c][0]))
        jobs.extend((d, c, text[a:b], held[c]) for c, (a, b) in enumerate(chunks))
    jobs.sort(key=lambda job: len(job[2]))
    chunk_out: list[list] = [[None] * len(c) for _, c, _ in docs]
    sentence_out: list[list] = [[None] * len(s) for _, _, s in docs]
    done = 0
    for i in range(0, len(jobs), GROUP):
        part = jobs[i : i + GROUP]
        vectors, pooled = embeddings.embed_with_sentences([j[2] for j in part], [[(a, b) for _, a, b in j[3]] for j in part])
        on_chunks([(d, c) for d, c, _, _ in part], np.asarray(vectors, dtype=np.float32))
        for (d, c, _, held), vector, vs in zip(part, vectors, pooled):
            chunk_out[d][c] = vector
            for (s, _, _), v in zip(held, vs):
                sentence_out[d][s] = v
                done += v is not None
        done += len(part)
        tick(done)
    lost = [(d, s) for d, row in enumerate(sentence_out) for s, v in enumerate(row) if v is None]
    if lost:
        vectors = embed_texts(embeddings, [docs[d][0][slice(*docs[d][2][s])] for d, s in lost])
        for (d, s), v in zip(lost, vectors):
            sentence_out[d][s] = v
        tick(done + len(lost))
    dim = len(chunk_out[0][0]) if jobs else 0
    return [Encoded(np.asarray(c, dtype=np.float32).reshape(len(c), dim), np.asarray(s, dtype=np.float32).reshape(len(s), dim))
            for c, s in zip(chunk_out, sentence_out)]


# -- Chroma ---------------------------------------------------------------------------
def chroma_client(settings: StorageSettings, root: Path):
    """The Chroma client: a server at `settings.chroma_url` (HttpClient), else the embedded store in `root/chroma`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.chroma_url:
        return chromadb.PersistentClient(path=str(root / "chroma"), settings=chroma_settings)
    from urllib.parse import urlsplit

    url = urlsplit(settings.chroma_url if "://" in settings.chroma_url else "http://" + settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise AssistantError(f"ASSISTANT_CHROMA_URL must look like http://host:port, not {settings.chroma_url!r}")
    token = settings.chroma_token.get_secret_value()
    headers = {"Authorization": f"Bearer {token}", "X-Chroma-Token": token} if token else None
    try:
        return chromadb.HttpClient(host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                                   ssl=url.scheme == "https", headers=headers, settings=chroma_settings)
    except Exception as exc:  # the client checks the server at once
        raise AssistantError(f"the vector store is unavailable (cannot reach the Chroma server at {settings.chroma_url}: "
                             f"{exc}); try again when it is back") from None


class ChunkVectors:
    """The chunk collection (cosine space; we embed, Chroma stores), opened on first use.

    An embedded Chroma keeps its HNSW graph in memory and does not see another process's
    writes: `reopen()` (called when the store's generation moved) loads it afresh.
    """

    HNSW = {"space": "cosine", "ef_construction": 100, "max_neighbors": 16}

    def __init__(self, settings: StorageSettings, root: Path) -> None:
        """Built from the `storage` section of the settings."""
        self.settings, self.root = settings, Path(root)
        self.name = settings.collection
        self._client = None
        self._collection = None
        self._opening = threading.Lock()  # chromadb's client cache is not safe to fill from two threads at once

    @property
    def collection(self):
        collection = self._collection
        if collection is None:
            with self._opening, self.errors():
                if self._collection is None:
                    if self._client is None:
                        self._client = chroma_client(self.settings, self.root)
                    self._collection = self._client.get_or_create_collection(
                        self.name, configuration={"hnsw": self.HNSW}, embedding_function=None)
                collection = self._collection
        return collection

    @contextmanager
    def errors(self):
        """On a Chroma server, a dropped connection becomes one clear message and the next call reconnects.
        A write it interrupts leaves its mark in the store, so the next write reconciles as after a crash."""
        try:
            yield
        except AssistantError:
            raise
        except Exception as exc:
            if not self.settings.chroma_url:
                raise
            self._client = self._collection = None
            raise AssistantError(f"the vector store is unavailable (Chroma server at {self.settings.chroma_url}: "
                                 f"{type(exc).__name__}); try again when it is back") from None

    def reopen(self) -> None:
        with self._opening:
            if self._client is not None and not self.settings.chroma_url:
                self._client.clear_system_cache()  # the embedded client is cached per path; drop it to reload from disk
            self._client = self._collection = None

    def drop(self) -> None:
        """Delete this index's collection from the client."""
        if self._client is None:
            self.collection  # noqa: B018 - the property opens the client
        try:
            self._client.delete_collection(self.name)
        except Exception:  # noqa: BLE001 - already gone
            pass
        self._collection = None

    def upsert(self, ids: list[ChunkId], vectors: np.ndarray, texts: list[str]) -> None:
        for i in range(0, len(ids), GROUP * 4):
            part = slice(i, i + GROUP * 4)
            with self.errors():
                self.collection.upsert(ids=[str(c) for c in ids[part]], embeddings=np.asarray(vectors[part], dtype=np.float32),
                                       metadatas=[{"doc_id": c.doc_id, "sha": text_hash(t)} for c, t in zip(ids[part], texts[part])])

    def delete(self, ids: list[ChunkId]) -> None:
        if ids:
            with self.errors():
                self.collection.delete(ids=[str(c) for c in ids])

    def get(self, ids: list[ChunkId]) -> dict[ChunkId, np.ndarray]:
        if not ids:
            return {}
        with self.errors():
            got = self.collection.get(ids=[str(c) for c in ids], include=["embeddings"])
        return {ChunkId.parse(i): np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}

    def hashes(self) -> dict[str, str]:
        """Every stored id with the hash of the text its vector was made from."""
        with self.errors():
            got = self.collection.get(include=["metadatas"])
        return {i: (meta or {}).get("sha", "") for i, meta in zip(got["ids"], got["metadatas"])}

    def count(self) -> int:
        with self.errors():
            return self.collection.count()

    def query(self, vectors: list, n: int) -> list[list[tuple[str, float]]]:
        """Nearest chunk ids (as stored) with cosine similarity, best first, for each vector."""
        if not len(vectors):
            return []
        with self.errors():
            got = self.collection.query(query_embeddings=[np.asarray(v, dtype=np.float32) for v in vectors],
                                        n_results=n, include=["distances"])
        return [[(i, 1.0 - d) for i, d in zip(ids, dists)] for ids, dists in zip(got["ids"], got["distances"])]
