"""`assistant` command line: a thin click layer over `Assistant`.

Every command accepts `--index DIR` (before or after the command name); other
settings come from `ASSISTANT_*` environment variables. User-facing errors are
turned into one clear line and exit status 1 here, and nowhere else.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from pathlib import Path

import click

from .errors import AssistantError
from .settings import MAX_K, Settings


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


@contextlib.contextmanager
def _progress(desc: str, unit: str):
    """A tqdm bar on stderr driven by `progress(done, total)` callbacks."""
    from tqdm import tqdm

    with tqdm(total=0, unit=unit, desc=desc, disable=None, file=sys.stderr) as bar:
        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield update


def _report(report) -> None:
    """One line per document, then the summary; exit status 1 if anything failed (failures go to stderr)."""
    for what, doc_id, note in report.events():
        failed = what == "failed"
        click.echo(f"{what:<9} {note}" if failed else f"{what:<9} {doc_id} {note}".rstrip(), err=failed)
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


def _assistant(settings: Settings):
    from .core import Assistant

    return Assistant(settings)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--rebuild", is_flag=True, help="Delete the index first and build it again from PATHS.")
@_index_option
def ingest(settings: Settings, paths: tuple[str, ...], rebuild: bool) -> None:
    """Add files, folders or http(s) article URLs (default: the corpus folder) to the index."""
    paths = paths or (settings.corpus_dir,)
    if rebuild:
        from .index import Index

        Index.clear_folder(settings.index_dir)
    assistant = _assistant(settings)
    with _progress("Embedding", "text") as progress:
        report = assistant.corpus.ingest(list(paths), progress=progress)
    _report(report)


@cli.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@_index_option
def sync(settings: Settings, folder: Path | None) -> None:
    """Make the index mirror FOLDER (default: the corpus folder): add, re-index changed, remove deleted."""
    assistant = _assistant(settings)
    with _progress("Embedding", "text") as progress:
        report = assistant.corpus.sync(folder or settings.corpus_dir, progress=progress)
    _report(report)


@cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@_index_option
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
@_index_option
def remove(settings: Settings, doc_ids: tuple[str, ...], corpus_dir: Path | None) -> None:
    """Remove documents (by id, as `list` shows them) from the index; their files leave the corpus folder for
    the index's trash, so the next `sync` does not bring them back. `restore` undoes it (as the app's Undo)."""
    settings = settings.model_copy(update={"corpus_dir": corpus_dir}) if corpus_dir else settings
    report = _assistant(settings).corpus.remove(list(doc_ids), delete_files=True)
    if report.undo and report.removed:
        click.echo(f"undo with: assistant --index {settings.index_dir} restore {report.undo}")
    _report(report)


@cli.command()
@click.argument("token")
@_corpus_option
@_index_option
def restore(settings: Settings, token: str, corpus_dir: Path | None) -> None:
    """Undo a `remove`: its files go back into the corpus folder and its documents into the index."""
    settings = settings.model_copy(update={"corpus_dir": corpus_dir}) if corpus_dir else settings
    _report(_assistant(settings).corpus.restore(token))


@cli.command()
@_index_option
def rebuild(settings: Settings) -> None:
    """Re-index every stored document with the current settings (after changing the embedding model or
    chunk settings, or when vector files are lost or damaged); the source files are not needed."""
    from .index import rebuild as rebuild_index

    with _progress("Embedding", "text") as progress:
        report = rebuild_index(settings, progress=progress)
    click.echo(f"rebuilt {settings.index_dir}: {len(report.added) + len(report.updated)} document(s) re-indexed")


@cli.command()
@_index_option
def check(settings: Settings) -> None:
    """Check that Chroma, the lexical index and the store agree; exit 1 (naming the repair) if they do not."""
    from .index import Index
    from .recovery import verify

    health = verify(Index(settings))
    for key, value in health.to_dict().items():
        click.echo(f"{key:<26}{value}")
    if not health.healthy:
        raise click.ClickException(f"the index is out of step; repair it with `assistant --index {settings.index_dir} rebuild`")
    click.echo("consistent")


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--k", type=click.IntRange(1, MAX_K), default=None, help="Passages to retrieve.")
@click.option("--answerer", type=click.Choice(["reader", "extractive", "llama", "openai"]), default=None,
              help="Who phrases answers (default: $ASSISTANT_ANSWERER or reader; extractive is its earlier name).")
@click.option("--since", default=None, help="Only documents published on or after this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="Only documents published on or before this date (YYYY-MM-DD).")
@click.option("--source", "outlets", multiple=True, help="Only documents from this outlet (repeatable).")
@_index_option
def ask(settings: Settings, question: str, as_json: bool, k: int | None, answerer: str | None,
        since: str | None, until: str | None, outlets: tuple[str, ...]) -> None:
    """Answer QUESTION from the indexed corpus, with citations."""
    from .citations import sources_text

    answer = _assistant(settings).questions.ask(question, k=k, answerer=answerer, since=since, until=until, outlets=list(outlets))
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(answer.answer)
    if answer.confidence is not None and not answer.abstained:
        click.echo(f"({answer.band}: {answer.confidence:.0%} likely right)")
    if answer.citations:
        click.echo("\n" + sources_text(answer))


@cli.command(name="eval")
@click.argument("question_set", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path), help="Write one JSON line per case here.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a Markdown report here, with a .png plot and a .json summary beside it.")
@click.option("--answerer", type=click.Choice(["reader", "extractive", "llama", "openai"]), default=None,
              help="Who phrases answers (default: $ASSISTANT_ANSWERER or reader; extractive is its earlier name).")
@click.option("--k", type=click.IntRange(1, MAX_K), default=None, help="Passages to retrieve.")
@click.option("--compare", "previous", type=click.Path(dir_okay=False, path_type=Path),
              help="An earlier JSON summary to compare with.")
@_index_option
def evaluate(settings: Settings, question_set: Path, results: Path | None, report: Path | None,
             answerer: str, k: int | None, previous: Path | None) -> None:
    """Run a JSONL question set and score retrieval, answers, citations, abstention and latency."""
    from .evaluation import compare, load_summary, summary_table, write_results
    from .report import write_report

    before = load_summary(previous) if previous else None  # fail before the run, not after
    with _progress(f"Evaluating {question_set.name}", "q") as progress:
        run = _assistant(settings).evaluation.evaluate(question_set, k=k, progress=progress, answerer=answerer)
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
@_index_option
def calibrate(settings: Settings, question_sets: tuple[Path, ...], max_false_abstention: float) -> None:
    """Adapt the refusal threshold (on the answers' confidence) to labelled question sets; stored in the index."""
    assistant = _assistant(settings)
    with _progress("Calibrating", "q") as progress:
        fitted = assistant.evaluation.calibrate(list(question_sets), max_false_abstention, progress=progress)
    click.echo(f"refuse below confidence {fitted.threshold:.4f} (fitted on {', '.join(fitted.fitted_on)}: "
               f"{fitted.n_answerable} answerable, {fitted.n_unanswerable} unanswerable)")
    click.echo(f"at this point: abstention precision {fitted.abstention_precision or 0:.3f}, "
               f"recall {fitted.abstention_recall or 0:.3f}, false abstention {fitted.false_abstention_rate or 0:.3f}"
               + "".join(f"; {name} {rate or 0:.3f}" for name, rate in fitted.false_abstention_by_set.items()))
    click.echo(f"saved in {settings.index_dir}/store.sqlite3")


@cli.command(name="train-reader")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("../shared/data"),
              show_default=True, help="Folder with the SQuAD training files (see its README).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".reader-train"),
              show_default=True, help="Where checkpoints, the log and reader.pt go.")
