"""Ingesting URLs against a real http.server on loopback: articles, failures, non-HTML, oversize."""

import http.server
import threading

import pytest
from helpers import HTML, free_port

from assistant import Assistant, Settings


class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {
        "/storm": (200, "text/html; charset=utf-8", HTML.encode()),
        "/data.json": (200, "application/json", b'{"a": 1}'),
        "/gone": (404, "text/html", b"<html>not here</html>"),
        "/big": (200, "text/html", b"<html><body><p>" + b"word " * 400_000 + b"</p></body></html>"),
        "/moved": (301, "text/html", b""),
    }

    def do_GET(self):
        status, kind, body = self.routes.get(self.path, (404, "text/plain", b"?"))
        self.send_response(status)
        if self.path == "/moved":
            self.send_header("Location", "/storm")
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_urls_are_ingested_and_bad_ones_explained(tmp_path, site, embeddings, corpus_dir):
    settings = Settings(index_dir=tmp_path / "index", max_file_mb=1, fetch_timeout=5)
    assistant = Assistant(settings, embeddings=embeddings)
    closed = f"http://127.0.0.1:{free_port()}/x"
    report = assistant.ingest([f"{site}/storm", f"{site}/moved", f"{site}/data.json", f"{site}/gone", f"{site}/big",
                               closed, corpus_dir])
    assert sorted(d for d, _ in report.added) == sorted([f"{site}/storm", "000_cee5a0d51e26243d.txt"])
    assert report.duplicates == [(f"{site}/moved", f"{site}/storm")]  # the redirect lands on the same article
    reasons = dict(report.failed)
    assert "not an HTML page (content type application/json)" in reasons[f"{site}/data.json"]
    assert "HTTP 404" in reasons[f"{site}/gone"]
    assert "larger than 1 MB" in reasons[f"{site}/big"]
    assert "could not fetch" in reasons[closed]
    stored = assistant.index.catalog[f"{site}/storm"]
    assert stored.url == f"{site}/storm" and stored.outlet == "Riverton Gazette"
    answer = assistant.ask("Who is the harbour master of Riverton?")
    assert "Lena Ortiz" in answer.answer and answer.citations[0].source.startswith(site)


def test_cli_ingest_of_a_url(tmp_path, site):
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).with_name("assistant"))
    done = subprocess.run([exe, "--index", str(tmp_path / "i"), "ingest", f"{site}/storm", f"{site}/gone"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1  # one URL failed
    assert f"added     {site}/storm" in done.stdout and "1 added" in done.stdout
    assert f"{site}/gone: HTTP 404" in done.stderr and "Traceback" not in done.stderr
