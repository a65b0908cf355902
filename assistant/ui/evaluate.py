"""The Evaluate tab: run a question set from the evals folder and show its metrics, plot and failing cases."""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import closing
from pathlib import Path

from ..core import Assistant
from ..errors import AssistantError
from ..escaping import text
from ..eval_jobs import Finished, run_job
from ..evaluation import load_cases
from ..feedback import SET_NAME, export_set
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
    reports_dir = Path(tempfile.mkdtemp(prefix="assistant-eval-"))

    def evaluate(question_set: str):
        """Run a question set from the evals folder in a worker thread, showing its progress as it goes.

        Final outputs: the metrics table (metric, value, what it means), the plot, the failing cases and the progress line.
        """
        available = {p.name: p for p in assistant.evaluation.question_sets()}
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

    def offered():
        """(label, name) for each set, saying which ones this index can run, and the first of those."""
        sets = assistant.evaluation.question_sets()
        fitting = [p.name for p in sets if assistant.evaluation.fits(p)]
        labels = [(f"{p.name}" + ("" if p.name in fitting else " (its articles are not in this index)"), p.name)
                  for p in sets]
        return labels, (fitting or [p.name for p in sets] or [None])[0]

    def from_ratings():
        """The ratings given in the chat (and over the API) as a set among this index's own."""
        cases, left_out = export_set(assistant.feedback, assistant.evaluation.own_sets / SET_NAME)
        if not cases:
            note = "No ratings to make a set from yet: rate answers in the chat with 👍 or 👎 (and say what was right)."
            return gr.skip(), f'<p class="muted">{text(note)}</p>'
        labels, _ = offered()
        skipped = f"; {len(left_out)} 👎 without a right answer left out" if left_out else ""
        return (gr.update(choices=labels, value=SET_NAME),
                f"<p>Made <b>{SET_NAME}</b> from {len(cases)} rated answers{text(skipped)}.</p>")

    def upload_set(file):
        """A question set uploaded here: checked, then kept among this index's own sets."""
        if not file:
            return gr.skip(), '<p class="muted">Choose a .jsonl question set first.</p>'
        path = Path(file)
        try:
            cases = load_cases(path)
        except AssistantError as exc:
            return gr.skip(), f'<div class="upload-failed" role="alert">{text(str(exc))}</div>'
        assistant.evaluation.own_sets.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, assistant.evaluation.own_sets / path.name)
        labels, _ = offered()
        return gr.update(choices=labels, value=path.name), f"<p>Added <b>{text(path.name)}</b>: {len(cases)} questions.</p>"

    labels, first = offered()
    gr.Markdown("Run a question set against the current index: retrieval, answer, citation and abstention metrics.")
    with gr.Row():
        # the default is a set whose gold documents this index holds, so its first run shows metrics
        chosen = gr.Dropdown(labels, value=first, label="Question set", scale=4, elem_id="question-set")
        run_button = gr.Button("Run evaluation", variant="primary", scale=1)
        stop_button = gr.Button("Stop", variant="stop", scale=1, elem_id="eval-stop", min_width=64)
    with gr.Accordion("Make a question set for this corpus", open=False, elem_id="make-set"):
        gr.Markdown("From the answers rated in the chat (👍 keeps an answer, 👎 with the right answer corrects it), or "
                    "upload a JSONL set: one `{\"id\", \"question\", \"answers\", \"sources\", \"answerable\"}` per line.")
        with gr.Row():
            make = gr.Button("Make a set from the ratings", elem_id="make-from-ratings", scale=1)
            uploaded = gr.File(label="Upload a .jsonl set", file_types=[".jsonl"], type="filepath", scale=2,
                               elem_id="upload-set")
        made = gr.HTML(elem_id="set-made")
    make.click(from_ratings, None, [chosen, made], api_visibility="private")
    uploaded.upload(upload_set, uploaded, [chosen, made], api_visibility="private")
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
