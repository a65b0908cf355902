"""Ingest progress: every phase is reported as it goes (files read before anything is embedded), each document's
report line once it is final, and the command line shows it in a pipe too, without repeating a line at the end."""

from collections import Counter

from assistant import Assistant, Settings
from assistant.ingest import Step


class CountingEmbedder:
    """The real embedder, counting the calls that embed passages or sentences."""

    def __init__(self, real) -> None:
        self.real, self.calls = real, 0

    def __getattr__(self, name):
        value = getattr(self.real, name)
        if not name.startswith("embed") or name == "embed_query":
            return value

        def counted(*args, **kwargs):
            self.calls += 1
            return value(*args, **kwargs)

        return counted


def test_ingest_reports_reading_then_chunking_then_embedding_with_each_documents_line(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, place in enumerate(["Riverton", "Millbrook", "Quillhaven", "Ashford"]):
        (corpus / f"story-{i}.txt").write_text(f"Storm hits {place}\n\nA storm closed the port of {place} on Thursday. "
                                               f"Ferries will not sail before Saturday, the harbour master said.\n")
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\x00binary")
    embedder = CountingEmbedder(embeddings)
    steps: list[tuple[Step, int]] = []  # each step with the embedder calls made before it
    report = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embedder).ingest(
        [corpus], progress=lambda step: steps.append((step, embedder.calls)))

    phases = [step.phase for step, _ in steps]
    assert phases == sorted(phases, key=["reading", "chunking", "embedding"].index)  # in order, each once
    reading = [(step, calls) for step, calls in steps if step.phase == "reading"]
    assert [(s.done, s.total) for s, _ in reading] == [(n, 5) for n in range(6)]  # every file counted as it is read
    assert all(calls == 0 for _, calls in reading)  # before the embedder ever runs
    assert [s.label for s, _ in reading[:1]] == ["Reading files"]
    assert [(s.done, s.total) for s, _ in steps if s.phase == "chunking"] == [(n, 4) for n in range(5)]
    embedding = [s for s, _ in steps if s.phase == "embedding"]
    assert embedding[0].done == 0 and embedding[-1].done == embedding[-1].total > 0
    assert [s.done for s in embedding] == sorted(s.done for s in embedding)
    failed_at = next(i for i, (s, _) in enumerate(steps) if ("failed" in [e[0] for e in s.events]))
    assert steps[failed_at][0].phase == "reading"  # a bad file is reported as soon as it is read
    committed = [e[0] for s in embedding for e in s.events]  # lines once their batch is committed
    assert committed.count("added") == 4 and set(committed) <= {"added", "linked"}  # (the stories are alike)
    told = Counter(e for s, _ in steps for e in s.events)
    assert told == Counter(report.events()) and len(report.added) == 4  # every line once, nothing invented


def test_the_command_line_prints_progress_lines_in_a_pipe_and_each_report_line_once(capsys):
    from assistant.cli_progress import IngestProgress, report
    from assistant.ingest import IngestReport

    result = IngestReport(added=[("a.txt", 1), ("b.txt", 2)], removed=["c.txt"])
    with IngestProgress() as progress:  # capsys: stderr is not a terminal
        progress(Step("reading", 0, 2))
        progress(Step("reading", 2, 2))
        progress(Step("embedding", 0, 9))
        progress(Step("embedding", 9, 9, (("added", "a.txt", "(1 passage)"), ("added", "b.txt", "(2 passages)"))))
    report(result, progress.shown)
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert lines[0].startswith("Reading files:   0% (0/2)") and any("100% (2/2)" in line for line in lines)
    assert any(line.startswith("Embedding texts: 100% (9/9)") for line in lines) and "\r" not in err
    assert out.splitlines() == ["added     a.txt (1 passage)", "added     b.txt (2 passages)", "removed   c.txt",
                                "2 added, 0 updated, 0 unchanged, 1 removed, 0 failed"]  # summary last
