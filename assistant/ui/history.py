"""Conversations kept across reloads: the chat's state as one JSON value in the browser's storage, the list
of past conversations, and a conversation exported as Markdown with its citations.

The browser keeps it (Gradio's `BrowserState`, encrypted with a secret kept in the index folder so a
restart can still read it). The values come back from the browser, so `Conversation.of` trusts nothing:
wrong types become an empty conversation, never an error on the page.
"""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..citations import Quoted
from ..escaping import markdown_text
from ..rendering import sources_panel

KEPT = 15  # past conversations listed
PANELS_KEPT = 8  # Sources panels kept per conversation (the latest answers'), to stay within browser storage
SECRET_FILE = ".browser-secret"


@dataclass
class Conversation:
    """One chat: its messages as shown, what was searched (for follow-ups), each answer as JSON (for ratings and
    export, `None` where a turn failed), and the Sources panel of each recent answer by its turn id."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started: str = field(default_factory=lambda: dt.datetime.now().isoformat(timespec="minutes"))
    messages: list[dict] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    answers: list[dict | None] = field(default_factory=list)
    turns: list[str] = field(default_factory=list)
    panels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, raw) -> "Conversation":
        """From a stored value; anything malformed gives a fresh conversation."""
        try:
            kept = cls(**{k: raw[k] for k in ("id", "started", "messages", "queries", "answers", "turns", "panels")})
            ok = (all(isinstance(m, dict) and m.get("role") in ("user", "assistant") for m in kept.messages)
                  and all(isinstance(q, str) for q in kept.queries) and isinstance(kept.panels, dict)
                  and len(kept.answers) == len(kept.turns) and isinstance(kept.id, str))
            return kept if ok else cls()
        except (KeyError, TypeError):
            return cls()

    @property
    def title(self) -> str:
        first = next((a["question"] for a in self.answers if a), "")
        return (first[:60] + "…") if len(first) > 60 else first or "(no question yet)"

    @property
    def said(self) -> list[Quoted]:
        """The sentences this conversation's answers quoted ("Tell me more" leaves them out); a malformed stored
        citation is skipped (the state comes back from the browser)."""
        cited = [c for a in self.answers if isinstance(a, dict) for c in a.get("citations") or [] if isinstance(c, dict)]
        return [Quoted(c["source"], c["start"], c["end"]) for c in cited if isinstance(c.get("source"), str)
                and isinstance(c.get("start"), int) and isinstance(c.get("end"), int)]

    def add(self, question: str, shown: str, answer: dict | None, turn: str, panel: str) -> None:
        """Record one finished turn (the messages themselves are already in `messages`)."""
        self.answers.append(answer)
        self.turns.append(turn)
        if answer:
            self.queries.append(answer.get("query") or question)
            self.panels[turn] = panel

    def to_dict(self) -> dict:
        keep = set(self.turns[-PANELS_KEPT:])
        return asdict(self) | {"panels": {t: p for t, p in self.panels.items() if t in keep}}

    def markdown(self) -> str:
        """The conversation as Markdown: each question, its answer, the quoted sentences with their articles.
        Everything from the corpus or the user is escaped, so the file shows it as text in any viewer."""
        def markdown(value) -> str:
            return markdown_text(" ".join(str(value).split()))

        lines = [f"# {markdown(self.title)}", "", f"News assistant conversation, started {self.started}.", ""]
        for answer in self.answers:
            if not answer:
                continue
            lines += [f"## {markdown(answer['question'])}", "", markdown(answer["answer"]), ""]
            band = answer.get("band")
            if band and answer.get("confidence") is not None:
                lines += [f"*{band}: {answer['confidence']:.0%} likely right*", ""]
            for c in answer.get("citations", []):
                lines.append(f"- [{c['n']}] {markdown(c['title'])} ({markdown(c['source'])}, characters "
                             f"{c['start']}–{c['end']}): “{markdown(c['text'])}”")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def archive(past: list, conversation: Conversation) -> list[dict]:
    """The past conversations with `conversation` first (replacing an older copy); empty ones are not kept."""
    others = [c for c in (past or []) if isinstance(c, dict) and c.get("id") != conversation.id]
    return ([conversation.to_dict()] if any(conversation.answers) else []) + others[: KEPT - 1]


def choices(past: list) -> list[tuple[str, str]]:
    """(label, id) for the history list: the first question and when it started."""
    found = [Conversation.of(c) for c in past or []]
    return [(f"{c.started.replace('T', ' ')} · {c.title}", c.id) for c in found if any(c.answers)]


def secret(index_dir: Path) -> str:
    """The key the browser's copy is encrypted with: made once per index folder, so it survives a restart."""
    path = Path(index_dir) / SECRET_FILE
    try:
        return path.read_text(encoding="utf-8").strip() or _new(path)
    except FileNotFoundError:
        return _new(path)


