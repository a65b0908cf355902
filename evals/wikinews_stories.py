"""Write the fixed Wikinews "running stories" corpus used by the hand-written story question set.

Ten running stories, each told in 3-5 English Wikinews articles published on different dates (42 articles
of 120-1,200 words, 2005-2019), chosen by hand from the shared file
(``../shared/data/news/wikinews-en.jsonl.gz``): candidates came from headline overlap between articles a few
weeks apart and were read to confirm that they follow one event. No article is in the evaluation sample
(``evals/corpora/wikinews/``) or the development sample (``training/news-dev/corpus/``).

Each article is written to ``evals/corpora/wikinews-stories/<id>.md`` in the layout of
``evals/wikinews_sample.py`` (whose writer this script reuses): YAML front matter (title, published, outlet,
url) followed by the article text exactly as it is in the file. Running it again gives byte-identical files.
The question set (``evals/drafts/stories-multi.jsonl``) is written by hand against these files and is not
regenerated; changing the selection would orphan it.

The texts are (c) Wikinews contributors, CC BY 2.5; see ``evals/README.md`` for the attribution that must
travel with them.

Usage: python evals/wikinews_stories.py [--news PATH] [--out DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))
from wikinews_sample import choose, run  # noqa: E402  (the same file layout as the eval sample)

DEFAULT_OUT = REPO / "evals" / "corpora" / "wikinews-stories"

# Story name -> article ids, oldest first.
STORIES: dict[str, tuple[str, ...]] = {
    # 2005-03/04: Syria pulls its troops out of Lebanon under UN Resolution 1559.
    "syria-lebanon-withdrawal": ("wikinews-en-5406", "wikinews-en-5495", "wikinews-en-8923", "wikinews-en-8939"),
    # 2005-11 to 2006-02: Canada's Liberal minority falls, the January 2006 election, Harper sworn in.
    "canada-election-2006": ("wikinews-en-26891", "wikinews-en-28555", "wikinews-en-31721", "wikinews-en-32777"),
    # 2005-12 to 2006-02: Israeli PM Ariel Sharon's strokes and hospital treatment.
    "sharon-health": ("wikinews-en-28378", "wikinews-en-29874", "wikinews-en-32472", "wikinews-en-33245"),
    # 2006-02 to 2006-11: the Elmwood Village Hotel proposal in Buffalo, New York, and the fight against it.
    "buffalo-elmwood-hotel": ("wikinews-en-33672", "wikinews-en-37027", "wikinews-en-45185", "wikinews-en-54864",
                              "wikinews-en-55212"),
    # 2006-05 to 2006-12: Saddam Hussein's trial for the Dujail killings, the death sentence and the appeal.
    "saddam-dujail-trial": ("wikinews-en-40713", "wikinews-en-46145", "wikinews-en-54025", "wikinews-en-57184"),
    # 2007-04 to 2007-07: the kidnapping of BBC Gaza correspondent Alan Johnston.
    "alan-johnston-kidnapping": ("wikinews-en-65350", "wikinews-en-70822", "wikinews-en-71961", "wikinews-en-72540",
                                 "wikinews-en-73460"),
    # 2007-11/12: British teacher Gillian Gibbons jailed in Sudan over a teddy bear named Muhammad.
    "sudan-teddy-bear-teacher": ("wikinews-en-86115", "wikinews-en-86534", "wikinews-en-86613"),
    # 2008-05/06: Zimbabwe's presidential run-off, Tsvangirai against Mugabe, and the MDC's withdrawal.
    "zimbabwe-runoff-2008": ("wikinews-en-105844", "wikinews-en-107462", "wikinews-en-108409", "wikinews-en-108473",
                             "wikinews-en-108530"),
    # 2010-05 to 2010-07: BP's Deepwater Horizon oil spill in the Gulf of Mexico.
    "deepwater-horizon-spill": ("wikinews-en-179613", "wikinews-en-183714", "wikinews-en-186576", "wikinews-en-197126",
                                "wikinews-en-197659"),
    # 2019-07/08: Puerto Rico governor Rossello resigns; Pierluisi, then Vazquez, succeeds him.
    "puerto-rico-governor-2019": ("wikinews-en-0a99d465be", "wikinews-en-e865a6ee73", "wikinews-en-131a010276"),
}


def story_ids(stories: dict[str, tuple[str, ...]] = STORIES) -> list[str]:
    """Every chosen id, story by story."""
    return [i for ids in stories.values() for i in ids]


if __name__ == "__main__":
    run(lambda articles: choose(articles, story_ids()), DEFAULT_OUT, __doc__)
