"""What the confidence model is fitted on (`training.confidence`): a fitting corpus and the questions asked of it.

- SQuAD 2.0: the calibration and test articles of the 24 development articles (`reader_data.dev24_split`), one
  document per paragraph; every question, answerable or crowd-written unanswerable.
- Off-corpus: SQuAD 1.1 questions about Wikipedia articles the corpus does not hold.
- Real news: the hand-written development set in `training/news-dev/` (50 Wikinews articles, answerable and
  story-bound unanswerable questions, off-corpus ones), split by article into a fitting half and a test half.
  SQuAD's adversarial refusals alone made the model under-rate plain news answers.
- Distractors: other Wikinews articles, never those of the evaluation sets (`evals/corpora/wikinews`).
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from .reader_data import SQUAD11, read_squad

REPO = Path(__file__).resolve().parents[2]  # fitting runs from a checkout: these folders are not packaged
EVAL_NEWS = REPO / "evals" / "corpora" / "wikinews"  # the eval sets' articles: never distractors or fitting data
NEWS_DEV = REPO / "training" / "news-dev"


@dataclass(frozen=True)
class Case:
    """One question to ask the fitting index; `domain` keeps SQuAD, news and off-corpus questions apart."""

    question: str
    golds: list[str]
    domain: str  # squad, news, off-corpus

    @property
    def answerable(self) -> bool:
        return bool(self.golds)


def write_paragraphs(articles: list[dict], folder: Path) -> None:
    """One text file per paragraph (title line, blank line, paragraph)."""
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        for i, para in enumerate(article["paragraphs"]):
            name = f"squad-{article['title'].lower()}-{i:02d}.txt"
            (folder / name).write_text(f"{article['title'].replace('_', ' ')}\n\n{para['context']}\n", encoding="utf-8")


def write_distractors(news_file: Path, folder: Path, n: int, exclude: set[str], seed: int = 7) -> None:
    """`n` Wikinews articles (none of `exclude`) as Markdown with front matter."""
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(news_file, "rt", encoding="utf-8") as fh:
        articles = [json.loads(line) for line in fh]
    pool = [a for a in articles if a["id"] not in exclude and 150 <= len(a["text"].split()) <= 900]
    for a in random.Random(seed).sample(pool, n):
        (folder / f"{a['id']}.md").write_text(
            f"---\ntitle: {json.dumps(a['title'])}\npublished: {a['date']}\noutlet: Wikinews\n---\n{a['text']}\n",
            encoding="utf-8")


def squad_cases(articles: list[dict]) -> list[Case]:
    return [Case(qa["question"], [] if qa.get("is_impossible") else [a["text"] for a in qa["answers"]], "squad")
            for article in articles for para in article["paragraphs"] for qa in para["qas"]]


def off_corpus_cases(data_dir: Path, n: int, seed: int = 11) -> list[Case]:
    """SQuAD 1.1 questions about Wikipedia articles the fitting index does not hold: right answers are impossible."""
    qs = [qa["question"] for a in read_squad(Path(data_dir) / SQUAD11) for p in a["paragraphs"] for qa in p["qas"]]
    return [Case(q, [], "off-corpus") for q in random.Random(seed).sample(qs, n)]


def news_dev_cases(folder: Path = NEWS_DEV, seed: int = 3) -> dict[str, list[Case]]:
    """The news development set split by article (`fit`, `test`); off-corpus questions alternate between them."""
    rows = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line]
    articles = sorted({s for r in rows for s in r["sources"]})
    random.Random(seed).shuffle(articles)
    fit_articles = set(articles[: len(articles) // 2])
    out: dict[str, list[Case]] = {"fit": [], "test": []}
    off = 0
    for r in rows:
        case = Case(r["question"], r["answers"] if r["answerable"] else [], "news" if r["sources"] else "off-corpus")
        if r["sources"]:
            out["fit" if r["sources"][0] in fit_articles else "test"].append(case)
        else:
            out["fit" if off % 2 == 0 else "test"].append(case)
            off += 1
    return out


def fitting_corpus(data_dir: Path, squad_articles: list[dict], folder: Path, distractors: int) -> None:
    """SQuAD paragraphs, the news development articles and `distractors` other Wikinews articles under `folder`."""
    write_paragraphs(squad_articles, folder / "squad")
    shutil.copytree(NEWS_DEV / "corpus", folder / "news-dev")
    exclude = {p.stem for p in EVAL_NEWS.glob("*.md")} | {p.stem for p in (NEWS_DEV / "corpus").glob("*.md")}
    write_distractors(Path(data_dir) / "news" / "wikinews-en.jsonl.gz", folder / "news", distractors, exclude)