def _new(path: Path) -> str:
    value = secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


NOT_KEPT = '<p class="muted">The sources of that answer are no longer kept; ask it again to see them.</p>'


def wire(gr, demo, chatbot, state, kept, past, past_list, export, sources, new_chat, box, turn_request,
         writing=()) -> None:
    """The chat's keeping: restore on page load, New chat (and the chat's trash icon) archive the conversation,
    the history list reopens one, Export downloads it, and an older answer's chip brings back its sources.

    `writing`: the events that may still be writing the conversation (an answer streaming or checking its
    follow-ups, a timeline being drawn). Leaving the conversation cancels them, or their next output would put
    it back over the new one. The conversation is filed as `state` holds it: an answer already shown is in it,
    one still being produced is not (the follow-ups of a shown one are dropped)."""
    turn_box, show_turn = turn_request
    quiet = dict(api_visibility="private", show_progress="hidden")

    def restore(saved, earlier):
        c = Conversation.of(saved)
        panel = c.panels.get(c.turns[-1]) if c.turns else None
        return c.messages, c.to_dict(), panel or sources_panel(None), gr.update(choices=choices(earlier), value=None)

    def start_new(current, earlier):
        earlier = archive(earlier, Conversation.of(current))
        fresh = Conversation().to_dict()
        return [], fresh, fresh, earlier, gr.update(choices=choices(earlier), value=None), sources_panel(None)

    def reopen(chosen, current, earlier):
        if Conversation.of(current).id == chosen:  # one pick comes twice (Gradio's Dropdown): it is open already,
            return (gr.skip(),) * 6  # and filing the open one again would drop the one just left from the list
        found = next((c for c in earlier or [] if isinstance(c, dict) and c.get("id") == chosen), None)
        if found is None:  # nothing reopened, but an answer in flight was cancelled: the chat as kept, without it
            return (Conversation.of(current).messages, *(gr.skip(),) * 5)
        c = Conversation.of(found)
        earlier = [e for e in archive(earlier, Conversation.of(current)) if e.get("id") != c.id]
        panel = c.panels.get(c.turns[-1]) if c.turns else None
        # the list shows the reopened one, chosen: the pick's second `input` then names a choice still listed (it
        # raised "Value … is not in the list of choices" once the list had dropped it) and is skipped above
        listed = gr.update(choices=choices([found, *earlier]), value=c.id)
        return c.messages, c.to_dict(), c.to_dict(), earlier, listed, panel or sources_panel(None)

    def download(current):
        c = Conversation.of(current)
        if not any(c.answers):
            return None
        folder = Path(tempfile.gettempdir()) / "news-assistant-chats"  # one file per conversation, rewritten
        folder.mkdir(exist_ok=True)
        path = folder / f"conversation-{c.id}.md"
        path.write_text(c.markdown(), encoding="utf-8")
        return str(path)

    demo.load(restore, [kept, past], [chatbot, state, sources, past_list], **quiet)
    for trigger in (new_chat.click, chatbot.clear, past_list.input):
        # set first, so the page sends the cancel before the event that replaces the conversation
        trigger(None, None, None, cancels=list(writing), **quiet)
    new_chat.click(lambda current, earlier: (*start_new(current, earlier), ""), [state, past],
                   [chatbot, state, kept, past, past_list, sources, box], **quiet)
    # the chat again too: the trash icon empties it at once, before the cancel reaches a streaming answer
    chatbot.clear(start_new, [state, past], [chatbot, state, kept, past, past_list, sources], **quiet)
    past_list.input(reopen, [past_list, state, past], [chatbot, state, kept, past, past_list, sources], **quiet)
    state.change(download, state, export, **quiet)
    show_turn.click(lambda turn, current: Conversation.of(current).panels.get(turn, NOT_KEPT), [turn_box, state],
                    sources, **quiet)
