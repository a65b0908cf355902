"""Helpers the tests share: paths, a real server process, store observers, PDF bytes, browser steps, crash
checks and typed test values. Fixtures stay in conftest.py; tests import these by name."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.chunking import Chunk
from assistant.documents import Meta
from assistant.ids import ChunkId
from assistant.retrieval import Passage

ROOT = Path(__file__).resolve().parent.parent
SEED_ID = "000_cee5a0d51e26243d.txt"


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


@contextmanager
def app_server(root: Path, embeddings, ready: str = "/", **env):
    """The app (`app.py`) over its own corpus folder (the seed and the XSS documents) and index under `root`, on a
    free port, until the block ends; yields its base URL (no trailing slash) and the corpus folder."""
    import shutil

    from assistant import Assistant, Settings

    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / SEED_ID, corpus / SEED_ID)
    (corpus / "fairhaven.txt").write_text(XSS_DOC, encoding="utf-8")
    for name, content in env.pop("files", {}).items():
        (corpus / name).write_text(content, encoding="utf-8")
    Assistant(Settings(index_dir=root / "index", corpus_dir=corpus), embeddings=embeddings).sync(corpus)
    port = free_port()
    command = [sys.executable, str(ROOT / "app.py"), "--index", str(root / "index"), "--port", str(port)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "ASSISTANT_CORPUS_DIR": str(corpus), **env}
    with serving(command, f"http://127.0.0.1:{port}{ready}", root / "app.log", cwd=ROOT, env=env):
        yield f"http://127.0.0.1:{port}", corpus


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


def stored_document(index: Path, doc_id: str) -> dict:
    """One document's stored row (id, sha256, text, title, published, outlet, url) as a dict."""
    columns = ("id", "sha256", "text", "title", "published", "outlet", "url")
    [row] = stored(index, f"SELECT {', '.join(columns)} FROM documents WHERE id = ?", doc_id)
    return dict(zip(columns, row))


def seeded_index(base: Path, embeddings, files: dict[str, bytes], **settings):
    """`base/corpus` with the seed article and `files`, ingested into `base/index` by a new assistant; returns
    the corpus folder, the index folder, the assistant and its ingest report."""
    import shutil

    from assistant import Assistant, Settings

    corpus, index = base / "corpus", base / "index"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / SEED_ID, corpus / SEED_ID)
    for name, content in files.items():
        (corpus / name).write_bytes(content)
    assistant = Assistant(Settings(index_dir=index, corpus_dir=corpus, **settings), embeddings=embeddings)
    return corpus, index, assistant, assistant.ingest([corpus])


def store_snapshot(index: Path) -> list[tuple]:
    """Every document's id, hash, text and metadata plus its chunk and sentence spans: what must never be lost."""
    return (stored(index, "SELECT id, sha256, text, title, published, outlet, url FROM documents ORDER BY id")
            + stored(index, "SELECT doc_id, ordinal, start, stop FROM chunks ORDER BY doc_id, ordinal")
            + stored(index, "SELECT doc_id, ordinal, start, stop FROM sentences ORDER BY doc_id, ordinal"))


def store_meta(index: Path, key: str):
    import json

    rows = stored(index, "SELECT value FROM meta WHERE key = ?", key)
    return json.loads(rows[0][0]) if rows else None


# Browser tests: the real app in Debian's Chromium through Playwright (tests/test_browser*.py).
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
XSS_DOC = """The Fairhaven Marmalade Vote

The town council of Fairhaven voted on the marmalade levy on Tuesday. <script>window.__xss = "script"</script>
The harbour master of Fairhaven, Petra Quillfeather, said the levy would pay for a lighthouse <img src=x onerror="window.__xss='img'">.
Critics said the money should go to [the new library](javascript:window.__xss='md-link') instead of the lighthouse.
Supporters answered at <a href="javascript:window.__xss='anchor'" onclick="window.__xss='onclick'">the town hall meeting</a> on Wednesday.
"""
# Skipped only outside CI; in CI a missing browser is a failure, not a skip.
browser_tests = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian chromium is not installed (make browser installs it)")


KEPT = "news-assistant-conversation"  # the chat's BrowserState key (assistant/ui/chat.py)