@click.option("--resume", is_flag=True, help="Continue from the checkpoint in --out.")
@click.option("--max-steps", type=click.IntRange(1), default=None, help="Stop after this many steps (quick runs).")
@click.option("--max-answerable", type=click.IntRange(1), default=None,
              help="Answerable SQuAD questions to sample (default: the shipped model's setting).")
@click.option("--seed", type=int, default=None, help="Seed of the sample, the negatives and the data order.")
@click.option("--batch-size", type=click.IntRange(1), default=None, help="Windows per step (default 32).")
@click.option("--stage", type=click.Choice(["base", "squad2"]), default="base", show_default=True,
              help="base: SQuAD 1.1 from the packaged MiniLM; squad2: SQuAD 2.0's human refusals from --init.")
@click.option("--init", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Weights to start from (a reader.pt, or a shipped reader-int8.onnx); needed by --stage squad2.")
@_index_option
def train_reader(settings: Settings, data_dir: Path, out_dir: Path, resume: bool, max_steps: int | None,
                 max_answerable: int | None, seed: int | None, batch_size: int | None, stage: str,
                 init: Path | None) -> None:
    """Fine-tune the packaged MiniLM into the extractive reader (base: about 80 min on 2 cores; squad2: 35 min)."""
    from dataclasses import replace

    from .embeddings import configure_runtime
    from .reader_training import STAGES, run

    configure_runtime(settings.threads)
    config = STAGES[stage]
    if stage == "squad2" and init is None:
        raise click.UsageError("--stage squad2 starts from a trained reader: give --init")
    changes = {k: v for k, v in {"max_steps": max_steps, "max_answerable": max_answerable, "seed": seed,
                                 "batch_size": batch_size, "init": str(init) if init else None}.items()
               if v is not None}
    summary = run(data_dir, settings.model_path(), out_dir, replace(config, **changes), resume, settings.threads)
    click.echo(f"trained {summary['steps']} steps on {summary['features']} windows in {summary['train_seconds']} s; "
               f"weights: {out_dir / 'reader.pt'} (next: assistant export-reader)")


@cli.command(name="fit-confidence")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("../shared/data"),
              show_default=True, help="Folder with the SQuAD files and news/ (see its README).")
