"""`assistant` command line: a thin click layer over `Assistant`.

Every command accepts `--index DIR` (before or after the command name); other
settings come from `ASSISTANT_*` environment variables. User-facing errors are
turned into one clear line and exit status 1 by that option (`cli_options`), and nowhere else.
The commands that build the shipped models are in `training.cli`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_chat import chat, echo_answer, echo_timeline
from .cli_feedback import feedback
from .cli_options import ANSWERERS, ask_options, index_option
from .cli_progress import IngestProgress
from .cli_progress import progress as _progress
from .cli_progress import report as _report
from .settings import MAX_K, Settings
from .training.cli import COMMANDS


@click.group()
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Index folder (default: index/ or $ASSISTANT_INDEX_DIR).")
@click.version_option(package_name="news-assistant")
@click.pass_context
def cli(ctx: click.Context, index_dir: Path | None) -> None:
    """Ask questions about a corpus of news articles and get answers with citations."""
    ctx.obj = {"index_dir": index_dir} if index_dir is not None else {}


def _assistant(settings: Settings, corpus_dir: Path | None = None):
    """The assistant for a command; `corpus_dir` (a `--corpus` option) overrides the setting."""
    from .core import Assistant

    return Assistant(settings.model_copy(update={"corpus_dir": corpus_dir}) if corpus_dir else settings)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--rebuild", is_flag=True, help="Delete the index first and build it again from PATHS.")
@index_option
def ingest(settings: Settings, paths: tuple[str, ...], rebuild: bool) -> None:
    """Add files, folders or http(s) article URLs (default: the corpus folder) to the index."""
    paths = paths or (settings.corpus_dir,)
    if rebuild:
        from .index import Index

        Index.clear_folder(settings.index_dir)
    assistant = _assistant(settings)
    with IngestProgress() as progress:  # reading, chunking, embedding; each document's line once it is written
        report = assistant.corpus.ingest(list(paths), progress=progress)
    _report(report, progress.shown)


@cli.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@index_option
def sync(settings: Settings, folder: Path | None) -> None:
    """Make the index mirror FOLDER (default: the corpus folder): add, re-index changed, remove deleted."""
    assistant = _assistant(settings)
    with IngestProgress() as progress:
        report = assistant.corpus.sync(folder or settings.corpus_dir, progress=progress)
    _report(report, progress.shown)


@cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@index_option
def list_documents(settings: Settings, as_json: bool) -> None:
    """List indexed documents: id, title, outlet, date, chunks, when indexed."""
    docs = [d.to_dict() for d in _assistant(settings).corpus.documents()]
    if as_json:
        click.echo(json.dumps(docs, ensure_ascii=False, indent=2))
        return
    for d in docs:
        click.echo(f"{d['id']}\t{d['title']}\t{d['outlet'] or '-'}\t{d['published'] or '-'}\t{d['chunks']} chunks\t{d['indexed_at']}")
    click.echo(f"{len(docs)} document(s)")


_corpus_option = click.option(
    "--corpus", "corpus_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The folder the documents' files are in (default: the corpus_dir setting, corpus/).")


@cli.command()
@click.argument("doc_ids", nargs=-1, required=True)
@_corpus_option
@index_option
def remove(settings: Settings, doc_ids: tuple[str, ...], corpus_dir: Path | None) -> None:
    """Remove documents (by id, as `list` shows them) from the index; their files leave the corpus folder for
    the index's trash, so the next `sync` does not bring them back. `restore` undoes it (as the app's Undo)."""
    report = _assistant(settings, corpus_dir).corpus.remove(list(doc_ids), delete_files=True)
    if report.undo and report.removed:
        corpus = f" --corpus {corpus_dir}" if corpus_dir else ""
        click.echo(f"undo with: assistant --index {settings.index_dir} restore {report.undo}{corpus}")
    _report(report)


@cli.command()
@click.argument("token")
@_corpus_option
@index_option
def restore(settings: Settings, token: str, corpus_dir: Path | None) -> None:
    """Undo a `remove`: its files go back into the corpus folder and its documents into the index."""
    _report(_assistant(settings, corpus_dir).corpus.restore(token))


@cli.command()
@index_option
def rebuild(settings: Settings) -> None:
    """Re-index every stored document with the current settings (after changing the embedding model or
    chunk settings, or when vector files are lost or damaged); the source files are not needed."""
    from .corpus import rebuild as rebuild_index

    with IngestProgress(lines=False) as progress:
        report = rebuild_index(settings, progress=progress)
    click.echo(f"rebuilt {settings.index_dir}: {len(report.added) + len(report.updated)} document(s) re-indexed")


@cli.command()
@index_option
def check(settings: Settings) -> None:
    """Check that Chroma, the lexical index and the store agree; exit 1 (naming the repair) if they do not."""
    from .index import Index

    health = Index(settings).health()
    for key, value in health.to_dict().items():
        click.echo(f"{key:<26}{value}")
    if not health.healthy:
        raise click.ClickException(f"the index is out of step; repair it with `assistant --index {settings.index_dir} rebuild`")
    click.echo("consistent")


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@ask_options
@click.option("--after", multiple=True, help="An earlier question QUESTION follows up (repeatable, oldest first).")
@index_option
def ask(settings: Settings, question: str, as_json: bool, k: int | None, answerer: str | None,
        since: str | None, until: str | None, outlets: tuple[str, ...], after: tuple[str, ...]) -> None:
    """Answer QUESTION from the indexed corpus, with citations (`assistant chat` for a conversation)."""
    from .options import AskOptions

    options = AskOptions(k=k, since=since, until=until, outlets=outlets, answerer=answerer)
    answer = _assistant(settings).ask(question, options, list(after))
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    echo_answer(answer)


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per event instead of text.")
@click.option("--since", default=None, help="Only documents published on or after this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="Only documents published on or before this date (YYYY-MM-DD).")
@index_option
def timeline(settings: Settings, question: str, as_json: bool, since: str | None, until: str | None) -> None:
    """The story QUESTION is about: one dated, cited sentence per article, oldest first."""
    from dataclasses import asdict

    from .options import AskOptions

    events = _assistant(settings).questions.timeline(question, AskOptions(since=since, until=until))
    if not as_json:
        echo_timeline(events)
    for e in events if as_json else []:
        click.echo(json.dumps(asdict(e), ensure_ascii=False))


@cli.command(name="eval")
@click.argument("question_set", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path), help="Write one JSON line per case here.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a Markdown report here, with a .png plot and a .json summary beside it.")
@click.option("--answerer", type=click.Choice(ANSWERERS), default=None,
              help="Who phrases answers (default: $ASSISTANT_ANSWERER or reader; extractive is its earlier name).")
@click.option("--k", type=click.IntRange(1, MAX_K), default=None, help="Passages to retrieve.")
@click.option("--compare", "previous", type=click.Path(dir_okay=False, path_type=Path),
              help="An earlier JSON summary to compare with.")
@index_option
def evaluate(settings: Settings, question_set: Path, results: Path | None, report: Path | None,
             answerer: str, k: int | None, previous: Path | None) -> None:
    """Run a JSONL question set and score retrieval, answers, citations, abstention and latency."""
    from .options import AskOptions
    from .report import compare, load_summary, summary_table, write_report, write_results

    before = load_summary(previous) if previous else None  # fail before the run, not after
    with _progress(f"Evaluating {question_set.name}", "q") as progress:
        run = _assistant(settings).evaluate(question_set, AskOptions(k=k, answerer=answerer), progress)
    for key, value in summary_table(run.summary):
        click.echo(f"{key:<22} {value}")
    if results:
        write_results(results, run)
        click.echo(f"results: {results}")
    if report:
        paths = write_report(run, report)
        click.echo(f"report: {paths['markdown']} (plot {paths['plot'].name}, summary {paths['summary'].name})")
    if before is not None:
        click.echo(compare(run.summary, before))


@cli.command()
@click.argument("question_sets", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--max-false-abstention", type=click.FloatRange(0, 1), default=0.10, show_default=True,
              help="Largest share of answerable questions the threshold may refuse, in each set.")
@index_option
def calibrate(settings: Settings, question_sets: tuple[Path, ...], max_false_abstention: float) -> None:
    """Adapt the refusal threshold (on the answers' confidence) to labelled question sets; stored in the index."""
    assistant = _assistant(settings)
    with _progress("Calibrating", "q") as progress:
        fitted = assistant.calibrate(list(question_sets), max_false_abstention, progress)
    click.echo(f"refuse below confidence {fitted.threshold:.4f} (fitted on {', '.join(fitted.fitted_on)}: "
               f"{fitted.n_answerable} answerable, {fitted.n_unanswerable} unanswerable)")
    click.echo(f"at this point: abstention precision {fitted.abstention_precision or 0:.3f}, "
               f"recall {fitted.abstention_recall or 0:.3f}, false abstention {fitted.false_abstention_rate or 0:.3f}"
               + "".join(f"; {name} {rate or 0:.3f}" for name, rate in fitted.false_abstention_by_set.items()))
    click.echo(f"saved in {settings.index_dir}/store.sqlite3")


@cli.command()
@click.option("--host", default=None, help="Bind address (default 127.0.0.1; 0.0.0.0 exposes the app).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 7860).")
@index_option
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the Gradio chat (same as `python app.py`)."""
    from .server import launch

    settings = settings.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    launch(settings)


for command in [*COMMANDS, feedback, chat]:  # train-reader, export-reader, fit-confidence; feedback; chat
    cli.add_command(command)


def main() -> None:
    cli(prog_name="assistant")


if __name__ == "__main__":
    main()
