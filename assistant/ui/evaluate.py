"""The Evaluate tab: run a question set from the evals folder and show its metrics, plot and failing cases."""

from __future__ import annotations

import queue
import tempfile
import threading
import time
from pathlib import Path

from ..core import Assistant
from ..errors import AssistantError
from ..evaluation import METRIC_MEANINGS, find_question_sets, load_cases, summary_table
from ..rendering import text
from ..report import failure_markdown, write_report


class Stopped(Exception):
    """The page went away: the worker stops after the question it is on."""


def progress_html(name: str, done: int, total: int, started: float, finished: bool = False) -> str:
    """A native <progress> bar and 'n of N questions' beside it, so the filled part and the words agree."""
    elapsed = time.perf_counter() - started
    when = f"{elapsed:.0f} s"
    if finished:
        when = f"done in {when}"
    elif done:
        when += f", about {elapsed / done * (total - done):.0f} s left"
    return (f'<div class="eval-progress" role="status"><progress max="{total}" value="{done}"></progress>'
            f'<span class="count">{text(name)}: {done} of {total} questions · {when}</span></div>')


def evaluate_tab(gr, assistant: Assistant) -> None:
    """Build the tab inside the current Blocks."""
    settings = assistant.settings
    reports_dir = Path(tempfile.mkdtemp(prefix="assistant-eval-"))

    def evaluate(question_set: str):
        """Run a question set from the evals folder in a worker thread, showing its progress as it goes.

        Final outputs: the metrics table (metric, value, what it means), the plot, the failing cases and the progress line.
        """
        available = {p.name: p for p in find_question_sets(settings.evals_dir)}
        if question_set not in available:
            raise gr.Error(f"Unknown question set {question_set!r}; pick one of {', '.join(available) or 'none'}.", print_exception=False)
        path, started = available[question_set], time.perf_counter()

        def cannot(exc: Exception):  # stays on the page as text, not a toast that vanishes
            return [], None, f'<div class="error"><b>Cannot run {text(path.name)}:</b> {text(str(exc))}</div>', ""

        try:
            total = len(load_cases(path))
        except AssistantError as exc:
            yield cannot(exc)
            return
        yield [], None, "", progress_html(path.name, 0, total, started)
        ticks: queue.Queue = queue.Queue()
        stop = threading.Event()

        def tick(done: int, n: int) -> None:
            if stop.is_set():
                raise Stopped
            ticks.put(("tick", done))

        def work() -> None:
            try:
                ticks.put(("run", assistant.evaluation.evaluate(path, progress=tick)))
            except Exception as exc:  # noqa: BLE001 - handed to the page below
                ticks.put(("error", exc))

        threading.Thread(target=work, name="evaluate", daemon=True).start()
        try:
            while True:
                kind, value = ticks.get()
                if kind == "tick":
                    yield gr.skip(), gr.skip(), gr.skip(), progress_html(path.name, value, total, started)
                    continue
                if kind == "error":
                    if isinstance(value, AssistantError):
                        yield cannot(value)
                        return
                    raise value
                break
        finally:
            stop.set()
        run = value
        paths = write_report(run, reports_dir / f"{run.name}.md")
        failures = run.failures()
        failing = "\n".join(failure_markdown(r) for r in failures[:50]) or "Every case passed."
        header = f"### Failing cases: {len(failures)} of {len(run.results)}\n\n"
        rows = [[key, value, METRIC_MEANINGS.get(key, "")] for key, value in summary_table(run.summary)]
        yield rows, str(paths["plot"]), header + failing, progress_html(path.name, total, total, started, finished=True)

    sets = [p.name for p in find_question_sets(settings.evals_dir)]
    fitting = [name for name in sets if assistant.evaluation.fits(Path(settings.evals_dir) / name)]
    gr.Markdown("Run a question set against the current index: retrieval, answer, citation and abstention metrics.")
    with gr.Row():
        # the default is a set whose gold documents this index holds, so its first run shows metrics
        chosen = gr.Dropdown(sets, value=(fitting or sets or [None])[0], label=f"Question set (from {settings.evals_dir}/)",
                             scale=4, elem_id="question-set")
        run_button = gr.Button("Run evaluation", variant="primary", scale=1)
    status = gr.HTML(elem_id="eval-progress")
    metrics = gr.Dataframe(headers=["metric", "value", "what it means"], column_widths=["19%", "22%", "59%"], label="Metrics",
                           interactive=False, wrap=True, elem_id="metrics", max_height=900)
    gr.Markdown("#### Metrics and latency")
    plot = gr.Image(type="filepath", interactive=False, show_label=False, buttons=[], elem_id="eval-plot",
                    alt_text="Bars of the rate metrics and a histogram of the time per question")
    failing = gr.Markdown()
    run_button.click(evaluate, [chosen], [metrics, plot, failing, status], api_name="evaluate", show_progress="hidden")
