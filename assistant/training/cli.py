"""`assistant train-reader`, `export-reader` and `fit-confidence`: building the shipped models, apart from the
commands that use them (`cli`). Never run in CI, apart from a few real steps in the tests."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..cli_options import index_option
from ..settings import Settings


@click.command(name="train-reader")
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
@index_option
def train_reader(settings: Settings, data_dir: Path, out_dir: Path, resume: bool, max_steps: int | None,
                 max_answerable: int | None, seed: int | None, batch_size: int | None, stage: str,
                 init: Path | None) -> None:
    """Fine-tune the packaged MiniLM into the extractive reader (base: about 80 min on 2 cores; squad2: 35 min)."""
    from dataclasses import replace

    from ..embeddings import configure_runtime
    from .reader import STAGES, run

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


@click.command(name="fit-confidence")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("../shared/data"),
              show_default=True, help="Folder with the SQuAD files and news/ (see its README).")
@click.option("--work", "work_dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".confidence-fit"),
              show_default=True, help="Where the fitting index and its corpus are built.")
@index_option
def fit_confidence(settings: Settings, data_dir: Path, work_dir: Path) -> None:
    """Fit the reader's confidence model and bands on held-out SQuAD 2.0 articles and the news development set
    (training/news-dev); store it in its card."""
    from ..embeddings import configure_runtime
    from ..reader import MODEL_DIR, MODEL_FILE
    from .confidence import fit, store

    configure_runtime(settings.threads)
    model = fit(settings, data_dir, work_dir, click.echo)
    card = store(model, Path(settings.reader_model) if settings.reader_model else MODEL_DIR / MODEL_FILE)
    click.echo(json.dumps(model.fitted, indent=2))
    click.echo(f"confidence model and bands written to {card}")


@click.command(name="export-reader")
@click.option("--weights", type=click.Path(dir_okay=False, path_type=Path), default=Path(".reader-train/reader.pt"),
              show_default=True, help="The trained weights.")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("../shared/data"),
              show_default=True, help="Folder with the Normans development file for the check against torch.")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for reader-int8.onnx and reader.json (default: the package's models/).")
@click.option("--max-f1-drop", type=click.FloatRange(0, 1), default=0.01, show_default=True,
              help="Largest F1 the int8 model may lose against torch on the check.")
@index_option
def export_reader(settings: Settings, weights: Path, data_dir: Path, dest: Path | None, max_f1_drop: float) -> None:
    """Export the trained reader to int8 ONNX, check it against torch and write its card."""
    from ..embeddings import configure_runtime
    from ..reader import MODEL_DIR
    from .export import export

    configure_runtime(settings.threads)
    card = export(weights, settings.model_path(), dest or MODEL_DIR, data_dir, settings.threads, max_f1_drop)
    check = card["normans_gold_paragraph"]
    click.echo(f"reader-int8.onnx: {card['bytes'] / 1e6:.1f} MB; Normans gold paragraph F1 torch {check['torch']['f1']:.3f}, "
               f"int8 {check['int8']['f1']:.3f}; no-answer AUC {check['int8']['confidence_auc']:.3f}")


COMMANDS = (train_reader, export_reader, fit_confidence)
