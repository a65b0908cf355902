"""The Gradio app: Chat, Corpus and Evaluate tabs. Callbacks translate between widgets and `Assistant`.

API endpoints for `gradio_client` (see the README): `/ask` returns the same object
as `assistant ask --json`; `/documents` lists the corpus; `/chat` streams the chat.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from .citations import Answer
from .core import Assistant
from .documents import SUFFIXES
from .errors import AssistantError
from .evaluation import find_question_sets, summary_table
from .rendering import answer_html, sources_panel, text
from .report import failure_markdown, write_report
from .settings import Settings

EXAMPLES = [
    "Who represents the Hutchins family?",
    "What happened to the criminal case against Alec Baldwin?",
    "Who was wounded in the shooting?",
]
DOC_COLUMNS = ["id", "title", "outlet", "published", "chunks", "indexed_at"]
ASSETS = Path(__file__).with_name("web")


def build_app(assistant: Assistant):
    """Build the Blocks app around an `Assistant`."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    settings = assistant.settings

    def respond(message: str, history: list[dict], queries: list[str] | None, answerer: str = "reader",
                k: int = 5, since: str = "", until: str = "", outlets: list[str] | None = None):
        """Stream one answer into the chat; `queries` (what was searched so far) resolves follow-ups."""
        if not (message or "").strip():  # an empty Ask adds nothing (no empty bubble)
            yield "", history or [], queries or [], gr.skip()
            return
        history = list(history or []) + [
            {"role": "user", "content": text(message or "")},
            {"role": "assistant", "content": "…"},
        ]
        queries = list(queries or [])
        yield "", history, queries, gr.skip()
        try:
            for part in assistant.questions.stream(message, history=queries, answerer=answerer, k=int(k),
                                         since=since, until=until, outlets=outlets or None):
                if isinstance(part, Answer):
                    queries.append(part.query)
                    history[-1]["content"] = answer_html(part)
                    yield "", history, queries, sources_panel(part)
                else:
                    note = '<div class="rewritten">Draft: checking each sentence against its source…</div>' if part.checking else ""
                    history[-1]["content"] = f'<div class="answer streaming">{text(part)}</div>{note}'
                    yield "", history, queries, gr.skip()
        except AssistantError as exc:
            history[-1]["content"] = f'<div class="error"><b>Cannot answer:</b> {text(str(exc))}</div>'
            yield "", history, queries, gr.skip()

    def ask(question: str, k: int = 5, answerer: str = "reader", since: str = "", sources: str = "",
            until: str = "") -> dict:
        """Answer a question from the corpus.

        Returns the answer text with [n] markers, `short` (the direct answer it opens with), `abstained`,
        `citations` (document, title, quoted text, character offsets, support), the retrieved ids and timings. `since`/`until` are ISO dates and
        `sources` a comma-separated list of outlets; all are optional filters.
        """
        outlets = [s.strip() for s in (sources or "").split(",") if s.strip()]
        try:
            return assistant.questions.ask(question, k=k, answerer=answerer, since=since, until=until, outlets=outlets).to_dict()
        except AssistantError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def documents() -> list[dict]:
        """Every indexed document: id, title, outlet, published date, url, chunk count, when indexed."""
        return [d.to_dict() for d in assistant.corpus.documents()]

    def corpus_view():
        docs = documents()
        rows = [[d.get(c) or "" for c in DOC_COLUMNS] for d in docs]
        summary = f"{len(docs)} document(s), {sum(d['chunks'] for d in docs)} chunks in `{settings.index_dir}`."
        choices = [d["id"] for d in docs]
        return rows, summary, gr.update(choices=choices, value=[]), gr.update(choices=assistant.corpus.outlets())

    def report_lines(report) -> str:
        lines = [f"**{report.summary()}**"]
        lines += [f"- added {text(d)} ({n} chunks)" for d, n in report.added]
        lines += [f"- updated {text(d)} ({n} chunks)" for d, n in report.updated]
        lines += [f"- unchanged {text(d)}" for d in report.unchanged]
        lines += [f"- removed {text(d)}" for d in report.removed]
        lines += [f"- duplicate {text(a)}: same text as {text(b)}, indexed once" for a, b in report.duplicates]
        lines += [f"- **failed**: {text(why)}" for _, why in report.failed]
        return "\n".join(lines)

    def upload(files: list[str] | None, progress=gr.Progress()):
        """Check and index uploaded files; they are copied into the corpus folder so `sync` keeps them."""
        if not files:
            raise gr.Error("Choose one or more files to upload first.", print_exception=False)
        progress(0, desc="Reading files")
        report = assistant.corpus.upload([Path(f) for f in files],
                                  progress=lambda done, total: progress((done, total), desc="Indexing chunks"))
        return report_lines(report), None, *corpus_view()

    def remove(doc_ids: list[str] | None):
        if not doc_ids:
            raise gr.Error("Pick the documents to remove first.", print_exception=False)
        return report_lines(assistant.corpus.remove(doc_ids, delete_files=True)), *corpus_view()

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
    with gr.Blocks(title="News assistant", analytics_enabled=False) as demo:
        gr.Markdown("## Ask the news corpus\nAnswers quote the articles and cite them; when the corpus does not say, the assistant says so.")
        with gr.Tab("Chat", id="chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="Chat", height=560, buttons=["copy"], elem_id="chat",
                                         group_consecutive_messages=False)
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask about the news…", show_label=False, scale=8, autofocus=True,
                                         max_length=settings.max_question_chars, elem_id="question")
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    gr.Examples(EXAMPLES, inputs=box)
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(sources_panel(None), elem_id="sources")
                    with gr.Accordion("Answer and retrieval settings", open=False):
                        answerer = gr.Dropdown(["reader", "llama", "openai"], value=settings.answerer, label="Answerer",
                                               info="LLM answers are checked against the cited passages.")
                        k = gr.Slider(1, 20, value=settings.k, step=1, label="Passages retrieved (k)")
                        with gr.Row():
                            since = gr.Textbox("", label="Published from", placeholder="YYYY-MM-DD", elem_id="since")
                            until = gr.Textbox("", label="to", placeholder="YYYY-MM-DD", elem_id="until")
                        outlets = gr.Dropdown(assistant.corpus.outlets(), value=[], multiselect=True, label="Sources (outlets)")
                    queries = gr.State([])
                    gr.ClearButton([chatbot, box, queries], value="New chat", elem_id="new-chat").click(
                        lambda: sources_panel(None), None, sources, api_visibility="private")
                    # the chat's own trash icon is the same reset: no sources, no follow-up context left behind
                    chatbot.clear(lambda: ([], sources_panel(None)), None, [queries, sources], api_visibility="private")
        with gr.Tab("Corpus", id="corpus"):
            with gr.Row():
                with gr.Column(scale=2):
                    files = gr.File(label=f"Add documents ({', '.join(SUFFIXES)}; up to {settings.max_file_mb:g} MB each)",
                                    file_count="multiple", file_types=list(SUFFIXES), elem_id="upload")
                    add = gr.Button("Add to the index", variant="primary", elem_id="add-docs")
                with gr.Column(scale=3):
                    outcome = gr.Markdown(elem_id="corpus-report")
                    summary = gr.Markdown()
                    with gr.Row():
                        doomed = gr.Dropdown([], multiselect=True, label="Remove documents (their files in the corpus folder go too)",
                                             scale=4, elem_id="remove-ids")
                        drop = gr.Button("Remove", variant="stop", scale=1, elem_id="remove")
            table = gr.Dataframe(headers=DOC_COLUMNS, label="Documents", interactive=False, wrap=True, elem_id="documents")
        with gr.Tab("Evaluate", id="evaluate"):
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

        chat_inputs = [box, chatbot, queries, answerer, k, since, until, outlets]
        chat_outputs = [box, chatbot, queries, sources]
        box.submit(respond, chat_inputs, chat_outputs, api_name="chat")
        send.click(respond, chat_inputs, chat_outputs, api_visibility="private")
        corpus_outputs = [table, summary, doomed, outlets]
        add.click(upload, [files], [outcome, files, *corpus_outputs], api_name="upload", concurrency_limit=1)
        drop.click(remove, [doomed], [outcome, *corpus_outputs], api_name="remove", concurrency_limit=1)
        demo.load(corpus_view, None, corpus_outputs, api_visibility="private")
        run_button.click(evaluate, [chosen], [metrics, plot, failing], api_name="evaluate")
        gr.api(ask, api_name="ask")
        gr.api(documents, api_name="documents")
    return demo


def launch(settings: Settings) -> None:
    """Open the index, start loading the model in the background, and serve."""
    logins = settings.logins()
    assistant = Assistant(settings)
    # Load the embedder while the server starts, so the first question does not wait for it.
    threading.Thread(target=assistant.index.warm, daemon=True).start()
    assistant.follow_writers()  # documents another process adds are searchable within a second or two
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=settings.host, server_port=settings.port, footer_links=["api"],
        auth=logins or None, auth_message="Sign in to the news assistant." if logins else None,
        max_file_size=f"{settings.max_file_mb:g}mb",
        css=(ASSETS / "app.css").read_text(encoding="utf-8"), js=(ASSETS / "app.js").read_text(encoding="utf-8"),
    )
