"""The evaluation job: progress as it goes, the run and its report at the end, and a stop that stops the worker."""

import time

import pytest

from assistant.citations import Answer
from assistant.errors import AssistantError
from assistant.eval_jobs import Finished, Progress, run_job
from assistant.evaluation import Case, run_cases


class FakeEvaluation:
    """Stands in for `Evaluation` (the unit under test is the job around it): answers from a dict."""

    def __init__(self, n: int, seconds_per_question: float = 0.0) -> None:
        self.cases = [Case(f"q{i}", f"Question {i}?", [f"answer {i}"], ["a.txt"], True) for i in range(n)]
        self.seconds, self.asked = seconds_per_question, 0

    def evaluate(self, question_set, options, progress):
        def ask(question: str, history: tuple[str, ...] = ()) -> Answer:
            time.sleep(self.seconds)
            self.asked += 1
            return Answer(question, "answer 0", False, short="answer 0")

        if not self.cases:
            raise AssistantError("no cases")
        return run_cases(ask, self.cases, "fake", progress=progress)


def test_a_job_reports_progress_then_the_run_and_its_report(tmp_path):
    events = list(run_job(FakeEvaluation(3), tmp_path / "set.jsonl", tmp_path))
    assert [e for e in events if isinstance(e, Progress)] == [Progress(1, 3), Progress(2, 3), Progress(3, 3)]
    finished = events[-1]
    assert isinstance(finished, Finished) and len(finished.run.results) == 3
    assert finished.report["markdown"].exists() and finished.report["plot"].exists()


def test_closing_a_job_stops_its_worker_after_the_current_question(tmp_path):
    evaluation = FakeEvaluation(50, seconds_per_question=0.02)
    job = run_job(evaluation, tmp_path / "set.jsonl", tmp_path)
    assert next(job) == Progress(1, 50)
    job.close()  # the page went away
    asked = evaluation.asked
    time.sleep(0.3)  # 15 more questions' time
    assert evaluation.asked <= asked + 1 < 50


def test_a_failing_run_raises_from_the_job(tmp_path):
    with pytest.raises(AssistantError, match="no cases"):
        list(run_job(FakeEvaluation(0), tmp_path / "set.jsonl", tmp_path))
