"""Write the fixed Wikinews "running stories" articles used by the hand-written "what's the latest" development set.

Twelve running stories, each told in 3-5 English Wikinews articles published on different dates (52 articles
of 120-1,200 words, 2005-2019), chosen by hand from the shared file
(``../shared/data/news/wikinews-en.jsonl.gz``): candidates came from headline and name overlap between articles a
few days to months apart and were read to confirm that they follow one event. No article is in the evaluation
sample (``evals/corpora/wikinews/``), the evaluation stories (``evals/corpora/wikinews-stories/``) or the
development sample (``training/news-dev/corpus/``), and none of the evaluation stories is reused.

Each article is written to ``training/news-dev/stories/<id>.md`` in the layout of ``evals/wikinews_sample.py``
(whose reader and writer this script reuses): YAML front matter (title, published, outlet, url) followed by the
article text exactly as it is in the file. Running it again gives byte-identical files. The questions
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

DEFAULT_OUT = REPO / "training" / "news-dev" / "stories"

# Story name -> article ids, oldest first.
STORIES: dict[str, tuple[str, ...]] = {
    # 2005-02 to 2006-06: Italian journalist Giuliana Sgrena kidnapped in Iraq, freed, the checkpoint shooting.
    "sgrena-kidnapping": ("wikinews-en-4877", "wikinews-en-5356", "wikinews-en-5441", "wikinews-en-5645",
                          "wikinews-en-43433"),
    # 2005-03: Kyrgyzstan's Tulip Revolution; Akayev flees, Bakiyev takes over, the rival parliaments.
    "kyrgyz-revolution-2005": ("wikinews-en-6028", "wikinews-en-6384", "wikinews-en-6530", "wikinews-en-6696",
                               "wikinews-en-6891"),
    # 2005-04/05: three Romanian journalists held hostage in Iraq until their release.
    "romanian-journalists-iraq": ("wikinews-en-8875", "wikinews-en-9106", "wikinews-en-10446", "wikinews-en-10511"),
    # 2005-07 to 2005-11: Schroeder's confidence vote, the German election and the grand coalition talks.
    "germany-election-2005": ("wikinews-en-13321", "wikinews-en-20757", "wikinews-en-23847", "wikinews-en-25900"),
    # 2005-11: the riots in the French suburbs and the state of emergency.
    "france-riots-2005": ("wikinews-en-25411", "wikinews-en-25573", "wikinews-en-25683", "wikinews-en-25993",
                          "wikinews-en-26052"),
    # 2005-11/12: Haiti's postponed presidential election and the Simeus candidacy.
    "haiti-election-2005": ("wikinews-en-27978", "wikinews-en-27981", "wikinews-en-27945", "wikinews-en-28574",
                            "wikinews-en-28867"),
    # 2005-11 to 2007-07: Scooter Libby's perjury case: plea, conviction, sentence, commutation.
    "libby-plame-case": ("wikinews-en-25437", "wikinews-en-61932", "wikinews-en-70889", "wikinews-en-73364"),
    # 2006-07 to 2006-09: Mexico's disputed presidential election, Calderon against Lopez Obrador.
    "mexico-election-2006": ("wikinews-en-44393", "wikinews-en-46362", "wikinews-en-46733", "wikinews-en-48677",
                             "wikinews-en-49397"),
    # 2007-09 to 2008-02: the run on Northern Rock, the Bank of England loan, the nationalisation bill.
    "northern-rock": ("wikinews-en-79797", "wikinews-en-79773", "wikinews-en-99918"),
    # 2007-11 to 2008-08: Musharraf's emergency rule, his army post, the impeachment drive, his resignation.
    "musharraf-2007-2008": ("wikinews-en-84383", "wikinews-en-86143", "wikinews-en-111056", "wikinews-en-111657"),
    # 2008-01/02: Kenya's disputed election, the violence, Annan's mediation and the power-sharing deal.
    "kenya-election-crisis-2008": ("wikinews-en-88593", "wikinews-en-91813", "wikinews-en-97814",
                                   "wikinews-en-100783"),
    # 2019-08/09: Boris Johnson's prorogation of the UK Parliament and the court challenges.
    "uk-prorogation-2019": ("wikinews-en-66df845d63", "wikinews-en-64c459db56", "wikinews-en-7484c413c2",
                            "wikinews-en-0e56b5afa7"),
}


def story_ids(stories: dict[str, tuple[str, ...]] = STORIES) -> list[str]:
    """Every chosen id, story by story."""
    return [i for ids in stories.values() for i in ids]


if __name__ == "__main__":
    run(lambda articles: choose(articles, story_ids()), DEFAULT_OUT, __doc__)
