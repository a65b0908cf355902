"""The Evaluate tab: run a question set from the evals folder and show its metrics, plot and failing cases."""

from __future__ import annotations

import tempfile
import time
from contextlib import closing
from pathlib import Path

from ..core import Assistant
from ..errors import AssistantError
from ..escaping import text
from ..eval_jobs import Finished, run_job
from ..evaluation import find_question_sets, load_cases
from ..report import METRIC_MEANINGS, failure_markdown, summary_table


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


STOPPED = '<div class="eval-progress" role="status"><span class="count">Stopped: no report for a run cut short.</span></div>'


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
        try:  # leaving the page or Stop closes the job: its worker stops after the question it is on
            with closing(run_job(assistant.evaluation, path, reports_dir)) as events:
                for event in events:
                    if isinstance(event, Finished):
                        run, paths = event.run, event.report
                    else:
                        yield gr.skip(), gr.skip(), gr.skip(), progress_html(path.name, event.done, total, started)
        except AssistantError as exc:
            yield cannot(exc)
            return
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
        stop_button = gr.Button("Stop", variant="stop", scale=1, elem_id="eval-stop", min_width=64)
    status = gr.HTML(elem_id="eval-progress")
    metrics = gr.Dataframe(headers=["metric", "value", "what it means"], column_widths=["19%", "22%", "59%"], label="Metrics",
                           interactive=False, wrap=True, elem_id="metrics", max_height=900)
    gr.Markdown("#### Metrics and latency")
    plot = gr.Image(type="filepath", interactive=False, show_label=False, buttons=[], elem_id="eval-plot",
                    alt_text="Bars of the rate metrics and a histogram of the time per question")
    failing = gr.Markdown()
    running = run_button.click(evaluate, [chosen], [metrics, plot, failing, status], api_name="evaluate",
                               show_progress="hidden")
    # cancelling closes the generator, which closes the job: the worker stops after the question it is on
    stop_button.click(lambda: STOPPED, None, status, cancels=[running], api_visibility="private")
