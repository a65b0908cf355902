"""Write the fixed Wikinews sample used by the hand-written Wikinews question sets.

Picks 40 articles of 150-900 words from the shared English Wikinews file
(``../shared/data/news/wikinews-en.jsonl.gz``) and writes each one to
``evals/corpora/wikinews/<id>.md`` as YAML front matter (title, published,
outlet, url) followed by the article text exactly as it is in the file.

The choice is deterministic: the eligible articles (in file order) are
shuffled with ``random.Random(21)`` and taken in that order, subject to

* a quota per period, so the sample spreads over the years instead of
  following the file's 2005-2008 skew (``QUOTAS``);
* at most half of a period's quota (rounded up) per topic, where the topic
  is the article's Wikinews category ("Politics and conflicts" or
  "Economy and business"; the 2019-2020 articles have none), in periods
  whose eligible articles have more than one topic (2011-2018 is all
  economy);
* no two articles whose headlines share two or more content words, so one
  running story does not fill the sample.

Running it again gives the same files. The question sets
(``wikinews-story.jsonl``, ``wikinews-offcorpus.jsonl``) are written by hand
against these files and are not regenerated; changing the selection here
would orphan them.

The texts are (c) Wikinews contributors, CC BY 2.5; see ``evals/README.md``
for the attribution that must travel with them.

Usage: python evals/wikinews_sample.py [--news PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_NEWS = REPO.parent / "shared" / "data" / "news" / "wikinews-en.jsonl.gz"
DEFAULT_OUT = REPO / "evals" / "corpora" / "wikinews"

SEED = 21
MIN_WORDS, MAX_WORDS = 150, 900
# (first year, last year, articles); 40 in all.
QUOTAS = [
    (2004, 2005, 7),
    (2006, 2006, 6),
    (2007, 2007, 6),
    (2008, 2008, 5),
    (2009, 2010, 5),
    (2011, 2018, 3),
    (2019, 2019, 4),
    (2020, 2021, 4),
]
STOP = set("""a an the of in on at to for from by with and or but as is are was were be been has have had
not no new over after into out up down its it his her their than says say said will would could may more
about against amid two three first last""".split())


def period(year: int, quotas: list[tuple[int, int, int]] = QUOTAS) -> int | None:
    """Index into `quotas` of the period holding `year`, or None."""
    for index, (first, last, _) in enumerate(quotas):
        if first <= year <= last:
            return index
    return None


def topic(article: dict) -> str:
    cats = article.get("categories") or []
    if "Politics and conflicts" in cats:
        return "politics"
    if "Economy and business" in cats:
        return "economy"
    return "none"


def headline_words(title: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", title.lower()) if len(w) > 2 and w not in STOP}


def select(articles: list[dict], seed: int = SEED, quotas: list[tuple[int, int, int]] = QUOTAS,
           exclude_ids: frozenset[str] = frozenset(), exclude_titles: tuple[str, ...] = (),
           skip_ids: frozenset[str] = frozenset()) -> list[dict]:
    """The sample, in the shuffled order it was drawn (see the module docstring). The other samples
    (`training/news_dev_sample.py`) draw with their own seed and quotas and leave out this sample's articles
    (`exclude_ids`, and `exclude_titles` as headlines already taken); `skip_ids` are passed over after the
    shuffle, so the rest of the draw is unchanged."""
    eligible = [a for a in articles if MIN_WORDS <= len(a["text"].split()) <= MAX_WORDS and a["id"] not in exclude_ids]
    random.Random(seed).shuffle(eligible)
    taken: list[dict] = []
    per_period = [0] * len(quotas)
    per_topic: dict[tuple[int, str], int] = {}
    topics: dict[int | None, set[str]] = {}
    for article in eligible:
        topics.setdefault(period(int(article["date"][:4]), quotas), set()).add(topic(article))
    seen_words: list[set[str]] = [headline_words(t) for t in exclude_titles]
    for article in eligible:
        if article["id"] in skip_ids:
            continue
        index = period(int(article["date"][:4]), quotas)
        if index is None or per_period[index] >= quotas[index][2]:
            continue
        quota = quotas[index][2]
        key = (index, topic(article))
        if len(topics[index]) > 1 and per_topic.get(key, 0) >= (quota + 1) // 2:
            continue
        words = headline_words(article["title"])
        if any(len(words & other) >= 2 for other in seen_words):
            continue
        taken.append(article)
        per_period[index] += 1
        per_topic[key] = per_topic.get(key, 0) + 1
        seen_words.append(words)
    return taken


def render(article: dict) -> str:
    """Front matter plus the unchanged text; the title is JSON-quoted, which is valid YAML."""
    return (
        "---\n"
        f"title: {json.dumps(article['title'], ensure_ascii=False)}\n"
        f"published: {article['date']}\n"
        f"outlet: {article.get('source') or 'Wikinews'}\n"
        f"url: {article['url']}\n"
        "---\n"
        f"{article['text']}\n"
    )


def read_news(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def write_sample(chosen: list[dict], out: Path) -> None:
    """The chosen articles as `<id>.md` in `out`, replacing an earlier sample there."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("wikinews-en-*.md"):
        old.unlink()
    for article in chosen:
        (out / f"{article['id']}.md").write_text(render(article), encoding="utf-8")
    print(f"wrote {len(chosen)} articles to {out}")


def choose(articles: list[dict], ids: list[str]) -> list[dict]:
    """The articles of `ids`, in that order (a hand-picked selection); an id missing from `articles` is an error."""
    by_id = {a["id"]: a for a in articles}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise SystemExit(f"not in the news file: {', '.join(missing)}")
    return [by_id[i] for i in ids]


def run(pick, default_out: Path, description: str) -> None:
    """The command line of a sample script: `--news` (the shared file) and `--out`; `pick` chooses the articles."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--news", type=Path, default=DEFAULT_NEWS)
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    write_sample(pick(read_news(args.news)), args.out)


def main() -> None:
    run(select, DEFAULT_OUT, __doc__)


if __name__ == "__main__":
    main()
