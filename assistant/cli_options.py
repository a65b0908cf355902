"""The option every `assistant` command takes, and the one place user-facing errors become one clear line."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from .errors import AssistantError
from .settings import MAX_K, Settings


def index_option(func):
    """Add `--index DIR` to a command; a value here wins over the group's."""

    @click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Index folder (default: index/ or $ASSISTANT_INDEX_DIR).")
    @click.pass_context
    @functools.wraps(func)
    def wrapper(ctx: click.Context, index_dir: Path | None, **kwargs):
        overrides = dict(ctx.obj or {})
        if index_dir is not None:
            overrides["index_dir"] = index_dir
        try:
            settings = Settings(**overrides)
            return func(settings, **kwargs)
        except AssistantError as exc:
            raise click.ClickException(str(exc)) from None
        except ValueError as exc:  # settings validation
            raise click.ClickException(f"invalid settings: {exc}") from None

    return wrapper


ANSWERERS = ["reader", "extractive", "llama", "openai"]


def ask_options(func):
    """The options a question is asked with (`ask`, `chat`): passages, answerer, dates and outlets."""
    options = [
        click.option("--k", type=click.IntRange(1, MAX_K), default=None, help="Passages to retrieve."),
        click.option("--answerer", type=click.Choice(ANSWERERS), default=None,
                     help="Who phrases answers (default: $ASSISTANT_ANSWERER or reader; extractive is its earlier name)."),
        click.option("--since", default=None, help="Only documents published on or after this date (YYYY-MM-DD)."),
        click.option("--until", default=None, help="Only documents published on or before this date (YYYY-MM-DD)."),
        click.option("--source", "outlets", multiple=True, help="Only documents from this outlet (repeatable)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func

