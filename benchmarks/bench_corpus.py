"""The benchmark's corpus and questions: deterministic generated articles (seed 7) from the sentences of the real
articles in `corpus/` and `evals/corpora/normans/`, and the questions of `evals/` (`bench.py` says how).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


SEED = 7
POOL = (1000, 2000)  # real chunk-sized and sentence vectors behind the pooled 100k build
OUTLETS = ["Daily Ledger", "Wire Service", "Evening Post", "Coast Herald", "Metro Times"]


# -- corpus -------------------------------------------------------------------
def sentence_pool() -> list[str]:
    from assistant.chunking import sentence_spans

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "evals/corpora/normans").glob("*.txt"))]
    pool = []
    for text in texts:
        for a, b in sentence_spans(text):
            s = text[a:b].strip()
            if 30 <= len(s) <= 400 and not s.startswith("---"):
                pool.append(s)
    return sorted(set(pool))


def generate(folder: Path, chunks_wanted: int, settings, seed: int = SEED, prefix: str = "gen") -> dict:
    """Write articles to `folder` until they hold `chunks_wanted` chunks; returns counts."""
    from assistant.chunking import chunk_document, sentence_units
    from assistant.documents import parse_document

    rng = random.Random(seed)
    pool = sentence_pool()
    vocab = sorted({w for s in pool for w in re.findall(r"[A-Za-z]{3,}", s)})
    folder.mkdir(parents=True, exist_ok=True)
    chunks = sentences = docs = tokens = 0
    while chunks < chunks_wanted:
        picked = rng.sample(pool, rng.randint(6, 24))
        body = []
        for s in picked:
            words = s.split(" ")
            for i in range(len(words)):
                if rng.random() < 1 / 6 and words[i].isalpha():
                    words[i] = rng.choice(vocab)
            body.append(" ".join(words))
        title = " ".join(rng.choice(vocab).capitalize() for _ in range(rng.randint(4, 8)))
        date = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1800))
        text = (f"---\ntitle: {title}\ndate: {date.isoformat()}\nsource: {rng.choice(OUTLETS)}\n---\n"
                + "\n\n".join(" ".join(body[i : i + 4]) for i in range(0, len(body), 4)) + "\n")
        doc_id = f"{prefix}-{docs:06d}.md"
        doc = parse_document(doc_id, text)
        units = sentence_units(doc, settings.chunk_tokens, settings.encoding)
        got = chunk_document(doc, settings.chunk_tokens, settings.chunk_overlap, settings.encoding, units=units)
        chunks += len(got)
        sentences += sum(len(block) for block in units)
        from assistant.chunking import count_tokens

        tokens += sum(count_tokens(c.text, settings.encoding) for c in got)
        (folder / doc_id).write_text(text, encoding="utf-8")
        docs += 1
    return {"documents": docs, "chunks": chunks, "sentences": sentences, "mean_chunk_tokens": round(tokens / chunks, 1)}


def story_cases() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "evals" / "stories.jsonl").read_text().splitlines() if line.strip()]


def story_questions() -> list[str]:
    """Why / how / summary / latest / compare questions about the running stories added to every corpus."""
    return [c["question"] for c in story_cases() if not c.get("history")]


def follow_ups() -> list[tuple[str, list[str]]]:
    """The story set's follow-up questions with their conversations (a follow-up may search twice more)."""
    return [(c["question"], c["history"]) for c in story_cases() if c.get("history")]


def questions() -> list[str]:
    out = []
    for name in ("seed.jsonl", "normans.jsonl"):
        for line in (ROOT / "evals" / name).read_text().splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    random.Random(SEED).shuffle(out)
    return out
