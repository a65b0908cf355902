"""The index's one source of truth: an SQLite database (WAL mode) in `index/store.sqlite3`.

It holds the documents (text, metadata, content hash), their chunk and sentence spans,
the sentence vectors, near-duplicate links, the lexical index (FTS5 over stemmed terms),
the manifest, the calibration and a generation counter. Every write is one transaction,
so a reader sees a document whole or not at all and a crash loses nothing committed.
Chroma holds the chunk vectors; it is derived from this store and reconciled with it.

Connections are per thread (SQLite objects must not cross threads); WAL lets readers
run while a writer commits. Writers of different processes are serialised by the
index's file lock (see `locking`), the generation tells readers something changed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from .chunking import Chunk
from .documents import Indexed, StoredDocument
from .errors import IndexMismatchError
from .ids import ChunkId, SentenceId
from .text import terms

FILE = "store.sqlite3"
SCHEMA_VERSION = 1
WRITING = "write_in_progress"  # meta key: set while a write is under way, cleared when it completes
VECTOR_DTYPE = np.float16  # sentence vectors: half the bytes, cosine unchanged to 3 decimals

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, published TEXT, outlet TEXT, url TEXT,
    sha256 TEXT NOT NULL, text TEXT NOT NULL, indexed_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_sha256 ON documents(sha256);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, stop INTEGER NOT NULL, UNIQUE (doc_id, ordinal));
CREATE TABLE IF NOT EXISTS sentences (
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, stop INTEGER NOT NULL, vector BLOB, PRIMARY KEY (doc_id, ordinal)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (
    a TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    b TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_b ON links(b);
CREATE VIRTUAL TABLE IF NOT EXISTS lexical USING fts5(terms, tokenize = "unicode61 tokenchars '_'");
CREATE VIRTUAL TABLE IF NOT EXISTS lexical_vocab USING fts5vocab(lexical, 'row');
"""


