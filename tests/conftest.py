"""Shared fixtures: one real embedder per test session and one real index built from corpus/."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant import Assistant, Settings

ROOT = Path(__file__).resolve().parent.parent
SEED_ID = "000_cee5a0d51e26243d.txt"


@pytest.fixture(scope="session")
def embeddings():
    """The packaged MiniLM, loaded once (about 5 s) and shared by every test that embeds."""
    from assistant.embeddings import load_embeddings

    settings = Settings()
    return load_embeddings(settings.model_path(), settings.threads)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(ROOT / "corpus" / SEED_ID, folder / SEED_ID)
    return folder


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, corpus_dir, embeddings) -> Settings:
    """Settings for an index built once from the seed article."""
    settings = Settings(index_dir=tmp_path_factory.mktemp("index"))
    report = Assistant(settings, embeddings=embeddings).ingest([corpus_dir])
    assert [doc for doc, _ in report.added] == [SEED_ID]
    return settings


@pytest.fixture()
def seed_assistant(seed_settings, embeddings) -> Assistant:
    return Assistant(seed_settings, embeddings=embeddings)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(command: list[str], ready_url: str, log: Path, **popen):
    """Run a real server process until `ready_url` answers 200; stop it afterwards."""
    import httpx

    with open(log, "w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)
    try:
        deadline = time.time() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{command[1]} exited early:\n{log.read_text()[-3000:]}")
            if time.time() > deadline:
                pytest.fail(f"{command[1]} did not start:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def pdf_bytes(content: bytes, compress: bool = False) -> bytes:
    """A minimal one-page PDF whose page content stream is `content` (optionally Flate-compressed)."""
    import zlib

    stream = zlib.compress(content, 9) if compress else content
    extra = b" /Filter /FlateDecode" if compress else b""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + extra + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def stored(index: Path, sql: str, *params) -> list[tuple]:
    """Rows of a query on an index's store, run with plain sqlite3 as an outside observer would."""
    import sqlite3

    db = sqlite3.connect(Path(index) / "store.sqlite3", timeout=30)
    try:
        rows = db.execute(sql, params).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


def store_snapshot(index: Path) -> list[tuple]:
    """Every document's id, hash, text and metadata plus its chunk and sentence spans: what must never be lost."""
    return (stored(index, "SELECT id, sha256, text, title, published, outlet, url FROM documents ORDER BY id")
            + stored(index, "SELECT doc_id, ordinal, start, stop FROM chunks ORDER BY doc_id, ordinal")
            + stored(index, "SELECT doc_id, ordinal, start, stop FROM sentences ORDER BY doc_id, ordinal"))


def store_meta(index: Path, key: str):
    import json

    rows = stored(index, "SELECT value FROM meta WHERE key = ?", key)
    return json.loads(rows[0][0]) if rows else None
