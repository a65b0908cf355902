"""`assistant feedback list` and `assistant feedback export`: ratings given in the app, as an eval set."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_options import index_option
from .settings import Settings


@click.group()
def feedback() -> None:
    """Ratings of answers (👍/👎 in the chat and the API), kept in the index folder."""


@feedback.command(name="list")
@index_option
def list_feedback(settings: Settings) -> None:
    """Every rating, oldest first: when, 👍/👎, the question, and a right answer or "wrong source" if given."""
    from .feedback import FeedbackLog

    for f in FeedbackLog(settings.index_dir).all():
        notes = "".join([f" → {f.right_answer}" if f.right_answer else "", " (wrong source)" if f.wrong_source else ""])
        click.echo(f"{f.created_at}  {'+1' if f.rating > 0 else '-1'}  {f.question}{notes}")


@feedback.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path), required=False)
@index_option
def export(settings: Settings, out: Path | None) -> None:
    """Write the ratings as an eval set (default: INDEX/evals/feedback.jsonl, which the Evaluate tab lists)."""
    from .evaluation import own_sets
    from .feedback import SET_NAME, FeedbackLog, export_set

    out = out or own_sets(settings.index_dir) / SET_NAME
    cases, left_out = export_set(FeedbackLog(settings.index_dir), out)
    answerable = sum(c["answerable"] for c in cases)
    where = f"written to {out}" if cases else "nothing written"
    click.echo(f"{len(cases)} cases ({answerable} answerable, {len(cases) - answerable} unanswerable) {where}")
    if left_out:
        click.echo(f"{len(left_out)} 👎 without a right answer left out: say what the right answer is to use them")
    if cases:
        click.echo(f"run it with: assistant --index {settings.index_dir} eval {out}")
