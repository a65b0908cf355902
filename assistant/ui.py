"""The Gradio chat. Callbacks only translate between widgets and `Assistant`; no logic lives here.

Also exposes `/ask` as an API endpoint for `gradio_client`, returning the same
object as `assistant ask --json`.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from .citations import Answer, answer_markdown, escape_markdown
from .core import Assistant
from .errors import AssistantError
from .evaluation import find_question_sets, summary_table
from .report import failure_markdown, write_report
from .settings import Settings

EXAMPLES = [
    "Who represents the Hutchins family?",
    "What happened to the criminal case against Alec Baldwin?",
    "Who was wounded in the shooting?",
]


def build_app(assistant: Assistant):
    """Build the Blocks app around an `Assistant`."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    def respond(message: str, history: list[dict], queries: list[str] | None, answerer: str = "extractive"):
        """Stream one answer into the chat; `queries` (what was searched so far) resolves follow-ups."""
        history = list(history or []) + [
            {"role": "user", "content": escape_markdown(message or "")},
            {"role": "assistant", "content": "…"},
        ]
        queries = list(queries or [])
        yield "", history, queries
        try:
            for part in assistant.stream(message, history=queries, answerer=answerer):
                if isinstance(part, Answer):
                    queries.append(part.query)
                    history[-1]["content"] = answer_markdown(part)
                else:
                    history[-1]["content"] = escape_markdown(part)
                yield "", history, queries
        except AssistantError as exc:
            history[-1]["content"] = f"⚠️ {escape_markdown(str(exc))}"
            yield "", history, queries

    def ask(question: str, k: int = 5, answerer: str = "extractive") -> dict:
        """Answer a question from the corpus: answer text, abstained, citations (with offsets), retrieved ids, timings."""
        try:
            return assistant.ask(question, k=k, answerer=answerer).to_dict()
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None

    reports_dir = Path(tempfile.mkdtemp(prefix="assistant-eval-"))

    def evaluate(question_set: str, progress=gr.Progress()):
        """Run a question set from the evals folder; returns the metrics table, the plot and the failing cases."""
        available = {p.name: p for p in find_question_sets(assistant.settings.evals_dir)}
        if question_set not in available:
            raise gr.Error(f"Unknown question set {question_set!r}; pick one of {', '.join(available) or 'none'}.")
        path = available[question_set]
        progress(0, desc=f"Evaluating {path.name}")
        try:
            run = assistant.evaluate(path, progress=lambda done, total: progress((done, total), desc=f"Evaluating {path.name}"))
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None
        paths = write_report(run, reports_dir / f"{run.name}.md")
        failures = run.failures()
        failing = "\n".join(failure_markdown(r) for r in failures[:50]) or "Every case passed."
        header = f"### Failing cases: {len(failures)} of {len(run.results)}\n\n"
        return [list(row) for row in summary_table(run.summary)], str(paths["plot"]), header + failing

    sets = [p.name for p in find_question_sets(assistant.settings.evals_dir)]
    with gr.Blocks(title="News assistant", analytics_enabled=False) as demo:
        gr.Markdown("## Ask the news corpus\nAnswers quote the articles and cite them; when the corpus does not say, the assistant says so.")
        with gr.Tab("Chat"):
            chatbot = gr.Chatbot(label="Chat", height=520, buttons=["copy"], feedback_options=None)
            with gr.Row():
                box = gr.Textbox(placeholder="Ask about the news…", show_label=False, scale=8, autofocus=True)
                send = gr.Button("Ask", variant="primary", scale=1)
            with gr.Row():
                answerer = gr.Dropdown(["extractive", "llama", "openai"], value=assistant.settings.answerer,
                                       label="Answerer", info="LLM answers are checked against the cited passages.")
            gr.Examples(EXAMPLES, inputs=box)
            queries = gr.State([])
            gr.ClearButton([chatbot, box, queries], value="New chat")
        with gr.Tab("Evaluate"):
            gr.Markdown("Run a question set against the current index: retrieval, answer, citation and abstention metrics.")
            with gr.Row():
                chosen = gr.Dropdown(sets, value=sets[0] if sets else None, label=f"Question set (from {assistant.settings.evals_dir}/)", scale=4)
                run_button = gr.Button("Run evaluation", variant="primary", scale=1)
            with gr.Row():
                table = gr.Dataframe(headers=["metric", "value"], label="Metrics", interactive=False, scale=2)
                plot = gr.Image(label="Metrics and latency", type="filepath", interactive=False, scale=3)
            failing = gr.Markdown()
        box.submit(respond, [box, chatbot, queries, answerer], [box, chatbot, queries], api_name="chat")
        send.click(respond, [box, chatbot, queries, answerer], [box, chatbot, queries], api_visibility="private")
        run_button.click(evaluate, [chosen], [table, plot, failing], api_name="evaluate")
        gr.api(ask, api_name="ask")
    return demo


def launch(settings: Settings) -> None:
    """Open the index, start loading the model in the background, and serve."""
    assistant = Assistant(settings)
    # Load the embedder while the server starts, so the first question does not wait for it.
    threading.Thread(target=lambda: assistant.index.embeddings, daemon=True).start()
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=4).launch(server_name=settings.host, server_port=settings.port, footer_links=["api"])
