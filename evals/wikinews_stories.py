"""Write the fixed Wikinews "running stories" corpus used by the hand-written story question set.

Ten running stories, each told in 3-5 English Wikinews articles published on different dates (42 articles
of 120-1,200 words, 2005-2019), chosen by hand from the shared file
(``../shared/data/news/wikinews-en.jsonl.gz``): candidates came from headline overlap between articles a few
weeks apart and were read to confirm that they follow one event. No article is in the evaluation sample
(``evals/corpora/wikinews/``) or the development sample (``training/news-dev/corpus/``).

Each article is written to ``evals/corpora/wikinews-stories/<id>.md`` in the layout of
``evals/wikinews_sample.py`` (whose writer this script reuses): YAML front matter (title, published, outlet,
url) followed by the article text exactly as it is in the file. The stories are listed in
``evals/wikinews_stories.json``. Running it again gives byte-identical files.
The question set (``evals/stories.jsonl``) is written by hand against these files and is not
regenerated; changing the selection would orphan it.

The texts are (c) Wikinews contributors, CC BY 2.5; see ``evals/README.md`` for the attribution that must
travel with them.

Usage: python evals/wikinews_stories.py [--news PATH] [--out DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))
from wikinews_sample import choose, run  # noqa: E402  (the same file layout as the eval sample)

DEFAULT_OUT = REPO / "evals" / "corpora" / "wikinews-stories"

STORIES = Path(__file__).with_suffix(".json")  # story name -> what it is about and its article ids, oldest first


def story_ids(stories: Path = STORIES) -> list[str]:
    """Every chosen id, story by story, from a stories table (a data file, so the two story corpora share code)."""
    return [i for story in json.loads(stories.read_text(encoding="utf-8")).values() for i in story["ids"]]


if __name__ == "__main__":
    run(lambda articles: choose(articles, story_ids()), DEFAULT_OUT, __doc__)
