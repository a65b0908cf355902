"""`assistant` command line: a thin click layer over `Assistant`.

Every command accepts `--index DIR` (before or after the command name); other
settings come from `ASSISTANT_*` environment variables. User-facing errors are
turned into one clear line and exit status 1 here, and nowhere else.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from .errors import AssistantError
from .settings import Settings


def _index_option(func):
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


@click.group()
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Index folder (default: index/ or $ASSISTANT_INDEX_DIR).")
@click.version_option(package_name="news-assistant")
@click.pass_context
def cli(ctx: click.Context, index_dir: Path | None) -> None:
    """Ask questions about a corpus of news articles and get answers with citations."""
    ctx.obj = {"index_dir": index_dir} if index_dir is not None else {}


def _assistant(settings: Settings):
    from .core import Assistant

    return Assistant(settings)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Delete the index first and build it again from PATHS.")
@_index_option
def ingest(settings: Settings, paths: tuple[Path, ...], rebuild: bool) -> None:
    """Add .txt/.md files or folders of them (default: the corpus folder) to the index."""
    from tqdm import tqdm

    paths = paths or (settings.corpus_dir,)
    if rebuild:
        from .index import Index

        Index.clear_folder(settings.index_dir)
    assistant = _assistant(settings)
    with tqdm(total=0, unit="chunk", desc="Embedding", disable=None, file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report = assistant.ingest(list(paths), progress=progress)
    for doc_id, n in report.added:
        click.echo(f"added    {doc_id} ({n} chunks)")
    for doc_id, n in report.updated:
        click.echo(f"updated  {doc_id} ({n} chunks)")
    for doc_id in report.unchanged:
        click.echo(f"unchanged {doc_id}")
    for doc_id, reason in report.failed:
        click.echo(f"failed   {reason}", err=True)
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--k", type=click.IntRange(1, 50), default=None, help="Passages to retrieve.")
@_index_option
def ask(settings: Settings, question: str, as_json: bool, k: int | None) -> None:
    """Answer QUESTION from the indexed corpus, with citations."""
    from .citations import sources_text

    answer = _assistant(settings).ask(question, k=k)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(answer.answer)
    if answer.citations:
        click.echo("\n" + sources_text(answer))


@cli.command()
@click.option("--host", default=None, help="Bind address (default 127.0.0.1; 0.0.0.0 exposes the app).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 7860).")
@_index_option
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the Gradio chat (same as `python app.py`)."""
    from .ui import launch

    settings = settings.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    launch(settings)


def main() -> None:
    cli(prog_name="assistant")
