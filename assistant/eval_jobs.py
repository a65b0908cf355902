"""An evaluation run as a background job, for front ends that show its progress and may go away mid-run.

`run_job` starts the run in a worker thread and yields `Progress` events as questions are answered, then one
`Finished` with the run and its written report. Closing the generator (a page that was left, a cancel button)
stops the worker after the question it is on. Errors of the run are raised from the generator.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .evaluation import EvalRun, Evaluation
from .options import AskOptions


class Stopped(Exception):
    """The job's reader went away: the worker stops after the question it is on."""


@dataclass(frozen=True)
class Progress:
    done: int
    total: int


@dataclass(frozen=True)
class Finished:
    run: EvalRun
    report: dict[str, Path]  # what `report.write_report` wrote: markdown, plot, summary


def run_job(evaluation: Evaluation, question_set: Path, reports_dir: Path,
            options: AskOptions = AskOptions()) -> Iterator[Progress | Finished]:
    """Run `question_set` in a worker thread; yield its progress, then the run with its report in `reports_dir`."""
    from .report import write_report

    events: queue.Queue = queue.Queue()
    stop = threading.Event()

    def tick(done: int, total: int) -> None:
        if stop.is_set():
            raise Stopped
        events.put(Progress(done, total))

    def work() -> None:
        try:
            events.put(evaluation.evaluate(question_set, options, progress=tick))
        except BaseException as exc:  # noqa: BLE001 - handed to the reader of the job
            events.put(exc)

    threading.Thread(target=work, name="evaluate", daemon=True).start()
    try:
        while True:
            event = events.get()
            if isinstance(event, Progress):
                yield event
                continue
            if isinstance(event, BaseException):
                raise event
            yield Finished(event, write_report(event, Path(reports_dir) / f"{event.name}.md"))
            return
    finally:
        stop.set()
