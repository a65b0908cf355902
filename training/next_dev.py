"""Walk the development running stories with "What happened next?": does each step move on in time, in its story?

    .venv/bin/python training/next_dev.py --index INDEX [--steps 3] [--show]

Each development summary question (`training/news-dev/story_summary.jsonl`, never an evaluation set) is asked,
then "What happened next?" `--steps` times in the same conversation (what each answer quoted is passed on, as the
app does). Printed: the share of steps whose answer cites an article newer than any quoted before (*moved on*),
whose every cited article is one of the story's (`latest.jsonl` lists each development story's articles: a lower
bound, since a corpus may hold other articles of the story), and that said nothing more. The index holds the
development stories (`training/news-dev/stories/`), with or without thousands of other Wikinews articles.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402

DEV = ROOT / "training" / "news-dev"


def newest(answer) -> str:
    """The publication date of the newest article an answer cites ("" for none)."""
    dated = {p.source: p.meta.published or "" for p in answer.passages}
    return max((dated.get(c.source, "") for c in answer.citations), default="")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", required=True)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print each step that leaves its story")
    args = parser.parse_args()
    assistant = Assistant(Settings(index_dir=args.index))
    stories = [{s.split("/")[-1] for s in json.loads(line)["sources"]} for line in (DEV / "latest.jsonl").open()]
    moved = inside = ended = steps = 0
    for line in (DEV / "story_summary.jsonl").open():
        case = json.loads(line)
        story = {s.split("/")[-1] for s in case["sources"]}
        story = story.union(*[s for s in stories if s & story])
        answer = assistant.ask(case["question"])
        history, said, seen = [case["question"]], list(answer.quotes), newest(answer)
        for _ in range(args.steps):
            after = assistant.questions.ask("What happened next?", history=history, said=said)
            steps += 1
            cited = {c.source.split("/")[-1] for c in after.citations}
            moved += bool(cited) and newest(after) > seen
            inside += bool(cited) and cited <= story
            ended += not cited
            if args.show and cited and not cited <= story:
                print(f"left its story: {case['question'][:60]} -> {sorted(cited)}")
            history.append("What happened next?")
            said += after.quotes
            seen = max(seen, newest(after))
    print(f"steps {steps}: moved on {moved / steps:.3f}, within the story {inside / steps:.3f}, "
          f"nothing more {ended / steps:.3f}")


if __name__ == "__main__":
    main()
