"""Measure story answers (why / how / summaries) on the news development set's story questions.

    .venv/bin/python training/story_dev.py [--index .confidence-fit/index] [--sentences N] [--words N] [--relative X]

The questions (`training/news-dev/story.jsonl`, hand-written, never an evaluation set) name gold sentences. The
index is the confidence fitting index (`assistant fit-confidence` builds it: the news development articles
under `news-dev/`, other Wikinews articles and SQuAD paragraphs as distractors). Printed per kind: answered,
refused, the lead sentence is a gold one, gold sentences covered, cited sentences that are gold (both among the
answers), gold sentences covered over all questions (a refusal covers none).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.text import terms  # noqa: E402


def same(a: str, b: str, overlap: float = 0.6) -> bool:
    x, y = set(terms(a)), set(terms(b))
    return bool(x and y) and len(x & y) / min(len(x), len(y)) >= overlap


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=str(ROOT / ".confidence-fit" / "index"))
    parser.add_argument("--sentences", type=int, help="most sentences per answer (default: the setting's)")
    parser.add_argument("--words", type=int, help="most words per answer (default: the setting's)")
    parser.add_argument("--relative", type=float, help="evidence share a further sentence needs (default: the setting's)")
    args = parser.parse_args()
    chosen = {"story_sentences": args.sentences, "story_words": args.words, "story_relative": args.relative}
    settings = Settings(index_dir=args.index, **{k: v for k, v in chosen.items() if v is not None})
    assistant = Assistant(settings)
    cases = [json.loads(line) for line in (ROOT / "training" / "news-dev" / "story.jsonl").open()]
    rows: dict[str, list[dict]] = defaultdict(list)
    for case in cases:
        answer = assistant.ask(case["question"])
        cited = [c.text for c in answer.citations]
        gold = case["answers"]
        rows[case["kind"]].append({
            "answered": not answer.abstained, "story": answer.form == "story",
            "right_doc": bool(answer.citations) and answer.citations[0].source == "news-dev/" + case["sources"][0],
            "lead": bool(cited) and any(same(cited[0], g) for g in gold),
            "recall": sum(any(same(c, g) for c in cited) for g in gold) / len(gold) if gold else None,
            "recall_all": (sum(any(same(c, g) for c in cited) for g in gold) / len(gold) if cited else 0.0) if gold else None,
            "precision": sum(any(same(c, g) for g in gold) for c in cited) / len(cited) if cited and gold else None,
            "sentences": len(cited), "ms": answer.timings.get("total_ms", 0.0)})
    print(f"sentences={settings.story_sentences} words={settings.story_words} relative={settings.story_relative}")
    print(f"{'kind':<18}{'n':>4}{'answered':>10}{'story':>7}{'doc':>6}{'lead':>6}{'recall':>8}{'precision':>10}"
          f"{'sent/ans':>9}{'p50 ms':>8}{'recall/all':>11}")
    for kind, rs in rows.items():
        answered = [r for r in rs if r["answered"]]

        def mean(key, among=answered):
            vals = [r[key] for r in among if r[key] is not None]
            return sum(vals) / len(vals) if vals else float("nan")

        ms = sorted(r["ms"] for r in rs)[len(rs) // 2]
        print(f"{kind:<18}{len(rs):>4}{len(answered) / len(rs):>10.2f}{mean('story', rs):>7.2f}{mean('right_doc'):>6.2f}"
              f"{mean('lead'):>6.2f}{mean('recall'):>8.2f}{mean('precision'):>10.2f}{mean('sentences'):>9.2f}{ms:>8.0f}"
              f"{mean('recall_all', rs):>11.2f}")


if __name__ == "__main__":
    main()
