"""The option every `assistant` command takes, and the one place user-facing errors become one clear line."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from .errors import AssistantError
from .settings import Settings


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
