"""Write the fixed Wikinews DEVELOPMENT sample used to fit the confidence/refusal model.

Picks 50 articles of 150-900 words from the shared English Wikinews file
(``../shared/data/news/wikinews-en.jsonl.gz``) and writes each one to
``training/news-dev/corpus/<id>.md`` as YAML front matter (title, published,
outlet, url) followed by the article text exactly as it is in the file, the
same layout as ``evals/corpora/wikinews/``.

Why: the confidence/refusal model needs real news articles with hand-written
answerable and unanswerable questions to be fitted on. Fitting it on the
evaluation articles would leak the evaluation, so this sample must be
disjoint from the evaluation sample, in articles and in stories:

* every article whose id is a file stem in ``evals/corpora/wikinews/`` is
  excluded;
* the evaluation headlines are put in the "already seen" list before drawing,
  so no chosen headline shares two or more content words with an evaluation
  headline (or with another chosen headline), which keeps one running story
  out of both samples;
* ``SKIP_IDS`` lists articles dropped by hand after reading the titles
  because they cover the same story as an evaluation article in other words.

The choice is deterministic: the eligible articles (in file order) are
shuffled with ``random.Random(5)`` and taken in that order, subject to a
quota per period (``QUOTAS``), so the sample spreads over the years instead of
following the file's 2005-2008 skew, and at most half of a period's quota
(rounded up) per Wikinews category in periods with more than one category
(the same rules as ``evals/wikinews_sample.py``, with another seed).

Running it again gives the same files. The question set
(``training/news-dev/questions.jsonl``) is written by hand against these
files and is not regenerated; changing the selection would orphan it.

The texts are (c) Wikinews contributors, CC BY 2.5; see
``training/news-dev/README.md`` for the attribution that must travel with them.

Usage: python3 training/news_dev_sample.py [--news PATH] [--out DIR] [--evals DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals"))
from wikinews_sample import read_news, select, write_sample  # noqa: E402  (the eval sample's draw, with this set's seed and quotas)

DEFAULT_NEWS = REPO.parent / "shared" / "data" / "news" / "wikinews-en.jsonl.gz"
DEFAULT_OUT = REPO / "training" / "news-dev" / "corpus"
DEFAULT_EVALS = REPO / "evals" / "corpora" / "wikinews"

SEED = 5
# (first year, last year, articles); 50 in all.
QUOTAS = [
    (2004, 2005, 8),
    (2006, 2006, 7),
    (2007, 2007, 7),
    (2008, 2008, 6),
    (2009, 2010, 6),
    (2011, 2018, 5),
    (2019, 2019, 6),
    (2020, 2021, 5),
]
# Same story as an evaluation article, found by reading the titles (see docstring).
# Skipped in the drawing loop (after the shuffle), so the rest of the draw is unchanged.
SKIP_IDS = {
    "wikinews-en-49159",  # "Al-Qaeda releases new videotape": like the eval's bin Laden audiotape story
}
def eval_titles(evals_dir: Path) -> tuple[set[str], list[str]]:
    """Ids (file stems) and headlines of the evaluation sample."""
    ids, titles = set(), []
    for path in sorted(evals_dir.glob("*.md")):
        ids.add(path.stem)
        for line in path.read_text(encoding="utf-8").splitlines()[1:6]:
            if line.startswith("title: "):
                titles.append(json.loads(line[len("title: "):]))
    return ids, titles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news", type=Path, default=DEFAULT_NEWS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--evals", type=Path, default=DEFAULT_EVALS)
    args = parser.parse_args()
    exclude_ids, exclude_titles = eval_titles(args.evals)
    if not exclude_ids:
        raise SystemExit(f"no evaluation articles found in {args.evals}; refusing to sample blind")
    chosen = select(read_news(args.news), SEED, QUOTAS, frozenset(exclude_ids), tuple(exclude_titles),
                    frozenset(SKIP_IDS))
    assert not {a["id"] for a in chosen} & exclude_ids
    write_sample(chosen, args.out)


if __name__ == "__main__":
    main()
