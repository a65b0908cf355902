"""Shared fixtures: one real embedder per test session and one real index built from corpus/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant import Assistant, Settings

ROOT = Path(__file__).resolve().parent.parent
SEED_ID = "000_cee5a0d51e26243d.txt"

# Two tiers: `pytest -m "not slow"` (under a minute) runs the code in process against the real store, Chroma,
# embedder and reader; `slow` is what starts a process, a server or a browser, loads the LLM or trains. A test
# is slow by its fixtures or its module (below), or by an explicit `@pytest.mark.slow`. `make test` runs both.
SLOW_FIXTURES = {"app", "app_url", "browser", "page", "llama_server", "site", "store", "reference"}
SLOW_MODULES = {"test_browser", "test_browser_tabs", "test_concurrency", "test_crash", "test_faults", "test_load",
                "test_server_mode", "test_web"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.module.__name__ in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture(scope="module")
def app(tmp_path_factory, embeddings):
    """The app over its own index and corpus folder, so uploads and removals here touch nothing else."""
    from assistant import Assistant, Settings

    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / SEED_ID, corpus / SEED_ID)
    (corpus / "fairhaven.txt").write_text(XSS_DOC, encoding="utf-8")
    Assistant(Settings(index_dir=root / "index", corpus_dir=corpus), embeddings=embeddings).sync(corpus)
    port = free_port()
    command = [sys.executable, str(ROOT / "app.py"), "--index", str(root / "index"), "--port", str(port)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "ASSISTANT_CORPUS_DIR": str(corpus)}
    with serving(command, f"http://127.0.0.1:{port}/", root / "app.log", cwd=ROOT, env=env):
        yield {"url": f"http://127.0.0.1:{port}/", "corpus": corpus, "root": root}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, app, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app["url"])
    page.wait_for_selector("#question textarea")
    page.dialogs = dialogs
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def ask(page, question: str, count: int = 1):
    """Type a question, press Enter, and wait until the `count`-th answer is final (not the streaming one)."""
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    final = "#chat .answer:not(.streaming), #chat .abstain, #chat .error"
    page.wait_for_function(f"document.querySelectorAll({final!r}).length >= {count}", timeout=60_000)
    return page.locator(final).nth(count - 1)


def upload_in_the_corpus_tab(page, path) -> None:
    """Upload one file through the Corpus tab and wait until the report says it was added."""
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload input[type=file]").set_input_files([str(path)])
    page.locator("#add-docs").click()
    page.wait_for_function("document.querySelector('#corpus-report').innerText.includes('1 added')", timeout=120_000)
