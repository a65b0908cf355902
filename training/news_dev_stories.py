"""Write the fixed Wikinews "running stories" articles used by the hand-written "what's the latest" development set.

Twelve running stories, each told in 3-5 English Wikinews articles published on different dates (52 articles
of 120-1,200 words, 2005-2019), chosen by hand from the shared file
(``../shared/data/news/wikinews-en.jsonl.gz``): candidates came from headline and name overlap between articles a
few days to months apart and were read to confirm that they follow one event. No article is in the evaluation
sample (``evals/corpora/wikinews/``), the evaluation stories (``evals/corpora/wikinews-stories/``) or the
development sample (``training/news-dev/corpus/``), and none of the evaluation stories is reused.

Each article is written to ``training/news-dev/stories/<id>.md`` in the layout of ``evals/wikinews_sample.py``
(whose reader and writer this script reuses): YAML front matter (title, published, outlet, url) followed by the
article text exactly as it is in the file. The stories are listed in
``training/news_dev_stories.json``. Running it again gives byte-identical files. The questions
(``training/news-dev/latest.jsonl``) are a development set for tuning, never an evaluation set; they were written
by hand against these files and are not regenerated, so changing the selection would orphan them.

The texts are (c) Wikinews contributors, CC BY 2.5; see ``training/news-dev/README.md`` for the attribution that
must travel with them.

Usage: python training/news_dev_stories.py [--news PATH] [--out DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))
from wikinews_sample import choose, run  # noqa: E402  (the same file layout as the eval sample)
from wikinews_stories import story_ids  # noqa: E402

DEFAULT_OUT = REPO / "training" / "news-dev" / "stories"

STORIES = Path(__file__).with_suffix(".json")  # story name -> what it is about and its article ids, oldest first


if __name__ == "__main__":
    run(lambda articles: choose(articles, story_ids(STORIES)), DEFAULT_OUT, __doc__)
