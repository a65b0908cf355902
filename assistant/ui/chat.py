"""The Chat tab: the conversation, its Sources panel and the answer settings."""

from __future__ import annotations

import uuid

from ..ask import iso_date, options_from
from ..citations import Answer
from ..core import Assistant
from ..errors import AssistantError
from ..escaping import text
from ..rendering import answer_html, filters_note, question_buttons, sources_panel
from ..settings import MAX_K
from .overview import overview_html


def date_filter(value: str | None, label: str) -> str | None:
    """A date from the picker as YYYY-MM-DD; typed text that is no date is named by its field, not by CLI syntax."""
    try:
        return iso_date(value, label)
    except AssistantError:
        raise AssistantError(f"“{value.strip()}” in “{label}” is not a date: pick one from the calendar, "
                             "or clear the field") from None


def landing(assistant: Assistant) -> tuple[str, str]:
    """The corpus overview and example questions about the newest articles (each one the reader answers)."""
    documents = assistant.corpus.documents()
    examples = assistant.questions.examples(3) if documents else []
    return overview_html(documents, examples), question_buttons(examples, "Try asking:")


def chat_tab(gr, assistant: Assistant):
    """Build the tab inside the current Blocks.

    Returns the outlet filter (the Corpus tab keeps it in step) and the landing refresh with its outputs
    (run on page load and after the corpus changes)."""
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
        turn = uuid.uuid4().hex[:8]  # ties this answer's chips to its cards in the Sources panel
        yield "", history, queries, sources_panel(None, pending=True)  # the last answer's passages go at once
        try:
            since, until = date_filter(since, "Published from"), date_filter(until, "to")
            options = options_from(k, since, until, outlets, answerer)
            for part in assistant.stream(message, options, queries):
                if isinstance(part, Answer):
                    queries.append(part.query)
                    shown = answer_html(part, turn) + filters_note(since, until, outlets)
                    history[-1]["content"] = shown
                    panel = sources_panel(part, turn)
                    yield "", history, queries, panel
                    follow = assistant.questions.follow_ups(part)  # checked by the reader: after the answer shows
                    if follow:  # the last output is the whole state (an API client reads only that one)
                        history[-1]["content"] = shown + question_buttons(follow, "Ask next:")
                        yield "", history, queries, panel
                else:
                    note = '<div class="rewritten">Draft: checking each sentence against its source…</div>' if part.checking else ""
                    history[-1]["content"] = f'<div class="answer streaming">{text(part)}</div>{note}'
                    yield "", history, queries, gr.skip()
        except AssistantError as exc:
            history[-1]["content"] = f'<div class="error"><b>Cannot answer:</b> {text(str(exc))}</div>'
            yield "", history, queries, sources_panel(None)

    overview = gr.HTML(elem_id="overview", padding=False)
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Chat", height=560, buttons=["copy"], elem_id="chat",
                                 group_consecutive_messages=False)
            with gr.Row():
                # no max_length: the browser would cut a long paste silently; the counter warns, the server refuses
                box = gr.Textbox(placeholder="Ask about the news…", show_label=False, scale=8, autofocus=True,
                                 lines=1, max_lines=4, elem_id="question", min_width=120)
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask", min_width=64)
                new_chat = gr.ClearButton(value="New chat", scale=1, elem_id="new-chat", min_width=90, size="md")
            gr.HTML(f'<div id="question-count" data-limit="{settings.max_question_chars}" aria-live="polite"></div>',
                    padding=False)
            examples = gr.HTML(elem_id="examples", padding=False)
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            sources = gr.HTML(sources_panel(None), elem_id="sources")
            with gr.Accordion("Answer and retrieval settings", open=False):
                answerer = gr.Dropdown(["reader", "llama", "openai"], value=settings.answerer, label="Answerer",
                                       info="LLM answers are checked against the cited passages.")
                k = gr.Slider(1, MAX_K, value=settings.k, step=1, label="Passages retrieved (k)")
                with gr.Row():
                    since = gr.DateTime("", include_time=False, type="string", label="Published from", elem_id="since")
                    until = gr.DateTime("", include_time=False, type="string", label="to", elem_id="until")
                outlets = gr.Dropdown(assistant.corpus.outlets(), value=[], multiselect=True, label="Sources (outlets)")
            queries = gr.State([])
            new_chat.add([chatbot, box, queries])
            new_chat.click(lambda: sources_panel(None), None, sources, api_visibility="private")
            # the chat's own trash icon is the same reset: no sources, no follow-up context left behind
            chatbot.clear(lambda: ([], sources_panel(None)), None, [queries, sources], api_visibility="private")

    chat_inputs = [box, chatbot, queries, answerer, k, since, until, outlets]
    chat_outputs = [box, chatbot, queries, sources]
    box.submit(respond, chat_inputs, chat_outputs, api_name="chat")
    send.click(respond, chat_inputs, chat_outputs, api_visibility="private")
    return outlets, lambda: landing(assistant), [overview, examples]
