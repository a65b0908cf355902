"""Training examples for the reader, built from SQuAD: answerable ones and several kinds of "no answer".

SQuAD 1.1 only has answerable questions, and SQuAD 2.0 gives us 348 human-written unanswerable ones,
so most refusals are generated, each kind mimicking a way a question goes unanswered in this product:

- `human`: SQuAD 2.0's crowd-written unanswerable questions (adversarial: they reuse the paragraph's words);
- `sentence`: the question with its paragraph minus the sentence that holds the answer (the topic is
  there, the fact is not);
- `paragraph`: the question with the paragraph of the same article that shares the most words with it
  but lacks the answer (what retrieval hands over when the answer is elsewhere);
- `swap`: a name or number of the question replaced by another of the same kind from the article that the
  paragraph never mentions ("When did Chopin leave Warsaw?" → "When did Liszt leave Warsaw?").

Nothing here reads `evals/` or the Normans development article.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

NEGATIVE_KINDS = ("human", "sentence", "paragraph", "swap")
SQUAD11 = "squad-v1.1-train.json.gz"
SQUAD20 = "squad-v2.0-train-10-articles.json.gz"
DEV24 = "squad-v2.0-dev-24-articles-for-training.json.gz"
SPLIT_SEED = 21  # fixes which of the 24 articles train the reader, fit the confidence and measure both
SPLIT_SIZES = {"calibration": 4, "test": 4}  # the rest train the reader

_WORD = re.compile(r"[a-z0-9]+")
_NAME = re.compile(r"\b[A-Z][\w'-]+(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w'-]+)*")
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_STOP = frozenset("the a an of in on at to for by with from and or is was were are be been did do does what which who "
                  "whom whose when where why how that this these those it its as".split())


@dataclass(frozen=True)
class Example:
    """One question over one context; `answer_start` is -1 when the context does not answer it."""

    question: str
    context: str
    answer: str
    answer_start: int
    kind: str  # "answer" or one of NEGATIVE_KINDS


def read_squad(path: Path) -> list[dict]:
    """The `data` list of a SQuAD JSON file, gzipped or not."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)["data"]


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _sentences(text: str) -> list[tuple[int, int]]:
    from blingfire import text_to_sentences_and_offsets

    return list(text_to_sentences_and_offsets(text)[1])


def _without_answer_sentence(context: str, start: int, answer: str) -> str | None:
    spans = _sentences(context)
    for s, e in spans:
        if s <= start < e:
            rest = (context[:s] + context[e:]).strip()
            return rest if len(spans) > 1 and answer not in rest and rest else None
    return None


def _other_paragraph(question: str, answer: str, contexts: list[str], own: int) -> str | None:
    words = _content_words(question)
    best, best_overlap = None, 0
    for i, ctx in enumerate(contexts):
        if i == own or answer in ctx:
            continue
        overlap = len(words & _content_words(ctx))
        if overlap > best_overlap:
            best, best_overlap = ctx, overlap
    return best


def _swapped_question(question: str, context: str, pools: dict[str, list[str]], rng: random.Random) -> str | None:
    """Replace a name or number the paragraph mentions with one of the article's that it does not."""
    choices = []
    for kind, pattern in (("name", _NAME), ("number", _NUMBER)):
        for m in pattern.finditer(question):
            if m.start() == 0 or m.group() not in context:
                continue
            pool = [x for x in pools[kind] if x not in context and x != m.group()]
            if pool:
                choices.append((m, pool))
    if not choices:
        return None
    m, pool = rng.choice(choices)
    return question[:m.start()] + rng.choice(pool) + question[m.end():]


def _article_pools(contexts: list[str]) -> dict[str, list[str]]:
    names: set[str] = set()
    numbers: set[str] = set()
    for ctx in contexts:
        names.update(m.group() for m in _NAME.finditer(ctx)
                     if m.start() > 1 and ctx[m.start() - 2] not in ".!?\n" and m.group().lower() not in _STOP)
        numbers.update(m.group() for m in _NUMBER.finditer(ctx))
    return {"name": sorted(names), "number": sorted(numbers)}


def squad11_examples(articles: list[dict], rng: random.Random, negative_rate: dict[str, float]) -> Iterator[Example]:
    """Every answerable question, and generated negatives at `negative_rate[kind]` per question."""
    for article in articles:
        contexts = [p["context"] for p in article["paragraphs"]]
        pools = _article_pools(contexts)
        for own, para in enumerate(article["paragraphs"]):
            ctx = para["context"]
            for qa in para["qas"]:
                ans = qa["answers"][0]
                q, text, start = qa["question"].strip(), ans["text"], ans["answer_start"]
                yield Example(q, ctx, text, start, "answer")
                if rng.random() < negative_rate.get("sentence", 0):
                    rest = _without_answer_sentence(ctx, start, text)
                    if rest:
                        yield Example(q, rest, "", -1, "sentence")
                if rng.random() < negative_rate.get("paragraph", 0):
                    other = _other_paragraph(q, text, contexts, own)
                    if other:
                        yield Example(q, other, "", -1, "paragraph")
                if rng.random() < negative_rate.get("swap", 0):
                    swapped = _swapped_question(q, ctx, pools, rng)
                    if swapped:
                        yield Example(swapped, ctx, "", -1, "swap")


