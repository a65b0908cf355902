"""The eval harness: question-set validation, a real run on the seed index, reports, comparison, CLI."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SEED_ID, Canned

from assistant.errors import AssistantError
from assistant.evaluation import load_cases, passed, run_cases
from assistant.options import AskOptions
from assistant.report import compare, write_report
from assistant.story_metrics import key_word_recall

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    {"id": "q1", "question": "Who represents the Hutchins family?", "answers": ["Gloria Allred"], "sources": [SEED_ID], "answerable": True, "kind": "direct"},
    {"id": "q2", "question": "Who was wounded in the shooting?", "answers": ["Joel Souza"], "sources": [SEED_ID], "answerable": True, "kind": "direct"},
    {"id": "q3", "question": "What is the capital of France?", "answers": [], "sources": [], "answerable": False, "kind": "off_topic"},
]


def _write(path: Path, rows) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "rows, message",
    [
        (["{not json"], ":1: not valid JSON"),
        (["[1, 2]"], "must be a JSON object"),
        ([{"id": "a", "question": "q?"}], "missing answerable"),
        ([{"id": "a", "question": "q?", "answerable": "yes"}], "answerable a boolean"),
        ([{"id": "a", "question": "q?", "answerable": True, "answers": []}], "at least one accepted answer"),
        ([CASES[0], CASES[0]], ":2: duplicate id"),
        ([], "no cases"),
    ],
)
def test_bad_question_sets_are_refused_with_file_and_line(tmp_path, rows, message):
    with pytest.raises(AssistantError, match=message):
        load_cases(_write(tmp_path / "set.jsonl", rows))


def test_shipped_question_sets_load_and_meet_the_spec():
    seed = load_cases(ROOT / "evals" / "seed.jsonl")
    assert len(seed) >= 30
    assert sum(not c.answerable for c in seed) >= 8
    text = (ROOT / "corpus" / SEED_ID).read_text(encoding="utf-8")
    for case in seed:
        assert all(answer in text for answer in case.answers), case.id
    normans = load_cases(ROOT / "evals" / "normans.jsonl")
    assert len(normans) == 208 and sum(not c.answerable for c in normans) == 112


def test_a_real_run_scores_every_case(tmp_path, seed_assistant):
    run = seed_assistant.evaluate(_write(tmp_path / "mini.jsonl", CASES), AskOptions(k=3))
    by_id = {r["id"]: r for r in run.results}
    assert by_id["q1"]["contains"] is True and by_id["q1"]["hit@1"] == 1.0 and by_id["q1"]["citation_hit"] is True
    assert by_id["q3"]["abstained"] is True and by_id["q3"]["hit@1"] is None
    assert all(r["latency_ms"] > 0 for r in run.results)
    s = run.summary
    assert (s["n"], s["n_answerable"], s["n_unanswerable"]) == (3, 2, 1)
    assert s["abstention_recall"] == 1.0 and s["answerer"] == "reader" and s["k"] == 3
    assert set(s["by_kind"]) == {"direct", "off_topic"}
    assert s["cases"]["q3"]["passed"] is True


def test_missing_gold_documents_are_reported_before_running(tmp_path, seed_assistant):
    rows = [{**CASES[0], "sources": ["not-in-index.txt"]}]
    with pytest.raises(AssistantError, match="not in the index"):
        seed_assistant.evaluate(_write(tmp_path / "set.jsonl", rows))


def test_scoring_of_a_hand_made_run_and_the_comparison():
    from assistant.evaluation import Case

    cases = [Case("a", "q?", ["Gloria Allred"], ["d1"], True), Case("b", "q2?", [], [], False)]
    replies = {
        "q?": Canned(answer="It is Gloria Allred [1]", abstained=False, retrieved=["d2", "d1"],
                     citations=[{"n": 1, "source": "d1"}, {"n": 2, "source": "d2"}]),
        "q2?": Canned(answer="Something", abstained=False, retrieved=["d1"], citations=[{"n": 1, "source": "d1"}]),
    }
    run = run_cases(lambda q, k=None: replies[q], cases, "hand")
    a, b = run.results
    assert (a["hit@1"], a["hit@5"], a["mrr"]) == (0.0, 1.0, 0.5)
    assert a["citation_precision"] == 0.5 and a["contains"] is True and a["em"] == 0.0
    assert passed(a) and not passed(b)
    assert run.summary["abstention_recall"] == 0.0 and run.summary["false_abstention_rate"] == 0.0

    earlier = {**run.summary, "hit@1": 0.5, "cases": {"a": {"passed": False}, "b": {"passed": True}}}
    text = compare(run.summary, earlier)
    assert "hit@1" in text and "-0.500, worse" in text
    assert "cases now passing: 1 (a)" in text and "cases now failing: 1 (b)" in text


def test_report_files_are_written_and_escaped(tmp_path, seed_assistant):
    rows = [CASES[0], {**CASES[2], "id": "x<script>", "question": "<img src=x onerror=alert(1)> [link](javascript:alert(1))?"}]
    run = seed_assistant.evaluate(_write(tmp_path / "set.jsonl", rows))
    paths = write_report(run, tmp_path / "out" / "report.md")
    md = paths["markdown"].read_text()
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(paths["summary"].read_text())["n"] == 2
    assert "| hit@1 | 1.000 |" in md and "![metrics and latency](report.png)" in md
    assert "<img" not in md and "<script>" not in md and "](javascript:" not in md


@pytest.mark.slow
def test_cli_eval_with_results_report_and_compare(tmp_path, seed_settings):
    set_path = _write(tmp_path / "mini.jsonl", CASES)
    exe = str(Path(sys.executable).with_name("assistant"))
    base = [exe, "--index", str(seed_settings.index_dir), "eval", str(set_path)]
    first = subprocess.run(base + ["--results", str(tmp_path / "r.jsonl"), "--report", str(tmp_path / "rep.md")],
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "abstention_recall" in first.stdout and "1.000" in first.stdout
    lines = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert {"id", "question", "answer", "abstained", "citations", "retrieved", "latency_ms", "hit@1", "contains"} <= set(lines[0])
    second = subprocess.run(base + ["--compare", str(tmp_path / "rep.json")], capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "Compared with mini" in second.stdout and "cases now failing: 0" in second.stdout
    bad = subprocess.run(base + ["--compare", str(tmp_path / "missing.json")], capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "cannot read an earlier summary" in bad.stderr


def test_question_sets_are_found_from_any_folder_and_sets_made_for_the_index_are_added(seed_assistant, tmp_path,
                                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)  # the app started outside the project folder
    names = [p.name for p in seed_assistant.evaluation.question_sets()]
    assert {"seed.jsonl", "normans.jsonl"} <= set(names)
    own = seed_assistant.evaluation.own_sets
    assert own == seed_assistant.settings.index_dir / "evals"


def test_the_story_set_quotes_its_articles_and_its_gold_sentences_say_every_key_word():
    """A key word no gold sentence says (as whole words) cannot be scored by a perfect answer: "recall" where
    the article says "recalling" held a full quote of the gold sentence at half its key words."""
    rows = [json.loads(line) for line in (ROOT / "evals" / "stories.jsonl").read_text().splitlines()]
    folders = [ROOT / "evals" / "corpora" / name for name in ("wikinews", "wikinews-stories")]
    articles = {p.name: " ".join(p.read_text(encoding="utf-8").split()) for f in folders for p in f.glob("*.md")}
    assert len({r["id"] for r in rows}) == len(rows) == 85
    for r in rows:
        text = " ".join(articles[s] for s in r["sources"])
        assert all(" ".join(a.split()) in text for a in r["answers"]), r["id"]
        assert all(any(key_word_recall(a, [k]) for a in r["answers"]) for k in r["key_words"]), (r["id"], r["key_words"])
