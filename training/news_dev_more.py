"""Write the Wikinews articles the hand-written development questions of `training/news-dev/story_more.jsonl` ask about.

A helper session (session 13) drew them from the shared file (``../shared/data/news/wikinews-en.jsonl.gz``): the
articles of 200-900 words that are in neither the evaluation corpora (``evals/corpora/``) nor the other development
folders (``training/news-dev/corpus/``, ``training/news-dev/stories/``), shuffled with ``random.Random(1313)`` and
read in that order, skipping lists, results and briefs. The 44 it wrote questions on are the sources of the set; this
script writes them to ``training/news-dev/more/<id>.md`` in the layout of ``evals/wikinews_sample.py`` (whose reader
and writer it reuses), so the set can be checked and run on an index of its own. Running it again gives
byte-identical files.

The texts are (c) Wikinews contributors, CC BY 2.5; see ``training/news-dev/README.md`` for the attribution that
must travel with them.

Usage: python training/news_dev_more.py [--news PATH] [--out DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))
from wikinews_sample import choose, run  # noqa: E402  (the same file layout as the eval sample)

DEFAULT_OUT = REPO / "training" / "news-dev" / "more"
QUESTIONS = REPO / "training" / "news-dev" / "story_more.jsonl"


def sources() -> list[str]:
    """The set's articles by id, in the order the questions name them."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    return list(dict.fromkeys(s.removesuffix(".md") for r in rows for s in r["sources"]))


if __name__ == "__main__":
    run(lambda articles: choose(articles, sources()), DEFAULT_OUT, __doc__)
