"""The Chat tab: the conversation, its Sources panel and the answer settings."""

from __future__ import annotations

from ..citations import Answer
from ..core import Assistant
from ..errors import AssistantError
from ..rendering import answer_html, sources_panel, text

EXAMPLES = [
    "Who represents the Hutchins family?",
    "What happened to the criminal case against Alec Baldwin?",
    "Who was wounded in the shooting?",
]


def chat_tab(gr, assistant: Assistant):
    """Build the tab inside the current Blocks; returns the outlet filter, which the Corpus tab keeps in step."""
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

    chat_inputs = [box, chatbot, queries, answerer, k, since, until, outlets]
    chat_outputs = [box, chatbot, queries, sources]
    box.submit(respond, chat_inputs, chat_outputs, api_name="chat")
    send.click(respond, chat_inputs, chat_outputs, api_visibility="private")
    return outlets
