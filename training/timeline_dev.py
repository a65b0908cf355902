"""Measure timelines on the development running stories: how much of each story they tell, and how much else.

    .venv/bin/python training/timeline_dev.py --index INDEX [--show]

For each development "latest" question (`training/news-dev/latest.jsonl`, never an evaluation set, which lists
every article of its story) the question's timeline is built. Printed: events per timeline, the share of events
from the story's articles (*precision*: a lower bound, since a corpus may hold other articles of the story) and
the share of the story's articles told (*story recall*).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", required=True)
    parser.add_argument("--show", action="store_true", help="print each timeline's counts")
    args = parser.parse_args()
    assistant = Assistant(Settings(index_dir=args.index))
    rows = [json.loads(line) for line in (ROOT / "training" / "news-dev" / "latest.jsonl").open()]
    precision = recall = events = 0.0
    for row in rows:
        story = {s.split("/")[-1] for s in row["sources"]}
        told = [e.citation.source.split("/")[-1] for e in assistant.questions.timeline(row["question"])]
        inside = [s for s in told if s in story]
        precision += len(inside) / len(told) if told else 0.0
        recall += len(set(inside)) / len(story)
        events += len(told)
        if args.show:
            print(f"{row['question'][:60]:<62} events {len(told):>2}, of the story {len(inside)} of {len(story)}")
    n = len(rows)
    print(f"timelines {n}: events {events / n:.2f}, precision {precision / n:.3f}, story recall {recall / n:.3f}")


if __name__ == "__main__":
    main()