class Store:
    """The store in `root` (`create()` makes it); all reads and writes go through here."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / FILE
        self._local = threading.local()

    def create(self) -> None:
        """Make the file and its tables if they are not there yet."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self.db
        db.executescript(_SCHEMA)
        db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        schema = int(db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0])
        if schema > SCHEMA_VERSION:
            raise IndexMismatchError(f"{self.path} was written by a newer version of the assistant (schema {schema}; "
                                     f"this one reads {SCHEMA_VERSION}): upgrade the assistant to open it")

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- reading ---------------------------------------------------------------
    def generation(self) -> int:
        """Bumped by every write: a reader holding caches compares it to know when to refresh."""
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def meta(self, key: str, default=None):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def catalog(self, ids=None) -> dict[str, StoredDocument]:
        """Documents' metadata, chunk count and near-duplicate links by id: all (sorted), or those of `ids` that exist."""
        if ids is None:
            counts = dict(self.db.execute("SELECT doc_id, count(*) FROM chunks GROUP BY doc_id"))
            links = self.db.execute("SELECT a, b FROM links").fetchall()
            rows = self.db.execute("SELECT id, title, published, outlet, url, sha256, indexed_at FROM documents ORDER BY id")
        else:
            ids = list(dict.fromkeys(ids))
            counts = dict(self._in("SELECT doc_id, count(*) FROM chunks WHERE doc_id IN ({}) GROUP BY doc_id", ids))
            links = list(self._in("SELECT a, b FROM links WHERE a IN ({})", ids))
            rows = sorted(self._in("SELECT id, title, published, outlet, url, sha256, indexed_at FROM documents "
                                   "WHERE id IN ({})", ids))
        linked: dict[str, list[str]] = {}
        for a, b in links:
            linked.setdefault(a, []).append(b)
        return {row[0]: StoredDocument(*row, chunks=counts.get(row[0], 0), near_duplicates=tuple(sorted(linked.get(row[0], ()))))
                for row in rows}

    def ids_by_hash(self, hashes) -> dict[str, str]:
        """Content hash → id of the stored document with that text, for the hashes given."""
        return dict(self._in("SELECT sha256, id FROM documents WHERE sha256 IN ({})", list(dict.fromkeys(hashes))))

    def text(self, doc_id: str) -> str:
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return row[0]

    def texts(self, doc_ids) -> dict[str, str]:
        ids = list(dict.fromkeys(doc_ids))
        return dict(self._in("SELECT id, text FROM documents WHERE id IN ({})", ids))

    def chunks(self, chunk_ids) -> dict[ChunkId, Chunk]:
        """The chunks asked for that exist (text sliced from their document)."""
        wanted = {ChunkId(*c) for c in chunk_ids}
        by_doc: dict[str, set[int]] = {}
        for c in wanted:
            by_doc.setdefault(c.doc_id, set()).add(c.ordinal)
        texts = self.texts(by_doc)
        out = {}
        for doc_id, ordinal, start, stop in self._in(
                "SELECT doc_id, ordinal, start, stop FROM chunks WHERE doc_id IN ({})", list(by_doc)):
            if ordinal in by_doc[doc_id]:
                cid = ChunkId(doc_id, ordinal)
                out[cid] = Chunk(cid, doc_id, ordinal, start, stop, texts[doc_id][start:stop])
        return out

    def chunk_spans(self, doc_id: str) -> list[tuple[int, int]]:
        return [tuple(r) for r in self.db.execute(
            "SELECT start, stop FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]

    def sentence_spans(self, doc_id: str) -> list[tuple[int, int]]:
        return [tuple(r) for r in self.db.execute(
            "SELECT start, stop FROM sentences WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]

    def sentences_in(self, doc_id: str, start: int, end: int) -> list[tuple[SentenceId, int, int]]:
        """The sentences lying wholly inside `[start, end)` of a document, in order."""
        rows = self.db.execute("SELECT ordinal, start, stop FROM sentences WHERE doc_id = ? AND start >= ? AND stop <= ? "
                               "ORDER BY ordinal", (doc_id, start, end))
        return [(SentenceId(doc_id, i), a, b) for i, a, b in rows]

    def sentence_vectors(self, sentence_ids) -> dict[SentenceId, np.ndarray]:
        """Stored vectors of the sentences asked for (one range read per document: callers ask for runs)."""
        wanted = {SentenceId(*s) for s in sentence_ids}
        ranges: dict[str, list[int]] = {}
        for s in wanted:
            low, high = ranges.setdefault(s.doc_id, [s.ordinal, s.ordinal])
            ranges[s.doc_id] = [min(low, s.ordinal), max(high, s.ordinal)]
        out = {}
        for doc_id, (low, high) in ranges.items():
            for ordinal, blob in self.db.execute("SELECT ordinal, vector FROM sentences WHERE doc_id = ? AND ordinal "
                                                 "BETWEEN ? AND ? AND vector IS NOT NULL", (doc_id, low, high)):
                sid = SentenceId(doc_id, ordinal)
                if sid in wanted:
                    out[sid] = np.frombuffer(blob, dtype=VECTOR_DTYPE).astype(np.float32)
        return out

    def missing_sentence_vectors(self) -> list[SentenceId]:
        return [SentenceId(*r) for r in self.db.execute("SELECT doc_id, ordinal FROM sentences WHERE vector IS NULL")]

    # -- lexical ----------------------------------------------------------------
    def lexical_search(self, query: str, n: int) -> list[tuple[ChunkId, float]]:
        """Top `n` chunks by BM25 (FTS5's `bm25()`, k1 1.2, b 0.75) over stemmed content words, best first."""
        words = [t for t in dict.fromkeys(terms(query)) if t]
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = self.db.execute(
            "SELECT c.doc_id, c.ordinal, -bm25(lexical) AS score FROM lexical JOIN chunks c ON c.rowid = lexical.rowid "
            "WHERE lexical MATCH ? ORDER BY bm25(lexical) LIMIT ?", (match, n)).fetchall()
        return [(ChunkId(d, o), s) for d, o, s in rows]

    def document_frequencies(self, words: list[str]) -> dict[str, int]:
        """In how many chunks each stemmed term occurs (idf weights for evidence outside BM25)."""
        words = [w for w in dict.fromkeys(words) if w]
        return dict(self._in("SELECT term, doc FROM lexical_vocab WHERE term IN ({})", words))

    def lexical_in_step(self) -> bool:
        """True when the lexical index has exactly one row per chunk."""
        return self.db.execute("SELECT (SELECT count(*) FROM lexical) = (SELECT count(*) FROM chunks) AND NOT EXISTS "
                               "(SELECT 1 FROM chunks WHERE rowid NOT IN (SELECT rowid FROM lexical))").fetchone()[0] == 1

    def is_empty(self) -> bool:
        return self.db.execute("SELECT NOT EXISTS (SELECT 1 FROM documents)").fetchone()[0] == 1

    def counts(self) -> dict[str, int]:
        db = self.db
        return {name: db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in ("documents", "chunks", "sentences")}

    def chunk_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def _in(self, sql: str, values: list, batch: int = 500):
        """Run `sql` with its `IN ({})` bound to `values`, in batches under SQLite's variable limit."""
        for i in range(0, len(values), batch):
            part = values[i : i + batch]
            yield from self.db.execute(sql.format(",".join("?" * len(part))), part)

    # -- writing ---------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator["Transaction"]:
        """One transaction (BEGIN IMMEDIATE): all of it is stored, or none; the generation goes up by one."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield Transaction(db)
            db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


class Transaction:
    """The write operations, only available inside `Store.write()`."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def set_meta(self, key: str, value) -> None:
        if value is None:
            self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False)))

    def put(self, item: Indexed, indexed_at: str) -> None:
        """Store a document with its chunks, sentences and lexical rows, replacing any earlier version."""
        doc = item.doc
        self._drop_pieces([doc.id])
        self.db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (doc.id, doc.title, doc.published, doc.outlet, doc.url, doc.sha256, doc.text, indexed_at))
        for i, (a, b) in enumerate(item.chunks):
            rowid = self.db.execute("INSERT INTO chunks (doc_id, ordinal, start, stop) VALUES (?, ?, ?, ?)",
                                    (doc.id, i, a, b)).lastrowid
            self.db.execute("INSERT INTO lexical (rowid, terms) VALUES (?, ?)", (rowid, " ".join(terms(doc.text[a:b]))))
        vectors = item.sentence_vectors
        self.db.executemany("INSERT INTO sentences VALUES (?, ?, ?, ?, ?)", [
            (doc.id, i, a, b, None if vectors is None else np.asarray(vectors[i], dtype=VECTOR_DTYPE).tobytes())
            for i, (a, b) in enumerate(item.sentences)])

    def set_sentence_vectors(self, vectors: dict[SentenceId, np.ndarray]) -> None:
        self.db.executemany("UPDATE sentences SET vector = ? WHERE doc_id = ? AND ordinal = ?", [
            (np.asarray(v, dtype=VECTOR_DTYPE).tobytes(), s.doc_id, s.ordinal) for s, v in vectors.items()])

    def delete(self, doc_ids: list[str]) -> None:
        self._drop_pieces(doc_ids)
        self.db.executemany("DELETE FROM documents WHERE id = ?", [(d,) for d in doc_ids])

    def link(self, a: str, b: str) -> None:
        self.db.executemany("INSERT OR IGNORE INTO links VALUES (?, ?)", [(a, b), (b, a)])

    def unlink(self, doc_ids: list[str]) -> None:
        for d in doc_ids:
            self.db.execute("DELETE FROM links WHERE a = ? OR b = ?", (d, d))

    def _drop_pieces(self, doc_ids: list[str]) -> None:
        for d in doc_ids:  # FTS rows have no foreign key: delete them by their chunk's rowid first
            self.db.execute("DELETE FROM lexical WHERE rowid IN (SELECT rowid FROM chunks WHERE doc_id = ?)", (d,))
            self.db.execute("DELETE FROM chunks WHERE doc_id = ?", (d,))
            self.db.execute("DELETE FROM sentences WHERE doc_id = ?", (d,))
