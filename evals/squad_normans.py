"""Turn the SQuAD 2.0 "Normans" dev article into a corpus and an eval set.

The seed article alone is too small to measure retrieval, so we add an
external, human-written question set: each SQuAD paragraph becomes one corpus
document (``squad-normans-NN.txt``) and each question one eval case in the same
JSONL schema as ``evals/seed.jsonl``. Unanswerable SQuAD questions
(``is_impossible``) become cases the assistant should abstain on.

Usage: python evals/squad_normans.py [--squad PATH] [--corpus-out DIR] [--set-out FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SQUAD = REPO.parent / "shared" / "data" / "squad-v2.0-dev-normans.json"
DEFAULT_CORPUS = REPO / "evals" / "corpora" / "normans"
DEFAULT_SET = REPO / "evals" / "normans.jsonl"


def dedupe(texts: list[str]) -> list[str]:
    """Drop repeated answer texts, keeping first-seen order."""
    return list(dict.fromkeys(texts))


def convert(squad: dict) -> tuple[dict[str, str], list[dict]]:
    """Return ({file name: document text}, [eval cases]) for a SQuAD JSON dict."""
    docs: dict[str, str] = {}
    cases: list[dict] = []
    index = 0
    for article in squad["data"]:
        title = article["title"].replace("_", " ")
        for paragraph in article["paragraphs"]:
            name = f"squad-normans-{index:02d}.txt"
            index += 1
            docs[name] = f"{title}\n\n{paragraph['context']}"
            for qa in paragraph["qas"]:
                impossible = bool(qa.get("is_impossible", False))
                case = {
                    "id": qa["id"],
                    "question": qa["question"],
                    "answers": [] if impossible else dedupe([a["text"] for a in qa["answers"]]),
                    "sources": [] if impossible else [name],
                    "answerable": not impossible,
                    "kind": "squad",
                }
                if impossible and qa.get("plausible_answers"):
                    case["plausible_answers"] = dedupe([a["text"] for a in qa["plausible_answers"]])
                cases.append(case)
    return docs, cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=DEFAULT_SQUAD, help="SQuAD 2.0 JSON file")
    parser.add_argument("--corpus-out", type=Path, default=DEFAULT_CORPUS, help="directory for documents")
    parser.add_argument("--set-out", type=Path, default=DEFAULT_SET, help="JSONL question set to write")
    args = parser.parse_args()

    docs, cases = convert(json.loads(args.squad.read_text(encoding="utf-8")))
    args.corpus_out.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (args.corpus_out / name).write_text(text, encoding="utf-8")
    args.set_out.parent.mkdir(parents=True, exist_ok=True)
    with args.set_out.open("w", encoding="utf-8") as out:
        for case in cases:
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
    n_unanswerable = sum(not c["answerable"] for c in cases)
    print(f"{len(docs)} paragraphs, {len(cases)} questions, {n_unanswerable} unanswerable "
          f"-> {args.corpus_out}, {args.set_out}")


if __name__ == "__main__":
    main()
