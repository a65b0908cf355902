"""Questions and writes in one process (the app: chat users while someone uploads) never see half a write."""

import threading

from assistant import Assistant, Settings
from assistant.locking import ReadWriteLock

from conftest import SEED_ID

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
    assert [d["id"] for d in assistant.documents()] == [SEED_ID]


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

    def progress(done, total):
        if not asker.is_alive() and "started" not in seen:  # mid-write: vectors being stored
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
