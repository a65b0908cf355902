"""Questions and writes in one process (the app: chat users while someone uploads) never see half a write."""

import threading
from pathlib import Path

from helpers import SEED_ID

from assistant import Assistant, Settings
from assistant.locking import ReadWriteLock

STORY = "The Lantern Fair\n\nThe Lantern Fair in Millbrook was opened by Mayor Tobias Wren on {day}. Stall {n} sold lanterns.\n"


def test_questions_stay_correct_while_documents_are_added_and_removed(tmp_path, corpus_dir, embeddings):
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.ingest([corpus_dir / SEED_ID])
    errors, answers, stop = [], [], threading.Event()

    def asker():
        while not stop.is_set():
            try:
                answers.append(assistant.ask("Who represents the Hutchins family?").answer)
                assistant.documents()
            except Exception as exc:  # noqa: BLE001 - any error at all fails the test below
                errors.append(repr(exc))

    threads = [threading.Thread(target=asker) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for n in range(3):
            story = tmp_path / f"fair-{n}.txt"
            story.write_text(STORY.format(day=["Monday", "Tuesday", "Friday"][n], n=n), encoding="utf-8")
            assert [d for d, _ in assistant.ingest([story]).added] == [story.name]
            assert "Tobias Wren" in assistant.ask("Who opened the Lantern Fair in Millbrook?").answer
            assert assistant.remove([story.name]).removed == [story.name]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert answers and all("Gloria Allred" in a for a in answers)
    assert [d.id for d in assistant.documents()] == [SEED_ID]


def test_a_question_asked_during_a_write_waits_and_sees_the_finished_write(tmp_path, corpus_dir, embeddings):
    """Half-way through an upload the vectors exist but BM25 and the store do not know them yet."""
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.ingest([corpus_dir / SEED_ID])
    story = tmp_path / "fair.txt"
    story.write_text(STORY.format(day="Monday", n=1), encoding="utf-8")
    seen = {}

    def ask():
        seen["answer"] = assistant.ask("Who opened the Lantern Fair in Millbrook?").answer

    asker = threading.Thread(target=ask)

    def progress(step):
        mid_write = step.phase == "embedding" and step.done and not step.events  # vectors stored, not yet committed
        if mid_write and not asker.is_alive() and "started" not in seen:
            seen["started"] = True
            asker.start()
            asker.join(0.5)
            seen["finished during the write"] = not asker.is_alive()

    assistant.ingest([story], progress=progress)
    asker.join(30)
    assert seen["started"] and seen["finished during the write"] is False
    assert "Tobias Wren" in seen["answer"]


def test_a_waiting_writer_holds_back_new_readers():
    lock, order = ReadWriteLock(), []
    reading, writer_waiting = threading.Event(), threading.Event()

    def first_reader():
        with lock.reading():
            reading.set()
            writer_waiting.wait(5)
            order.append("reader 1 done")

    def writer():
        reading.wait(5)
        writer_waiting.set()
        with lock.writing():
            order.append("writer")

    threads = [threading.Thread(target=first_reader), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    writer_waiting.wait(5)
    threading.Event().wait(0.1)  # let the writer start waiting
    with lock.reading():
        order.append("reader 2")
    for t in threads:
        t.join()
    assert order == ["reader 1 done", "writer", "reader 2"]


# --------------------------------------------------------------------------- several processes on one index
WRITER = """
import sys
from pathlib import Path
from assistant import Assistant, Settings
assistant = Assistant(Settings(index_dir=sys.argv[1]))
for path in sorted(Path(sys.argv[2]).iterdir()):  # one write per document: 25 separate transactions
    report = assistant.ingest([path])
    assert [d for d, _ in report.added] == [path.name], report.summary()
"""

READER = """
import json, sys, time
from pathlib import Path
from assistant import Assistant, Settings
assistant = Assistant(Settings(index_dir=sys.argv[1]))
stop, errors, asked, seen = Path(sys.argv[2]), [], 0, []
while not stop.exists():
    try:
        answer = assistant.ask("Who represents the Hutchins family?")
        if "Gloria Allred" not in answer.answer:
            errors.append("wrong: " + answer.answer)
        seen.append(len(assistant.documents()))
        asked += 1
    except Exception as exc:
        errors.append(repr(exc))
late = assistant.ask("Which clerk filed ledger 3-24 in Millbrook?")  # written by another process while this one ran
print(json.dumps({"errors": errors[:5], "n_errors": len(errors), "asked": asked, "seen": seen, "late": late.answer}))
"""


def _stories(folder: Path, writer: int, n: int = 25) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"w{writer}-{i:02d}.txt").write_text(
            f"Millbrook ledger {writer}-{i}\n\nLedger {writer}-{i} of the Millbrook market was filed by clerk "
            f"Odessa Vantreight{writer}x{i} on a {['Monday', 'Tuesday', 'Friday'][i % 3]}. It lists {i + 3} stalls "
            f"and {writer * 7 + i} crates of pears from orchard {writer}{i}.\n", encoding="utf-8")
    return folder


def test_four_writer_processes_and_a_reader_lose_nothing(tmp_path, seed_settings):
    """4 processes each add 25 documents, one write at a time, to one index while a fifth process keeps asking.
    Every document is present exactly once, Chroma, the lexical index and the store agree, the reader never
    errs, and it sees the others' writes without reopening the index."""
    import json
    import shutil
    import subprocess
    import sys

    from helpers import ROOT, check_index, consistent

    index = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index)
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(index), str(stop)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(index), str(_stories(tmp_path / f"w{w}", w))],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(4)]
    for w in writers:
        _, err = w.communicate(timeout=600)
        assert w.returncode == 0, err[-2000:]
    stop.write_text("")
    out, err = reader.communicate(timeout=300)
    assert reader.returncode == 0, err[-2000:]
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["n_errors"] == 0, seen["errors"]
    assert seen["asked"] > 0 and seen["seen"] == sorted(seen["seen"]) and seen["seen"][-1] > 1
    assert "Odessa Vantreight3x24" in seen["late"], seen["late"]
    state = check_index(index)
    expected = {"000_cee5a0d51e26243d.txt"} | {f"w{w}-{i:02d}.txt" for w in range(4) for i in range(25)}
    assert sorted(state["ids"]) == sorted(expected) and state["documents"] == 101
    assert consistent(state), state


