"""The Evaluate tab: run a question set from the evals folder and show its metrics, plot and failing cases."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..core import Assistant
from ..errors import AssistantError
from ..evaluation import find_question_sets, summary_table
from ..rendering import text
from ..report import failure_markdown, write_report


def evaluate_tab(gr, assistant: Assistant) -> None:
    """Build the tab inside the current Blocks."""
    settings = assistant.settings
    reports_dir = Path(tempfile.mkdtemp(prefix="assistant-eval-"))

    def evaluate(question_set: str, progress=gr.Progress()):
        """Run a question set from the evals folder; returns the metrics table, the plot and the failing cases."""
        available = {p.name: p for p in find_question_sets(settings.evals_dir)}
        if question_set not in available:
            raise gr.Error(f"Unknown question set {question_set!r}; pick one of {', '.join(available) or 'none'}.", print_exception=False)
        path = available[question_set]
        progress(0, desc=f"Evaluating {path.name}")
        try:
            run = assistant.evaluation.evaluate(path, progress=lambda done, total: progress((done, total), desc=f"Evaluating {path.name}"))
        except AssistantError as exc:  # stays on the page as text, not a toast that vanishes
            return [], None, f'<div class="error"><b>Cannot run {text(path.name)}:</b> {text(str(exc))}</div>'
        paths = write_report(run, reports_dir / f"{run.name}.md")
        failures = run.failures()
        failing = "\n".join(failure_markdown(r) for r in failures[:50]) or "Every case passed."
        header = f"### Failing cases: {len(failures)} of {len(run.results)}\n\n"
        return [list(row) for row in summary_table(run.summary)], str(paths["plot"]), header + failing

    sets = [p.name for p in find_question_sets(settings.evals_dir)]
    fitting = [name for name in sets if assistant.evaluation.fits(Path(settings.evals_dir) / name)]
    gr.Markdown("Run a question set against the current index: retrieval, answer, citation and abstention metrics.")
    with gr.Row():
        # the default is a set whose gold documents this index holds, so its first run shows metrics
        chosen = gr.Dropdown(sets, value=(fitting or sets or [None])[0], label=f"Question set (from {settings.evals_dir}/)",
                             scale=4, elem_id="question-set")
        run_button = gr.Button("Run evaluation", variant="primary", scale=1)
    with gr.Row():
        metrics = gr.Dataframe(headers=["metric", "value"], label="Metrics", interactive=False, scale=2)
        plot = gr.Image(label="Metrics and latency", type="filepath", interactive=False, scale=3)
    failing = gr.Markdown()
    run_button.click(evaluate, [chosen], [metrics, plot, failing], api_name="evaluate")