def ask(page, question: str, count: int = 1, timeout: int = 60_000):
    """Type a question, press Enter, and wait until the `count`-th reply is final (not the streaming one).

    The reply is looked up inside the `count`-th bot message: a count of final answers across the whole chat
    could match the earlier answer while the chat re-renders (one possible cause of a CI failure never
    reproduced here). It returns once the whole answer event has ended, follow-up questions drawn: the
    browser's copy of the chat (`kept`) is written then. Until that, the message is redrawn under a test that
    reads it, and an event started meanwhile (a reopened chat, a date picked) can meet the state before it."""
    kept = page.evaluate(f"localStorage.getItem({KEPT!r})")
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    final = ".answer:not(.streaming), .abstain, .error"
    page.wait_for_function(
        f"""() => {{
            const bots = document.querySelectorAll('#chat [data-testid=bot]');
            return document.querySelectorAll('#chat [data-testid=user]').length >= {count}
                && bots.length >= {count} && !!bots[{count - 1}].querySelector({final!r});
        }}""", timeout=timeout)
    page.wait_for_function(f"k => localStorage.getItem({KEPT!r}) !== k", arg=kept, timeout=timeout)
    return page.locator("#chat [data-testid=bot]").nth(count - 1).locator(final).first


def upload_in_the_corpus_tab(page, path) -> None:
    """Upload one file through the Corpus tab and wait until the report says it was added."""
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload input[type=file]").set_input_files([str(path)])
    page.locator("#add-docs").click()
    page.wait_for_function("document.querySelector('#corpus-report')?.innerText.includes('1 added')", timeout=120_000)


CHECK = """
import json, sys
from assistant import Assistant, Settings
index = Assistant(Settings(index_dir=sys.argv[1])).index
print(json.dumps({**index.health().to_dict(), "ids": sorted(index.catalog)}))
"""


def writing(index: Path) -> bool:
    """Is a write marked as under way in the index's store?"""
    import sqlite3

    if not (index / "store.sqlite3").exists():
        return False
    db = sqlite3.connect(index / "store.sqlite3", timeout=30)
    try:
        return db.execute("SELECT count(*) FROM meta WHERE key = 'write_in_progress'").fetchone()[0] > 0
    finally:
        db.close()


def consistent(state: dict) -> bool:
    return state["healthy"]


def check_index(index: Path) -> dict:
    """The index's health and document ids, read by a fresh process (as a user's next command would)."""
    done = subprocess.run([sys.executable, "-c", CHECK, str(index)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


HTML = """<!doctype html><html><head><title>Storm closes Riverton port | Riverton Gazette</title>
<meta property="og:site_name" content="Riverton Gazette"><meta property="article:published_time" content="2024-05-02">
<script>window.track = function(){ document.write('TRACKING CODE'); }</script><style>.x{color:red}</style></head>
<body><nav><a href="/">Home</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav>
<article><h1>Storm closes Riverton port</h1>
<p>A winter storm closed the port of Riverton on Thursday, the harbour master Lena Ortiz said.</p>
<p>Ferries to the islands will not sail before Saturday, when the winds are expected to drop below 60 km/h.</p>
<p>Fishermen moved their boats to the inner basin overnight, and no injuries were reported.</p></article>
<footer>Copyright Riverton Gazette. All rights reserved. Subscribe to our newsletter.</footer></body></html>"""


def passage(source: str, text: str = "", *, title: str = "", start: int = 0, end: int | None = None,
            published: str | None = None, outlet: str | None = None, url: str | None = None,
            score: float = 0.0, best_coverage: float = 0.0) -> Passage:
    """A retrieved passage of document `source` holding `text` at `start` (the other evidence at zero)."""
    end = start + len(text) if end is None else end
    chunk = Chunk(ChunkId(source, 0), source, 0, start, end, text)
    return Passage(chunk, Meta(title, published, outlet, url), score, 0.0, 0.0, 0.0, best_coverage)


class Canned:
    """A canned Answer-like result (`to_dict` only), to check the scorer itself on a hand-made case."""

    def __init__(self, **data):
        self.data = data

    def to_dict(self):
        return self.data