def test_the_app_answers_about_a_document_the_cli_adds_without_a_restart(tmp_path, seed_settings):
    """The running app (its own process, its own Chroma client) and a terminal writing to the same index."""
    import os
    import shutil
    import subprocess
    import sys
    import time

    from gradio_client import Client
    from helpers import ROOT, free_port, serving

    index = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index)
    story = tmp_path / "ferry.txt"
    story.write_text("Ferry notice\n\nThe winter ferry to Elswick is captained by Rosalind Quarrie this year.\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with serving([sys.executable, str(ROOT / "app.py"), "--index", str(index), "--port", str(port)], url,
                 tmp_path / "app.log", cwd=ROOT, env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}):
        client = Client(url, verbose=False)
        assert "Gloria Allred" in client.predict("Who represents the Hutchins family?", 5, api_name="/ask")["answer"]
        added = subprocess.run([str(Path(sys.executable).with_name("assistant")), "--index", str(index), "ingest",
                                str(story)], capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert added.returncode == 0 and "1 added" in added.stdout, added.stderr
        t0 = time.perf_counter()
        answer = client.predict("Who captains the winter ferry to Elswick?", 5, api_name="/ask")
        took = time.perf_counter() - t0
        assert "Rosalind Quarrie" in answer["answer"] and answer["citations"][0]["source"] == "ferry.txt"
        assert took <= 2.0, f"the first answer after the CLI's write took {took:.2f} s"
        assert "ferry.txt" in [d["id"] for d in client.predict(api_name="/documents")]
