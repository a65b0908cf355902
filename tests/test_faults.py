"""Faults at start: lost vector files, a damaged store, an index built with another embedding model or other
chunk settings, a rebuild that dies half-way. Each is detected when the index opens, with a clear message
that names the one command that repairs it (`assistant rebuild`), and never answers from a wrong index."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from helpers import ROOT, SEED_ID, free_port, serving, store_meta, store_snapshot, stored

EXE = str(Path(sys.executable).with_name("assistant"))
Q = "who represents the Hutchins family?"


def _cli(index: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from assistant.cli import main; main()", "--index", str(index), *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, env={**os.environ, **(env or {})})


@pytest.fixture()
def index(tmp_path, seed_settings) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, copy)
    return copy


def _lose_vectors(index: Path) -> None:  # the chroma/ folder deleted or restored from an older backup
    shutil.rmtree(index / "chroma")


def test_lost_vectors_are_noticed_and_answers_stay_right(index, seed_settings, embeddings):
    from assistant import Assistant

    _lose_vectors(index)
    assistant = Assistant(seed_settings.model_copy(update={"index_dir": index}), embeddings=embeddings)
    assert "Gloria Allred" in assistant.ask(Q).answer  # the lexical side and the stored sentence vectors still find it
    [warning] = assistant.index.warnings
    assert "0 of the" in warning and f"assistant --index {index} rebuild" in warning


def test_cli_reports_lost_vectors_and_rebuild_repairs_them(index):
    before = store_snapshot(index)
    _lose_vectors(index)
    asked = _cli(index, "ask", Q, "--json")
    assert asked.returncode == 0, asked.stderr
    assert "chunk vectors" in asked.stderr and f"assistant --index {index} rebuild" in asked.stderr
    assert "Traceback" not in asked.stderr and "Gloria Allred" in json.loads(asked.stdout)["answer"]
    rebuilt = _cli(index, "rebuild")
    assert rebuilt.returncode == 0 and "1 document(s) re-indexed" in rebuilt.stdout, rebuilt.stderr
    again = _cli(index, "ask", Q)
    assert "Gloria Allred" in again.stdout and "chunk vectors" not in again.stderr
    assert store_snapshot(index) == before


def test_damaged_store_is_a_clear_error_not_an_empty_index(index):
    from assistant import Assistant, Settings
    from assistant.errors import IndexMismatchError

    for name in ("store.sqlite3-wal", "store.sqlite3-shm"):
        (index / name).unlink(missing_ok=True)
    (index / "store.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexMismatchError, match="store.sqlite3 is damaged"):
        Assistant(Settings(index_dir=index))
    refused = _cli(index, "list")
    assert refused.returncode == 1 and "is damaged" in refused.stderr and "Traceback" not in refused.stderr


def test_index_built_with_other_chunk_overlap_is_refused(index, seed_settings, embeddings):
    from assistant import Assistant
    from assistant.errors import IndexMismatchError

    with pytest.raises(IndexMismatchError, match=r"chunk_overlap: index has 32, settings say 16.*assistant --index .* rebuild"):
        Assistant(seed_settings.model_copy(update={"index_dir": index, "chunk_overlap": 16}), embeddings=embeddings)


def test_index_built_with_other_chunk_settings_is_refused_then_rebuilt_in_one_command(index):
    env, what = {"ASSISTANT_CHUNK_TOKENS": "100"}, "chunk_tokens: index has 160, settings say 100"
    refused = _cli(index, "ask", Q, env=env)
    assert refused.returncode == 1 and what in refused.stderr and "Traceback" not in refused.stderr
    assert f"assistant --index {index} rebuild" in refused.stderr
    rebuilt = _cli(index, "rebuild", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Gloria Allred" in _cli(index, "ask", Q, env=env).stdout
    assert store_meta(index, "manifest")["chunk_tokens"] == int(env.get("ASSISTANT_CHUNK_TOKENS", 160))


def test_index_built_with_another_embedding_model_is_refused(index, tmp_path, seed_settings):
    from assistant import Assistant, Settings
    from assistant.errors import IndexMismatchError

    other = tmp_path / "other-model"
    shutil.copytree(Settings().model_path(), other)
    config = json.loads((other / "config.json").read_text())
    config["layer_norm_eps"] = 1e-6  # a different model as far as the fingerprint can tell
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(IndexMismatchError, match=r"embedding_fingerprint: index has .*assistant --index .* rebuild"):
        Assistant(seed_settings.model_copy(update={"index_dir": index, "embedding_model": str(other)}))


def test_app_refuses_to_start_on_a_mismatched_index_with_the_message(index):
    done = subprocess.run([sys.executable, str(ROOT / "app.py"), "--index", str(index), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "ASSISTANT_CHUNK_TOKENS": "100"})
    assert done.returncode == 1 and "was built with other settings" in done.stderr and "rebuild" in done.stderr
    assert "Traceback" not in done.stderr


def test_app_starts_on_lost_vectors_and_says_so_in_its_log(index, tmp_path):
    from gradio_client import Client

    _lose_vectors(index)
    port = free_port()
    log = tmp_path / "app.log"
    with serving([sys.executable, str(ROOT / "app.py"), "--index", str(index), "--port", str(port)],
                 f"http://127.0.0.1:{port}/", log, cwd=ROOT, env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}):
        assert "Gloria Allred" in Client(f"http://127.0.0.1:{port}/", verbose=False).predict(Q, 5, api_name="/ask")["answer"]
        assert "chunk vectors" in log.read_text() and "rebuild" in log.read_text()


def test_kill_during_rebuild_loses_nothing_and_rerun_finishes(index):
    """SIGKILL the rebuild after it has dropped the old vectors: the index refuses to open (not silently wrong),
    the documents stay in the store, and running `rebuild` again finishes the job."""
    before = stored(index, "SELECT id, text FROM documents")
    env = {**os.environ, "ASSISTANT_CHUNK_TOKENS": "100"}
    proc = subprocess.Popen([sys.executable, "-c", "from assistant.cli import main; main()", "--index", str(index), "rebuild"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not store_meta(index, "rebuild_in_progress"):
        time.sleep(0.01)
    time.sleep(0.5)  # the old vectors are being dropped or made again: the most fragile moment
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert stored(index, "SELECT id, text FROM documents") == before
    if store_meta(index, "rebuild_in_progress"):
        refused = _cli(index, "ask", Q, env={"ASSISTANT_CHUNK_TOKENS": "100"})
        assert refused.returncode == 1 and "rebuild" in refused.stderr and "interrupted" in refused.stderr
    finished = _cli(index, "rebuild", env={"ASSISTANT_CHUNK_TOKENS": "100"})
    assert finished.returncode == 0, finished.stderr
    assert not store_meta(index, "rebuild_in_progress")
    assert "Gloria Allred" in _cli(index, "ask", Q, env={"ASSISTANT_CHUNK_TOKENS": "100"}).stdout


FACT_Q = "Who is the harbour master of Quillhaven?"


def _long_upload(path: Path, sentences: int = 800) -> Path:
    """A plain-text article of many distinct sentences (seconds of embedding) with one unique fact inside."""
    crops, places = ["barley", "rye", "flax", "oats", "kale", "turnips", "hops"], ["Dunmoor", "Elswick", "Farrow Vale",
                                                                                   "Greyhill", "Ashby Cross", "Penmarsh"]
    lines = ["Upland farm ledger for the northern valleys", ""]
    for i in range(sentences):
        if i == sentences // 2:
            lines.append("The harbour master of Quillhaven is Marisol Eberhardt, appointed by the port council in March.")
        lines.append(f"In week {i % 52 + 1} of season {i // 52 + 1}, growers at {places[i % 6]} weighed "
                     f"{(i * 37) % 991 + 10} sacks of {crops[(i * 3) % 7]} and sold them at market stall {i}.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_kill_during_upload_then_restart_keeps_the_index_consistent_and_the_upload_retries(index, tmp_path):
    """SIGKILL the app while an uploaded file is being indexed (after its chunk vectors are in Chroma, before
    the store names it) and restart it on the same index: the seed document still answers and is listed, the
    dead write's vectors never answer, the next upload reconciles them away (a retry of the same file alone would
    hide a skipped reconcile: it upserts the very same ids), and retrying the interrupted upload adds it once,
    answerable, with the index exactly consistent (checked by the app's verified health after the reconcile, and in
    a fresh process once the app has stopped)."""
    from gradio_client import Client, handle_file
    from helpers import check_index, consistent, writing

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / SEED_ID, corpus / SEED_ID)
    (tmp_path / "upload").mkdir()
    upload = _long_upload(tmp_path / "upload" / "quillhaven-ledger.txt")
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "ASSISTANT_CORPUS_DIR": str(corpus),
           "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}

    def app(log: str):
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        return url, serving([sys.executable, str(ROOT / "app.py"), "--index", str(index), "--port", str(port)], url,
                            tmp_path / log, cwd=ROOT, env=env, start_new_session=True)

    url, running = app("first.log")
    with running as proc:
        job = Client(url, verbose=False).submit([handle_file(upload)], api_name="/upload")
        vectors_written, deadline = False, time.time() + 60
        while time.time() < deadline and not job.done():
            progress = job.status().progress_data or []
            # "Indexing chunks" (n, total) with 0 < n < total: some vectors are stored, the store not yet written
            vectors_written = any(p.desc == "Embedding texts" and p.index and p.length and 0 < p.index < p.length
                                  for p in progress)
            if vectors_written and writing(index):
                break
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert vectors_written and writing(index), "the kill did not land inside the write; the test tested nothing"

    # What the dead process left: the marker, vectors the store does not know, the file copied into the corpus.
    left = check_index(index)
    assert left["write_in_progress"] and left["ids"] == [SEED_ID] and not left["vectors_match"]
    assert (corpus / upload.name).read_bytes() == upload.read_bytes()

    note = tmp_path / "upload" / "harbour-note.txt"
    note.write_text("Ferry timetable note\n\nThe winter ferry to Elswick leaves at seven each morning.\n", encoding="utf-8")
    url, running = app("second.log")
    with running:
        client = Client(url, verbose=False)
        assert "Gloria Allred" in client.predict(Q, 5, api_name="/ask")["answer"]
        assert [d["id"] for d in client.predict(api_name="/documents")] == [SEED_ID]
        assert "Marisol" not in client.predict(FACT_Q, 5, api_name="/ask")["answer"]  # the dead write's vectors never answer
        # Another upload first: the first write after the crash reconciles, so the dead write's vectors go now,
        # not only because retrying the same file would overwrite the same ids.
        outcome = client.predict([handle_file(note)], api_name="/upload")[0]
        assert f"added {note.name}" in outcome, outcome
        health = httpx.get(f"{url}api/health", params={"verify": "true"}, timeout=120).json()
        assert health["healthy"] and health["details"]["vectors_match"], health  # the dead write's vectors are gone

        outcome = client.predict([handle_file(upload)], api_name="/upload")[0]  # the interrupted upload, retried
        assert f"added {upload.name}" in outcome or f"updated {upload.name}" in outcome, outcome
        answer = client.predict(FACT_Q, 5, api_name="/ask")
        assert "Marisol Eberhardt" in answer["answer"] and answer["citations"][0]["source"] == upload.name
        assert "Gloria Allred" in client.predict(Q, 5, api_name="/ask")["answer"]
        assert sorted(d["id"] for d in client.predict(api_name="/documents")) == sorted([SEED_ID, note.name, upload.name])

    state = check_index(index)
    assert state["ids"] == sorted([SEED_ID, note.name, upload.name]) and consistent(state), state
