"""Chroma server mode: a real `chroma run` on loopback, ingest and ask through it, restart it, ask again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import free_port, serving, store_snapshot

from assistant import Assistant, Settings
from assistant.errors import AssistantError
from assistant.index import Index

CHROMA = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "chroma"


def _chroma_command(path: Path, port: int) -> list[str]:
    exe = shutil.which("chroma") if not CHROMA.exists() else str(CHROMA)
    if not exe:
        pytest.skip("the chroma CLI is not installed")
    return [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]


def test_ingest_and_ask_through_a_chroma_server_that_restarts(tmp_path, corpus_dir, embeddings):
    port = free_port()
    command = _chroma_command(tmp_path / "chroma-data", port)
    heartbeat = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    settings = Settings(index_dir=tmp_path / "index", chroma_url=f"http://127.0.0.1:{port}")
    with serving(command, heartbeat, tmp_path / "chroma-1.log"):
        assistant = Assistant(settings, embeddings=embeddings)
        report = assistant.ingest([corpus_dir])
        assert len(report.added) == 1
        assert not (tmp_path / "index" / "chroma").exists()  # vectors live on the server
        assert (tmp_path / "index" / "store.sqlite3").exists()  # the store (with the lexical index) stays local
        first = assistant.ask("Who represents the Hutchins family?")
        assert "Gloria Allred" in first.answer
        stored = assistant.index.vectors.count()
        assert stored == assistant.index.catalog[report.added[0][0]].chunks
    with serving(command, heartbeat, tmp_path / "chroma-2.log"):  # same data folder, fresh process
        again = Assistant(settings, embeddings=embeddings).ask("Who represents the Hutchins family?")
        assert again.answer == first.answer
        assert [c.source for c in again.citations] == [c.source for c in first.citations]
        assert again.passages[0].dense_rank is not None  # the dense half answered, not just BM25
        Index.clear_folder(settings.index_dir)  # what `ingest --rebuild` does: the server's vectors go too
        rebuilt = Assistant(settings, embeddings=embeddings)
        rebuilt.ingest([corpus_dir])
        assert rebuilt.index.vectors.count() == stored


def test_an_unreachable_chroma_server_is_a_clear_error(tmp_path, embeddings, corpus_dir):
    settings = Settings(index_dir=tmp_path / "index", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(AssistantError, match="Chroma server"):
        Assistant(settings, embeddings=embeddings).ingest([corpus_dir])


def test_a_server_that_stops_mid_session_gives_a_clear_message_and_works_again_when_back(tmp_path, corpus_dir, embeddings):
    port = free_port()
    command = _chroma_command(tmp_path / "chroma-data", port)
    heartbeat = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    assistant = Assistant(Settings(index_dir=tmp_path / "index", chroma_url=f"http://127.0.0.1:{port}"), embeddings=embeddings)
    with serving(command, heartbeat, tmp_path / "chroma-1.log"):
        assistant.ingest([corpus_dir])
        first = assistant.ask("Who represents the Hutchins family?").answer
    before = store_snapshot(tmp_path / "index")
    with pytest.raises(AssistantError, match="vector store is unavailable"):  # same session, server gone
        assistant.ask("Who represents the Hutchins family?")
    with pytest.raises(AssistantError, match="vector store is unavailable"):
        assistant.remove([assistant.documents()[0].id])
    assert store_snapshot(tmp_path / "index") == before  # nothing stored was lost
    with serving(command, heartbeat, tmp_path / "chroma-2.log"):  # back: the same Assistant answers again
        assert assistant.ask("Who represents the Hutchins family?").answer == first
