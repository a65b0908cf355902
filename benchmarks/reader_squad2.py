"""The reader and its decision alone, on the held-out test articles of the 24 SQuAD 2.0 development articles.

Gold paragraph, official SQuAD 2.0 metric (an empty prediction for a refusal), the decision as shipped (step 1 of
the confidence model at the card's `reader_threshold`), printed beside the raw reader score at its best single
threshold and the published systems' figures. Also prints the served-path band accuracy the card was fitted with.

    .venv/bin/python benchmarks/reader_squad2.py [--data ../shared/data] [--model assistant/models/reader-int8.onnx]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.reader import MODEL_DIR, MODEL_FILE, Reader  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.training.confidence import auc, best_threshold, gold_reads, squad2_scores  # noqa: E402
from assistant.training.reader_data import dev24_split  # noqa: E402

# SQuAD 2.0 development articles outside this repo, the systems' own predictions (issue 21): F1, HasAns F1, NoAns acc.
PUBLISHED = [("BiDAF + self-attention + ELMo (2018)", 67.9, 64.9, 71.2), ("nlnet (MSRA, single)", 79.3, 76.1, 82.7),
             ("BERT-large (single)", 82.8, 80.1, 85.7)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--model", type=Path, default=MODEL_DIR / MODEL_FILE)
    parser.add_argument("--split", default="test", choices=["test", "calibration"])
    args = parser.parse_args()
    settings = Settings()
    reader = Reader(args.model, settings.reading.tokenizer, settings.threads)
    model = reader.confidence_model
    articles = dev24_split(args.data)[args.split]
    reads = gold_reads(reader, articles)
    answerable = [bool(r.golds) for r in reads]
    shipped = [model.answerability.probability(r.signals) for r in reads]
    raw = [r.signals[0] for r in reads]
    rows = [("this reader, decision as shipped", squad2_scores(reads, shipped, model.reader_threshold)),
            ("this reader, raw score at its best threshold (fitted here)", squad2_scores(reads, raw, best_threshold(reads, raw)))]
    print(f"{len(reads)} questions ({sum(answerable)} answerable) of {', '.join(a['title'] for a in articles)}")
    print(f"answerability AUC: shipped decision {auc(shipped, answerable)}, raw reader score {auc(raw, answerable)}")
    print("\n| system | F1 | HasAns F1 | NoAns accuracy | EM |\n|---|---|---|---|---|")
    for name, s in rows:
        print(f"| {name} | {s['f1']} | {s['has_ans_f1']} | {s['no_ans_accuracy']} | {s['em']} |")
    for name, f1, has, no in PUBLISHED:
        print(f"| {name} (published; other articles) | {f1} | {has} | {no} | |")
    if model.fitted:
        print("\nserved path, as fitted (calibration / test articles):")
        print(json.dumps({k: model.fitted.get(k) for k in ("served_calibration", "served_test")}, indent=2))


if __name__ == "__main__":
    main()