def squad20_negatives(articles: list[dict]) -> Iterator[Example]:
    """The crowd-written unanswerable questions of the SQuAD 2.0 training articles."""
    for article in articles:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                if qa.get("is_impossible"):
                    yield Example(qa["question"].strip(), para["context"], "", -1, "human")


def squad20_examples(articles: list[dict]) -> Iterator[Example]:
    """Every question of SQuAD 2.0 articles: answerable ones with their first reference answer, and the
    crowd-written unanswerable ones."""
    for article in articles:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    yield Example(qa["question"].strip(), para["context"], "", -1, "human")
                else:
                    ans = qa["answers"][0]
                    yield Example(qa["question"].strip(), para["context"], ans["text"], ans["answer_start"], "answer")


def dev24_split(data_dir: Path, seed: int = SPLIT_SEED) -> dict[str, list[dict]]:
    """The 24 SQuAD 2.0 development articles split by article into `train` (the reader), `calibration` (the
    confidence model, never seen by the reader) and `test` (neither: where every choice is measured)."""
    articles = sorted(read_squad(Path(data_dir) / DEV24), key=lambda a: a["title"])
    random.Random(seed).shuffle(articles)
    n_cal, n_test = SPLIT_SIZES["calibration"], SPLIT_SIZES["test"]
    return {"test": articles[:n_test], "calibration": articles[n_test:n_test + n_cal],
            "train": articles[n_test + n_cal:]}


def build_squad2(data_dir: Path, replay: int, negative_rate: dict[str, float], human_repeat: int,
                 seed: int = 13) -> list[Example]:
    """The second stage's examples: every question of the training split of the 24 development articles and
    of the 10 SQuAD 2.0 training articles (crowd-written refusals `human_repeat` times), plus `replay` SQuAD 1.1
    questions with generated negatives, so the reader keeps what the first stage taught it."""
    rng = random.Random(seed)
    squad2 = list(squad20_examples(dev24_split(data_dir)["train"]))
    squad2 += squad20_examples(read_squad(Path(data_dir) / SQUAD20))
    examples = [ex for ex in squad2 if ex.kind == "answer"] + [ex for ex in squad2 if ex.kind == "human"] * human_repeat
    articles, _ = _sample(read_squad(Path(data_dir) / SQUAD11), replay, rng)
    examples += squad11_examples(articles, rng, negative_rate)
    rng.shuffle(examples)
    return examples


def build(data_dir: Path, max_answerable: int | None = None, negative_rate: dict[str, float] | None = None,
          human_repeat: int = 4, seed: int = 13) -> list[Example]:
    """Shuffled training examples: answerable SQuAD 1.1 questions (optionally a sample) plus the negatives."""
    rng = random.Random(seed)
    rates = {"sentence": 0.1, "paragraph": 0.1, "swap": 0.1} if negative_rate is None else negative_rate
    articles, _ = _sample(read_squad(Path(data_dir) / SQUAD11), max_answerable, rng)
    examples = list(squad11_examples(articles, rng, rates))
    human = list(squad20_negatives(read_squad(Path(data_dir) / SQUAD20)))
    examples += human * human_repeat
    rng.shuffle(examples)
    return examples


def _sample(articles: list[dict], max_answerable: int | None, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Split the questions into a sample of about `max_answerable`, evenly over articles, and the rest;
    both keep every paragraph of their article (the negatives need them)."""
    if max_answerable is None:
        return articles, []
    total = sum(len(p["qas"]) for a in articles for p in a["paragraphs"])
    keep = min(1.0, max_answerable / total)
    kept, rest = [], []
    for article in articles:
        sides: tuple[list, list] = ([], [])
        for para in article["paragraphs"]:
            chosen = [rng.random() < keep for _ in para["qas"]]
            for side, want in zip(sides, (True, False)):
                side.append({"context": para["context"], "qas": [qa for qa, c in zip(para["qas"], chosen) if c == want]})
        kept.append({**article, "paragraphs": sides[0]})
        rest.append({**article, "paragraphs": sides[1]})
    return kept, rest


def held_out(data_dir: Path, max_answerable: int | None, seed: int, per_kind: int = 300) -> list[Example]:
    """Up to `per_kind` answerable questions that training did not sample, and as many generated negatives of
    each kind built from them: an in-distribution check of what each kind of refusal taught."""
    rng = random.Random(seed)
    _, rest = _sample(read_squad(Path(data_dir) / SQUAD11), max_answerable, rng)
    pool = list(squad11_examples(rest, random.Random(seed + 1), {"sentence": 1.0, "paragraph": 1.0, "swap": 1.0}))
    random.Random(seed + 2).shuffle(pool)
    out = []
    for kind in ("answer", "sentence", "paragraph", "swap"):
        out += [ex for ex in pool if ex.kind == kind][:per_kind]
    return out


def summary(examples: list[Example]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ex in examples:
        counts[ex.kind] = counts.get(ex.kind, 0) + 1
    return counts


def write_jsonl(examples: list[Example], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps(asdict(ex), ensure_ascii=False) + "\n")
