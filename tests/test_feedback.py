"""Ratings of answers: kept beside the index, and exported as an eval set that `evaluate` runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import SEED_ID

from assistant import Assistant
from assistant.errors import AssistantError
from assistant.evaluation import load_cases
from assistant.feedback import Feedback, FeedbackLog, to_cases, write_cases


@pytest.fixture()
def rated(seed_settings, embeddings, tmp_path):
    """An assistant over the seed index whose ratings go to a fresh folder (the shared index stays unrated)."""
    assistant = Assistant(seed_settings, embeddings=embeddings)
    assistant.feedback = FeedbackLog(tmp_path)
    return assistant


def test_ratings_are_kept_with_the_answer_and_the_index_generation(rated):
    answer = rated.ask("who represents the Hutchins family?").to_dict()
    first = rated.rate(answer, 1, user="ann")
    off = rated.ask("What is the capital of France?").to_dict()
    second = rated.rate(off, -1)
    rated.feedback.correct(second, right_answer="  Paris \n", wrong_source=True)
    kept = rated.feedback.all()
    assert [f.id for f in kept] == [first, second]
    assert kept[0].short == "Gloria Allred" and kept[0].sources == [SEED_ID] and kept[0].user == "ann"
    assert json.loads(kept[0].citations)[0]["text"] == answer["citations"][0]["text"]
    assert kept[0].generation >= 1 and kept[0].created_at
    assert kept[1].abstained and kept[1].right_answer == "Paris" and kept[1].wrong_source


def test_bad_ratings_are_refused_and_change_nothing(rated):
    answer = rated.ask("who represents the Hutchins family?").to_dict()
    with pytest.raises(AssistantError, match=r"\+1 or -1"):
        rated.rate(answer, 5)
    with pytest.raises(AssistantError, match="at most 2,000"):
        rated.rate(answer, -1, right_answer="x" * 2001)
    with pytest.raises(AssistantError, match="no feedback with id 99"):
        rated.feedback.correct(99, right_answer="Paris")
    assert rated.feedback.all() == []


def test_feedback_becomes_an_eval_set_that_runs(rated, tmp_path):
    answered = rated.ask("who represents the Hutchins family?").to_dict()
    refused = rated.ask("What is the capital of France?").to_dict()
    rated.rate(answered, 1)
    rated.rate(refused, 1)  # the refusal was right
    rated.rate(rated.ask("who is Alec Baldwin?").to_dict(), -1)  # wrong, and nobody said what is right
    wrong = rated.rate(rated.ask("who dismissed the case?").to_dict(), -1)
    rated.feedback.correct(wrong, right_answer="Judge Mary Marlowe Sommer")
    cases, left_out = to_cases(rated.feedback.all())
    assert [(c["question"], c["answerable"], c["answers"]) for c in cases] == [
        ("who represents the Hutchins family?", True, ["Gloria Allred"]),
        ("What is the capital of France?", False, []),
        ("who dismissed the case?", True, ["Judge Mary Marlowe Sommer"])]
    assert cases[0]["sources"] == [SEED_ID] and [f.question for f in left_out] == ["who is Alec Baldwin?"]
    path = tmp_path / "feedback.jsonl"
    write_cases(cases, path)
    assert len(load_cases(path)) == 3
    run = rated.evaluate(path)
    assert len(run.results) == 3 and run.summary["abstention_recall"] == 1.0


@pytest.mark.slow
def test_the_cli_lists_and_exports_feedback(seed_settings, embeddings, tmp_path):
    index = tmp_path / "index"
    index.mkdir()
    answer = Assistant(seed_settings, embeddings=embeddings).ask("who represents the Hutchins family?")
    FeedbackLog(index).add(Feedback.of(answer.to_dict(), 1))
    out = tmp_path / "sets" / "mine.jsonl"
    run = [sys.executable, "-m", "assistant.cli", "--index", str(index), "feedback"]
    listed = subprocess.run([*run, "list"], capture_output=True, text=True, check=True).stdout
    assert "+1  who represents the Hutchins family?" in listed
    said = subprocess.run([*run, "export", str(out)], capture_output=True, text=True, check=True).stdout
    assert "1 cases (1 answerable, 0 unanswerable)" in said and f"eval {out}" in said
    assert json.loads(out.read_text())["answers"] == ["Gloria Allred"]


def test_ratings_from_the_apps_threads_share_one_log(rated):
    """The app rates from Gradio's worker threads: one log, used from any of them."""
    from concurrent.futures import ThreadPoolExecutor

    answer = rated.ask("who represents the Hutchins family?").to_dict()
    ids = []
    for _ in range(3):  # a fresh thread each round, as Gradio's pool hands events out
        with ThreadPoolExecutor(1) as pool:
            ids.append(pool.submit(rated.rate, answer, 1).result())
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: rated.feedback.correct(i, right_answer="Gloria Allred"), ids))
    assert [f.right_answer for f in rated.feedback.all()] == ["Gloria Allred"] * 3
