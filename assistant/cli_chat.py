"""`assistant chat`: a conversation in the terminal, as in the web chat, and the answer and timeline printers
`ask` and `timeline` share with it.

Each question is asked with the conversation's earlier ones (as searched), so "and how much did it cost?",
"What happened?" and "Tell me more" follow up on the story; `/new` starts a new conversation, `/timeline` tells
the last question's story oldest first, `/quit` (or end of input) leaves. It reads lines from standard input, so a
conversation can be piped in as well as typed.
"""

from __future__ import annotations

import click

from .citations import Answer, Quoted
from .cli_options import ask_options, index_option
from .errors import AssistantError
from .settings import Settings

HELP = "Ask a question; /new starts a new conversation, /timeline tells the last question's story, /quit leaves."


def echo_answer(answer) -> None:
    """An answer as text: its body, how sure it is, then its numbered sources."""
    click.echo(answer.answer)
    if answer.confidence is not None and not answer.abstained:
        click.echo(f"({answer.band}: {answer.confidence:.0%} likely right)")
    if answer.citations:
        click.echo("\n" + sources_text(answer))


def sources_text(answer: Answer) -> str:
    """The cited passages for the terminal: each one's title, outlet and date (as the web chat's chips show them),
    where in its document, then the quoted sentence."""
    from .rendering import human_date

    lines = []
    for c in answer.citations:
        cited = answer.citation_json(c)
        where = " · ".join(x for x in (cited["outlet"], human_date(cited["published"])) if x)
        lines.append(f"[{c.n}] {c.title}{' · ' + where if where else ''} ({c.source}:{c.start}-{c.end})\n    {c.text}")
    return "\n".join(lines)


def echo_timeline(events) -> None:
    """A story's events, oldest first, one dated, cited sentence each."""
    for e in events:
        click.echo(f"{e.published or 'undated'} · {e.outlet or e.citation.title}\n  “{' '.join(e.citation.text.split())}” "
                   f"[{e.citation.n}] {e.citation.source}:{e.citation.start}-{e.citation.end}")
    if not events:
        click.echo("No article of the corpus tells this story.")


@click.command()
@ask_options
@index_option
def chat(settings: Settings, k: int | None, answerer: str | None, since: str | None, until: str | None,
         outlets: tuple[str, ...]) -> None:
    """A conversation: follow-up questions continue the story of the earlier ones."""
    from .core import Assistant
    from .options import AskOptions

    options = AskOptions(k=k, since=since, until=until, outlets=outlets, answerer=answerer)  # bad values: exit 1
    assistant = Assistant(settings)
    history: list[str] = []  # the conversation's questions as searched ("Tell me more (Hutchins)")
    said: list[Quoted] = []  # the sentences its answers quoted: "Tell me more" goes on past them
    click.echo(HELP, err=True)
    while True:
        try:
            line = input("> " if click.get_text_stream("stdin").isatty() else "").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/new":
            history.clear()
            said.clear()
            click.echo("New conversation.\n")
            continue
        try:  # a question's error is told and the conversation goes on
            if line == "/timeline":
                if not history:
                    raise AssistantError("ask a question first: the timeline tells its story")
                echo_timeline(assistant.questions.timeline(history[-1], options))
            elif line.startswith("/"):
                raise AssistantError(f"unknown command {line.split()[0]}: {HELP}")
            else:
                answer = assistant.ask(line, options, history, said)
                history.append(answer.query or line)
                said += answer.quotes
                echo_answer(answer)
        except AssistantError as exc:
            click.echo(f"Error: {exc}", err=True)
        except KeyboardInterrupt:  # Ctrl-C while a question is answered: leave as at the prompt
            break
        click.echo()
