"""The Gradio app: Chat, Corpus and Evaluate tabs, one module each; callbacks translate between widgets and `Assistant`.

API endpoints for `gradio_client` (see the README): `/ask` returns the same object
as `assistant ask --json`; `/documents` lists the corpus; `/chat` streams the chat.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..core import Assistant
from ..errors import AssistantError
from ..options import options_from
from .chat import chat_tab
from .corpus import corpus_tab
from .evaluate import evaluate_tab

ASSETS = Path(__file__).parent.parent / "web"


def build_app(assistant: Assistant):
    """Build the Blocks app around an `Assistant`."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    def ask(question: str, k: int = 5, answerer: str = "reader", since: str = "", sources: str = "",
            until: str = "") -> dict:
        """Answer a question from the corpus.

        Returns the answer text with [n] markers, `short` (the direct answer it opens with), `abstained`,
        `citations` (document, title, quoted text, character offsets, support), the retrieved ids and timings. `since`/`until` are ISO dates and
        `sources` a comma-separated list of outlets; all are optional filters.
        """
        outlets = [s.strip() for s in (sources or "").split(",") if s.strip()]
        try:
            return assistant.ask(question, options_from(k, since, until, outlets, answerer)).to_dict()
        except AssistantError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def documents() -> list[dict]:
        """Every indexed document: id, title, outlet, published date, url, chunk count, when indexed."""
        return [d.to_dict() for d in assistant.corpus.documents()]

    with gr.Blocks(title="News assistant", analytics_enabled=False) as demo:
        gr.Markdown("## Ask the news corpus\nAnswers quote the articles and cite them; when the corpus does not say, the assistant says so.",
                    elem_classes="app-header")
        with gr.Tab("Chat", id="chat"):
            outlets, landing, landing_outputs = chat_tab(gr, assistant, demo)
        with gr.Tab("Corpus", id="corpus"):
            changes, corpus_view, corpus_outputs = corpus_tab(gr, assistant, outlets)
        with gr.Tab("Evaluate", id="evaluate"):
            evaluate_tab(gr, assistant)
        demo.load(corpus_view, None, corpus_outputs, api_visibility="private")
        demo.load(landing, None, landing_outputs, api_visibility="private", show_progress="hidden")
        for change in changes:  # a new or removed article changes the overview and the examples
            change.then(landing, None, landing_outputs, api_visibility="private", show_progress="hidden")
        gr.api(ask, api_name="ask")
        gr.api(documents, api_name="documents")
    return demo


def assets() -> tuple[str, str]:
    """The app's CSS (every web/*.css) and its start-up script (every web/*.js, each a `() => {}` run in turn)."""
    css = "\n".join(p.read_text(encoding="utf-8") for p in sorted(ASSETS.glob("*.css")))
    scripts = [p.read_text(encoding="utf-8").strip().rstrip(";") for p in sorted(ASSETS.glob("*.js"))]
    return css, "() => {\n" + "\n".join(f"({s})();" for s in scripts) + "\n}"
