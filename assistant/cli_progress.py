"""Progress on the command line: tqdm bars on stderr, on a terminal and in a pipe or log file alike, and each
document's report line printed as soon as it is final, with the summary last."""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from typing import TYPE_CHECKING, Callable, Iterator

import click

if TYPE_CHECKING:
    from .ingest import IngestReport, Step

LOG_EVERY = 3.0  # seconds between progress lines when stderr is not a terminal (the terminal bar redraws 10 times a second)
LOG_FORMAT = "{desc}: {percentage:3.0f}% ({n_fmt}/{total_fmt}) [{elapsed}<{remaining}, {rate_fmt}]"


class _Lines:
    """What tqdm writes to when stderr is not a terminal: each redraw (`\\r` + text) becomes one line of its own, as a
    pipe or a log read line by line needs; a redraw that repeats the previous line is left out."""

    def __init__(self, file) -> None:
        self.file, self.last = file, ""

    def write(self, text: str) -> None:
        line = text.replace("\r", "").strip()
        if line and line != self.last:
            self.file.write(line + "\n")
            self.file.flush()
            self.last = line

    def flush(self) -> None:
        self.file.flush()


def terminal() -> bool:
    return sys.stderr.isatty()


def bar(desc: str, unit: str, total: int):
    """A tqdm bar on stderr: redrawn in place on a terminal; elsewhere one line when it starts, every `LOG_EVERY`
    seconds and when it ends."""
    from tqdm import tqdm

    if terminal():
        try:  # a terminal that reports no size (some containers and IDEs) would get an invisible bar: say 100x24
            sized = os.get_terminal_size(sys.stderr.fileno()).columns > 0
        except OSError:
            sized = False
        size = {} if sized else {"ncols": 100, "nrows": 24}
        return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, **size)
    return tqdm(total=total, desc=desc, unit=unit, file=_Lines(sys.stderr), mininterval=LOG_EVERY, ascii=True,
                bar_format=LOG_FORMAT)


@contextlib.contextmanager
def progress(desc: str, unit: str) -> Iterator[Callable[[int, int], None]]:
    """A bar driven by `progress(done, total)` callbacks (evaluation, calibration); it starts at the first one."""
    state = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = bar(desc, unit, total)
        state["bar"].total = total
        state["bar"].update(done - state["bar"].n)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].close()


class IngestProgress:
    """The `Progress` of an ingest, sync or rebuild: one bar per phase (reading, chunking, embedding) and each
    document's report line as soon as it is final (`shown` counts them, for `report` not to repeat them) unless
    `lines` is False."""

    def __init__(self, lines: bool = True) -> None:
        self.bar, self.phase, self.shown, self.lines = None, "", Counter(), lines

    def __call__(self, step: Step) -> None:
        from .ingest import PHASES

        if step.phase != self.phase:
            self.close()
            self.phase, self.bar = step.phase, bar(step.label, PHASES[step.phase], step.total)
        self.bar.total = step.total
        self.bar.update(step.done - self.bar.n)
        for event in step.events if self.lines else ():
            self.shown[event] += 1
            echo_event(event, above=self.bar if terminal() else None)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> IngestProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def echo_event(event: tuple[str, str, str], above=None) -> None:
    """One document's report line: on stdout, a failure on stderr; `above` a terminal bar to print it above."""
    what, doc_id, note = event
    failed = what == "failed"
    line = f"{what:<9} {note}" if failed else f"{what:<9} {doc_id} {note}".rstrip()
    if above is not None:
        above.write(line, file=sys.stderr if failed else sys.stdout)
    else:
        click.echo(line, err=failed)


def report(result: IngestReport, shown: Counter | None = None) -> None:
    """One line per document (but those `shown` already), then the summary; exit status 1 if anything failed."""
    shown = Counter(shown or {})
    for event in result.events():
        if shown[event]:
            shown[event] -= 1
        else:
            echo_event(event)
    click.echo(result.summary())
    if result.failed:
        sys.exit(1)
