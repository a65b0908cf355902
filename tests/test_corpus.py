"""Corpus management: sync mirrors a folder, remove leaves no trace, list shows metadata — on a real index."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant, AssistantError, Settings
from assistant.options import AskOptions


def _consistent(assistant) -> bool:
    return assistant.index.health().healthy


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    (folder / "local").mkdir(parents=True)
    (folder / "flood.txt").write_text("Flood in Riverton\n\nThe river rose two metres on Tuesday. Mayor Ada Park ordered an evacuation.\n")
    (folder / "local" / "budget.md").write_text(
        "---\ntitle: Council passes budget\ndate: 2024-03-01\nsource: Riverton Gazette\n---\n"
        "The council approved a library budget of 2 million euros on Monday.\n")
    return folder


def test_sync_adds_updates_and_removes_and_both_indexes_agree(tmp_path, corpus, embeddings):
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    first = assistant.sync(corpus)
    assert sorted(d for d, _ in first.added) == ["flood.txt", "local/budget.md"]
    assert _consistent(assistant)

    (corpus / "flood.txt").write_text("Flood in Riverton\n\nThe river fell on Friday. Mayor Ben Stone lifted the order.\n")
    (corpus / "local" / "budget.md").unlink()
    (corpus / "fire.txt").write_text("A fire broke out at the Riverton mill on Sunday. Nobody was hurt.\n")
    second = assistant.sync(corpus)
    assert [d for d, _ in second.updated] == ["flood.txt"] and [d for d, _ in second.added] == ["fire.txt"]
    assert second.removed == ["local/budget.md"]
    assert sorted(assistant.index.catalog) == ["fire.txt", "flood.txt"]
    assert _consistent(assistant)
    assert "Ben Stone" in assistant.ask("Who lifted the order?").answer

    third = assistant.sync(corpus)
    assert sorted(third.unchanged) == ["fire.txt", "flood.txt"] and not (third.added or third.updated or third.removed)


def test_a_file_that_breaks_keeps_its_indexed_version(tmp_path, corpus, embeddings):
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(corpus)
    (corpus / "flood.txt").write_bytes(b"\xff\xfe\x00binary now")
    report = assistant.sync(corpus)
    assert [d for d, _ in report.failed] == ["flood.txt"] and report.removed == []
    assert "flood.txt" in assistant.index.catalog


def test_remove_leaves_no_trace(tmp_path, corpus, embeddings):
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(corpus)
    report = assistant.remove(["flood.txt", "nope.txt"])
    assert report.removed == ["flood.txt"] and [d for d, _ in report.failed] == ["nope.txt"]
    reopened = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assert list(reopened.index.catalog) == ["local/budget.md"]
    assert _consistent(reopened)
    assert not any(i.startswith("flood.txt") for i in reopened.index.vectors.hashes())
    assert not reopened.index.store.sentence_spans("flood.txt")
    assert reopened.ask("Who ordered an evacuation?").retrieved == ["local/budget.md"]


def test_sync_of_a_missing_folder_is_a_clear_error(tmp_path, embeddings):
    with pytest.raises(AssistantError, match="not a folder"):
        Assistant(Settings(index_dir=tmp_path / "i"), embeddings=embeddings).sync(tmp_path / "missing")


@pytest.mark.slow
def test_cli_sync_list_remove(tmp_path, corpus):
    exe = str(Path(sys.executable).with_name("assistant"))
    index = str(tmp_path / "index")

    def run(*args):
        return subprocess.run([exe, "--index", index, *args], capture_output=True, text=True, timeout=300)

    synced = run("sync", str(corpus))
    assert synced.returncode == 0, synced.stderr
    assert "2 added, 0 updated, 0 unchanged, 0 removed, 0 failed" in synced.stdout
    listed = json.loads(run("list", "--json").stdout)
    budget = next(d for d in listed if d["id"] == "local/budget.md")
    assert (budget["title"], budget["outlet"], budget["published"], budget["chunks"]) == (
        "Council passes budget", "Riverton Gazette", "2024-03-01", 1)
    assert budget["indexed_at"]
    removed = run("remove", "--corpus", str(corpus), "flood.txt", "ghost.txt")
    assert removed.returncode == 1  # one id was unknown
    assert "removed   flood.txt" in removed.stdout and "ghost.txt: no such document" in removed.stderr
    assert "1 document(s)" in run("list").stdout
    assert not (corpus / "flood.txt").exists(), "the file went to the trash"
    assert "0 added, 0 updated, 1 unchanged, 0 removed" in run("sync", str(corpus)).stdout, "sync does not bring it back"
    token = removed.stdout.split("restore ", 1)[1].split()[0]
    restored = run("restore", "--corpus", str(corpus), token)
    assert restored.returncode == 0, restored.stderr
    assert "added     flood.txt" in restored.stdout and (corpus / "flood.txt").exists()
    assert "2 document(s)" in run("list").stdout
    again = run("restore", token)
    assert again.returncode != 0 and "can no longer be undone" in again.stderr


WIRE = ("Riverton port closed by storm\n\nA winter storm closed the port of Riverton on Thursday, harbour master Lena Ortiz said. "
        "Ferries to the islands will not sail before Saturday, when winds are expected to drop. Fishermen moved their boats "
        "to the inner basin overnight and no injuries were reported. The coast guard warned residents to stay away from the "
        "sea wall until the weekend.\n")


def test_duplicates_are_reported_and_near_duplicates_linked_and_never_both_cited(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "gazette.txt").write_text(WIRE)
    (corpus / "copy-of-gazette.txt").write_text(WIRE)
    (corpus / "herald.txt").write_text(WIRE.replace("Thursday", "Thursday morning").replace("Fishermen", "Local fishermen"))
    (corpus / "other.txt").write_text("The council approved a library budget of 2 million euros on Monday.\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    report = assistant.ingest([corpus])
    assert report.duplicates == [("gazette.txt", "copy-of-gazette.txt")]
    assert sorted(report.linked[0]) == ["copy-of-gazette.txt", "herald.txt"] and len(report.linked) == 1
    answer = assistant.ask("Who is the harbour master of Riverton?")
    assert "Lena Ortiz" in answer.answer
    assert len({"copy-of-gazette.txt", "herald.txt"} & set(answer.retrieved)) == 1
    assistant.remove(["herald.txt"])
    assert assistant.index.catalog["copy-of-gazette.txt"].near_duplicates == ()


def test_date_and_outlet_filters_and_latest_questions(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    stories = [("old.md", "2023-02-01", "Riverton Gazette", "Mayor Ada Park opened the new bridge over the river."),
               ("new.md", "2024-06-10", "Harbour Herald", "Mayor Ben Stone closed the bridge over the river for repairs."),
               ("mid.md", "2023-11-05", "Riverton Gazette", "Mayor Ada Park repainted the bridge over the river.")]
    for name, date, outlet, text in stories:
        (corpus / name).write_text(f"---\ntitle: Bridge news {date}\ndate: {date}\nsource: {outlet}\n---\n{text}\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(corpus)
    assert set(assistant.ask("What happened to the bridge?", AskOptions(since="2024-01-01")).retrieved) == {"new.md"}
    assert set(assistant.ask("What happened to the bridge?", AskOptions(until="2023-02")).retrieved) == {"old.md"}
    assert set(assistant.ask("What happened to the bridge?", AskOptions(since="2023-03", until="2024-06-09")).retrieved) == {"mid.md"}
    assert set(assistant.ask("What happened to the bridge?", AskOptions(outlets=["riverton gazette"])).retrieved) == {"old.md", "mid.md"}
    assert assistant.ask("What is the news about the bridge?").retrieved[0] != "new.md"  # no recency wish: relevance only
    assert assistant.ask("What is the latest news about the bridge?").retrieved[0] == "new.md"
    latest = assistant.ask("What is the latest on the bridge over the river?")  # a story answer, newest first, dated
    assert not latest.abstained and latest.form == "story" and "As of 10 Jun 2024: Mayor Ben Stone" in latest.answer
    dates = [assistant.index.catalog[c.source].published for c in latest.citations]
    assert latest.citations[0].source == "new.md" and dates == sorted(dates, reverse=True)
    events = assistant.questions.timeline("What happened to the bridge over the river?")  # oldest first, one each
    assert [e.citation.source for e in events] == ["old.md", "mid.md", "new.md"]
    assert [e.citation.n for e in events] == [1, 2, 3] and events[0].published == "2023-02-01"
    assert all(assistant.index.texts([e.citation.source])[e.citation.source][e.citation.start:e.citation.end]
               == e.citation.text for e in events)
    with pytest.raises(AssistantError, match="since must be a date"):
        assistant.ask("What happened to the bridge?", AskOptions(since="last tuesday"))


def test_a_removal_with_its_files_can_be_undone_exactly(tmp_path, corpus, embeddings):
    from helpers import store_snapshot

    outside = tmp_path / "elsewhere" / "fire.md"
    outside.parent.mkdir()
    outside.write_text("---\ntitle: Mill fire\ndate: 2024-05-02\nsource: Riverton Gazette\n---\n"
                       "A fire broke out at the Riverton mill on Sunday. Nobody was hurt.\n")
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    assistant = Assistant(settings, embeddings=embeddings)
    assistant.sync(corpus)
    assistant.ingest([outside])  # from outside the corpus folder: only the store has it
    before = store_snapshot(settings.index_dir)
    budget = (corpus / "local" / "budget.md").read_text()

    report = assistant.corpus.remove(["local/budget.md", "fire.md", "ghost.txt"], delete_files=True)
    assert report.removed == ["local/budget.md", "fire.md"] and [d for d, _ in report.failed] == ["ghost.txt"]
    assert not (corpus / "local" / "budget.md").exists() and outside.exists()  # moved to the trash, not deleted
    assert sorted(assistant.index.catalog) == ["flood.txt"]
    assert assistant.sync(corpus).removed == []  # the next sync does not bring it back

    restored = assistant.corpus.restore(report.undo)
    assert sorted(d for d, _ in restored.added) == ["fire.md", "local/budget.md"]
    assert store_snapshot(settings.index_dir) == before  # text, metadata, chunk and sentence spans as they were
    assert (corpus / "local" / "budget.md").read_text() == budget
    assert _consistent(assistant)
    assert "fire" in assistant.ask("What broke out at the Riverton mill?").answer.lower()
    with pytest.raises(AssistantError, match="can no longer be undone"):
        assistant.corpus.restore(report.undo)


def test_undo_keeps_a_document_uploaded_again_in_the_meantime(tmp_path, corpus, embeddings):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    assistant = Assistant(settings, embeddings=embeddings)
    assistant.sync(corpus)
    report = assistant.corpus.remove(["flood.txt"], delete_files=True)
    (corpus / "flood.txt").write_text("Flood in Riverton\n\nThe river fell on Friday. Mayor Ben Stone lifted the order.\n")
    assistant.sync(corpus)
    restored = assistant.corpus.restore(report.undo)
    assert [d for d, _ in restored.failed] == ["flood.txt"] and not restored.added
    assert "Ben Stone" in (corpus / "flood.txt").read_text()
    assert assistant.corpus.remove(["nope.txt"], delete_files=True).undo is None
