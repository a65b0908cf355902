"""The Chat tab: the conversation, its Sources panel and the answer settings."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as NotYet

from ..citations import Answer
from ..core import Assistant
from ..errors import AssistantError
from ..escaping import text
from ..options import iso_date, options_from
from ..rendering import answer_html, filters_note, question_buttons, sources_panel, timeline_html
from ..settings import MAX_K
from .history import Conversation, secret, wire
from .overview import overview_html


def date_filter(value: str | None, label: str) -> str | None:
    """A date from the picker as YYYY-MM-DD; typed text that is no date is named by its field, not by CLI syntax."""
    try:
        return iso_date(value, label)
    except AssistantError:
        raise AssistantError(f"“{value.strip()}” in “{label}” is not a date: pick one from the calendar, "
                             "or clear the field") from None


POLL = 0.1  # seconds: how long an answer left by New chat (the trash icon, reopening) may still take to stop


def aside(step, idle):
    """The result of `step` (a future: a long call on the answer's own thread), by `yield from`, yielding `idle`
    (no change) every POLL seconds until it is ready. Gradio stops a cancelled generator only between two of its
    steps, and until then the page holds a next question of the same event (and drops it after the cancel): a
    step as long as the reader's checks of the follow-ups would hold both for seconds."""
    while True:
        try:
            return step.result(timeout=POLL)
        except NotYet:
            yield idle


def landing(assistant: Assistant) -> tuple[str, str]:
    """The corpus overview and example questions about the newest articles (each one the reader answers)."""
    documents = assistant.corpus.documents()
    examples = assistant.questions.examples(3) if documents else []
    return overview_html(documents, examples, assistant.corpus.about()), question_buttons(examples, "Try asking:")


def chat_tab(gr, assistant: Assistant, demo):
    """Build the tab inside the current Blocks (`demo`: its page load restores the kept conversation).

    Returns the outlet filter (the Corpus tab keeps it in step) and the landing refresh with its outputs
    (run on page load and after the corpus changes)."""
    settings = assistant.settings

    def respond(message: str, history: list[dict], state: dict | None, answerer: str = "reader",
                k: int = 5, since: str = "", until: str = "", outlets: list[str] | None = None):
        """Stream one answer into the chat; the conversation's earlier queries resolve follow-ups."""
        if not (message or "").strip():  # an empty Ask adds nothing (no empty bubble)
            yield "", history or [], state, gr.skip()
            return
        conversation = Conversation.of(state)
        # a question refused for its length stays in the box, so the paste is not lost
        keep = message if len(" ".join(message.split())) > settings.max_question_chars else ""
        history = list(history or []) + [
            {"role": "user", "content": text(message or "")},
            {"role": "assistant", "content": "…"},
        ]
        turn = uuid.uuid4().hex[:8]  # ties this answer's chips to its cards in the Sources panel
        # the box is cleared once, now: later outputs leave it alone, so a next question typed meanwhile stays
        yield keep, history, state, sources_panel(None, pending=True)  # the last answer's passages go at once
        steps, idle = ThreadPoolExecutor(1, thread_name_prefix="answer"), (gr.skip(),) * 4  # see `aside`
        parts, last = None, None
        try:
            since, until = date_filter(since, "Published from"), date_filter(until, "to")
            options = options_from(k, since, until, outlets, answerer)
            parts = assistant.stream(message, options, conversation.queries, conversation.said)
            while (part := (yield from aside(steps.submit(next, parts, None), idle))) is not None:
                if isinstance(part, Answer):
                    shown = answer_html(part, turn) + filters_note(part)
                    history[-1]["content"] = shown
                    panel = sources_panel(part, turn)
                    conversation.add(message, shown, part.to_dict(), turn, panel)
                    conversation.messages = history
                    yield (last := (gr.skip(), history, conversation.to_dict(), panel))
                    # checked by the reader: after the answer shows
                    follow = yield from aside(steps.submit(assistant.questions.follow_ups, part, 3, conversation.queries,
                                                           options, conversation.said), idle)
                    if follow:
                        history[-1]["content"] = shown + question_buttons(follow, "Ask next:")
                        yield (last := (gr.skip(), history, conversation.to_dict(), panel))
                else:
                    note = '<div class="rewritten">Draft: checking each sentence against its source…</div>' if part.checking else ""
                    history[-1]["content"] = f'<div class="answer streaming">{text(part)}</div>{note}'
                    yield gr.skip(), history, gr.skip(), gr.skip()
            if last:  # the whole state last, after any `idle` (an API client reads only the last output)
                yield last
        except AssistantError as exc:
            history[-1]["content"] = f'<div class="error"><b>Cannot answer:</b> {text(str(exc))}</div>'
            conversation.add(message, "", None, turn, "")
            conversation.messages = history
            yield gr.skip(), history, conversation.to_dict(), sources_panel(None)
        finally:  # a cancelled answer (New chat, …): its step running aside ends on its own, its result unused,
            if parts is not None:  # then the answer is closed there, now, not whenever the collector finds it
                steps.submit(parts.close)
            steps.shutdown(wait=False)

    def rate(history: list[dict], state: dict | None, like: gr.LikeData, request: gr.Request):
        """👍/👎 on an answer: kept with the question, the answer and its citations; a 👎 asks what was right."""
        index = like.index[0] if isinstance(like.index, (list, tuple)) else like.index
        conversation = Conversation.of(state)
        n = sum(1 for m in (history or [])[:index] if m.get("role") == "assistant")
        answer = conversation.answers[n] if 0 <= n < len(conversation.answers) else None
        if answer is None or like.liked not in (True, False):
            return gr.update(visible=False), '<p class="feedback-note">That message cannot be rated.</p>', None
        feedback_id = assistant.rate(answer, 1 if like.liked else -1, user=getattr(request, "username", None) or "")
        if like.liked:
            return gr.update(visible=False), THANKS, None
        return (gr.update(visible=True), '<p class="feedback-note">Noted. What should it have said? (optional)</p>',
                feedback_id)

    # Gradio passes the like event and the request by these annotations, which must be the classes themselves
    rate.__annotations__ |= {"like": gr.LikeData, "request": gr.Request}

    def correct(feedback_id: int | None, right: str, wrong_source: bool):
        if feedback_id is None:
            return gr.update(visible=False), "", None, "", False
        try:
            assistant.feedback.correct(feedback_id, right, wrong_source)
        except AssistantError as exc:  # too long: said beside the box, which keeps its text
            return gr.skip(), f'<p class="feedback-note error">{text(str(exc))}</p>', feedback_id, gr.skip(), gr.skip()
        return gr.update(visible=False), THANKS, None, "", False

    def show_timeline(history: list[dict], state: dict | None):
        """The story of the conversation's last answered question, oldest to newest, as a message of its own."""
        conversation = Conversation.of(state)
        asked = next((a["question"] for a in reversed(conversation.answers) if a), None)
        if asked is None:
            return gr.skip(), gr.skip(), '<p class="feedback-note">Ask a question first: the timeline is of its story.</p>'
        shown = timeline_html(asked, assistant.questions.timeline(asked))
        history = list(history or []) + [{"role": "user", "content": text(f"Timeline: {asked}")},
                                         {"role": "assistant", "content": shown}]
        conversation.add(asked, shown, None, uuid.uuid4().hex[:8], "")
        conversation.messages = history
        return history, conversation.to_dict(), ""

    overview = gr.HTML(elem_id="overview", padding=False)
    with gr.Row():
        with gr.Column(scale=3):
            # grows with the conversation: empty, it leaves the example questions above the fold
            chatbot = gr.Chatbot(label="Chat", height=None, min_height=220, max_height=560, buttons=["copy"], elem_id="chat",
                                 group_consecutive_messages=False, feedback_options=("Like", "Dislike"))
            with gr.Row():
                # no max_length: the browser would cut a long paste silently; the counter warns, the server refuses
                box = gr.Textbox(placeholder="Ask about the news…", show_label=False, scale=8, autofocus=True,
                                 lines=1, max_lines=4, elem_id="question", min_width=120)
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask", min_width=64)
                new_chat = gr.Button(value="New chat", scale=1, elem_id="new-chat", min_width=90, size="md")
            gr.HTML(f'<div id="question-count" data-limit="{settings.max_question_chars}" aria-live="polite"></div>',
                    padding=False)
            feedback_note = gr.HTML(elem_id="feedback-note", padding=False)
            with gr.Row(visible=False, elem_id="feedback-row") as feedback_row:
                right = gr.Textbox(placeholder="The right answer is …", show_label=False, scale=6, max_lines=2,
                                   elem_id="right-answer")
                wrong_source = gr.Checkbox(label="Wrong source", scale=2, elem_id="wrong-source")
                send_feedback = gr.Button("Send", scale=1, min_width=64, elem_id="send-feedback")
            examples = gr.HTML(elem_id="examples", padding=False)
            with gr.Row(elem_id="history-row"):
                past_list = gr.Dropdown([], value=None, label="Earlier conversations", scale=4, elem_id="history",
                                        allow_custom_value=False)
                timeline = gr.Button("Timeline of this story", scale=1, elem_id="timeline", size="sm")
                export = gr.DownloadButton("Export as Markdown", scale=1, elem_id="export", size="sm")
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            sources = gr.HTML(sources_panel(None), elem_id="sources")
            with gr.Accordion("Answer and retrieval settings", open=False):
                answerer = gr.Dropdown(["reader", "llama", "openai"], value=settings.answerer, label="Answerer",
                                       info="LLM answers are checked against the cited passages.")
                k = gr.Slider(1, MAX_K, value=settings.k, step=1, label="Passages retrieved (k)")
                with gr.Row():
                    # text boxes the page turns into the browser's date fields (app.js): what is typed reaches the
                    # server, which names a non-date instead of ignoring it; the calendar opens on the corpus's dates
                    since = gr.Textbox("", label="Published from", elem_id="since", placeholder="YYYY-MM-DD",
                                       lines=1, max_lines=1, min_width=120)
                    until = gr.Textbox("", label="to", elem_id="until", placeholder="YYYY-MM-DD", lines=1, max_lines=1,
                                       min_width=120)
                outlets = gr.Dropdown(assistant.corpus.outlets(), value=[], multiselect=True, label="Sources (outlets)")
            state = gr.State(Conversation().to_dict())
            pending_feedback = gr.State(None)
            key = secret(settings.index_dir)
            kept = gr.BrowserState(None, storage_key="news-assistant-conversation", secret=key)
            past = gr.BrowserState([], storage_key="news-assistant-past", secret=key)
            turn_box = gr.Textbox(visible="hidden", elem_id="turn-request")
            show_turn = gr.Button(visible="hidden", elem_id="turn-show")

    chat_inputs = [box, chatbot, state, answerer, k, since, until, outlets]
    chat_outputs = [box, chatbot, state, sources]
    quiet = dict(api_visibility="private", show_progress="hidden")
    answering = []  # the events still writing the conversation: New chat, the trash icon and reopening cancel them
    for trigger, api in ((box.submit, dict(api_name="chat")), (send.click, dict(api_visibility="private"))):
        # the Timeline waits for the answer (greyed out, in the page): the two would draw over each other
        trigger(None, None, timeline, js=TIMELINE_OFF, **quiet)
        # a question asked while the last one's follow-ups are still being checked runs next instead of being dropped
        event = trigger(respond, chat_inputs, chat_outputs, trigger_mode="always_last", **api)
        # `success`, not `then`: a cancelled answer's conversation is not the browser's copy (New chat wrote it)
        event.success(lambda s: s, state, kept, **quiet)
        event.then(None, None, timeline, js=TIMELINE_ON, **quiet)  # finished, failed or cancelled
        answering.append(event)
    story = timeline.click(show_timeline, [chatbot, state], [chatbot, state, feedback_note], api_visibility="private")
    story.success(lambda s: s, state, kept, **quiet)
    wire(gr, demo, chatbot, state, kept, past, past_list, export, sources, new_chat, box,
         (turn_box, show_turn), [*answering, story])
    chatbot.like(rate, [chatbot, state], [feedback_row, feedback_note, pending_feedback], api_visibility="private")
    send_feedback.click(correct, [pending_feedback, right, wrong_source],
                        [feedback_row, feedback_note, pending_feedback, right, wrong_source], api_visibility="private")
    right.submit(correct, [pending_feedback, right, wrong_source],
                 [feedback_row, feedback_note, pending_feedback, right, wrong_source], api_visibility="private")
    return outlets, lambda: landing(assistant), [overview, examples]


TIMELINE_OFF = "() => ({__type__: 'update', interactive: false})"
TIMELINE_ON = "() => ({__type__: 'update', interactive: true})"
THANKS = ('<p class="feedback-note">Thank you: kept with the question and its sources '
          '(<code>assistant feedback export</code> makes ratings an evaluation set).</p>')