@click.option("--work", "work_dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".confidence-fit"),
              show_default=True, help="Where the fitting index and its corpus are built.")
@_index_option
def fit_confidence(settings: Settings, data_dir: Path, work_dir: Path) -> None:
    """Fit the reader's confidence model and bands on held-out SQuAD 2.0 articles and the news development set
    (training/news-dev); store it in its card."""
    from .confidence_training import fit, store
    from .embeddings import configure_runtime
    from .reader import MODEL_DIR, MODEL_FILE

    configure_runtime(settings.threads)
    model = fit(settings, data_dir, work_dir, click.echo)
    card = store(model, Path(settings.reader_model) if settings.reader_model else MODEL_DIR / MODEL_FILE)
    click.echo(json.dumps(model.fitted, indent=2))
    click.echo(f"confidence model and bands written to {card}")


@cli.command(name="export-reader")
@click.option("--weights", type=click.Path(dir_okay=False, path_type=Path), default=Path(".reader-train/reader.pt"),
              show_default=True, help="The trained weights.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("../shared/data"),
              show_default=True, help="Folder with the Normans development file for the check against torch.")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for reader-int8.onnx and reader.json (default: the package's models/).")
@click.option("--max-f1-drop", type=click.FloatRange(0, 1), default=0.01, show_default=True,
              help="Largest F1 the int8 model may lose against torch on the check.")
@_index_option
def export_reader(settings: Settings, weights: Path, data_dir: Path, dest: Path | None, max_f1_drop: float) -> None:
    """Export the trained reader to int8 ONNX, check it against torch and write its card."""
    from .embeddings import configure_runtime
    from .reader import MODEL_DIR
    from .reader_export import export

    configure_runtime(settings.threads)
    card = export(weights, settings.model_path(), dest or MODEL_DIR, data_dir, settings.threads, max_f1_drop)
    check = card["normans_gold_paragraph"]
    click.echo(f"reader-int8.onnx: {card['bytes'] / 1e6:.1f} MB; Normans gold paragraph F1 torch {check['torch']['f1']:.3f}, "
               f"int8 {check['int8']['f1']:.3f}; no-answer AUC {check['int8']['confidence_auc']:.3f}")


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


if __name__ == "__main__":
    main()
