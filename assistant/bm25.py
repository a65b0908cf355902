"""Persisted BM25 over chunk texts, with bm25s (sparse-matrix scoring, milliseconds at 20k+ chunks).

The same tokenizer (English stop words + Snowball stemming) also gives the
answerer its lexical evidence, so "represents" in a question matches
"represent" in a passage on both paths.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_STEMMER = Stemmer.Stemmer("english")
STOPWORDS = sorted(set(bm25s.stopwords.STOPWORDS_EN_PLUS) | {"who", "whom", "whose", "what", "when", "where", "which", "why", "how", "did", "does", "do"})


def _tokenizer() -> bm25s.tokenization.Tokenizer:
    return bm25s.tokenization.Tokenizer(stemmer=_STEMMER, stopwords=STOPWORDS, lower=True)


_SPLIT = re.compile(r"(?u)\b\w\w+\b")  # bm25s' default splitter
_STOP = frozenset(STOPWORDS)


def terms(text: str) -> list[str]:
    """Stemmed content words of `text` (stop words removed), in order; `[""]` if there are none.

    Exactly what `_tokenizer().tokenize([text], return_as="string")` returns (lower-case, split,
    drop stop words, stem), without building a tokenizer and a progress bar per call: retrieval
    calls this for every candidate chunk and sentence, which made it the slowest step per query.
    """
    words = [w for w in _SPLIT.findall(text.lower()) if w not in _STOP]
    return _STEMMER.stemWords(words) if words else [""]


CHECKSUMS = "checksums.json"


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and p.name != CHECKSUMS}


class BM25Index:
    """A BM25 model plus the chunk ids its rows stand for."""

    def __init__(self, model: bm25s.BM25 | None, tokenizer, ids: list[str], df: dict[str, int] | None = None) -> None:
        self.model, self.tokenizer, self.ids = model, tokenizer, ids
        self.df = df or {}

    def document_frequency(self, term: str) -> int:
        """In how many chunks a stemmed term occurs (for idf weights outside BM25 scoring)."""
        return self.df.get(term, 0)

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> "BM25Index":
        tokenizer = _tokenizer()
        if not texts:
            return cls(None, tokenizer, [])
        tokens = tokenizer.tokenize(texts, return_as="tuple", show_progress=False)
        model = bm25s.BM25()
        model.index(tokens, show_progress=False)
        id_to_stem = {i: stem for stem, i in tokens.vocab.items()}
        df = Counter(id_to_stem[i] for doc in tokens.ids for i in set(doc))
        return cls(model, tokenizer, list(ids), dict(df))

    def save(self, folder: Path) -> None:
        """Write to a sibling temp folder, then swap it in, so readers never see half an index."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.model is not None:
            self.model.save(str(tmp))
            self.tokenizer.save_vocab(str(tmp))
        (tmp / "chunk_ids.json").write_text(json.dumps(self.ids))
        (tmp / "df.json").write_text(json.dumps(self.df))
        (tmp / CHECKSUMS).write_text(json.dumps(_digests(tmp)))  # so a damaged file is noticed, not scored
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        """Load a saved index; raises ValueError if a file no longer matches the checksum written with it."""
        if (folder / CHECKSUMS).exists():
            expected, actual = json.loads((folder / CHECKSUMS).read_text()), _digests(folder)
            bad = sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
            if bad:
                raise ValueError(f"{', '.join(bad)} changed or missing since it was written")
        ids = json.loads((folder / "chunk_ids.json").read_text())
        tokenizer = _tokenizer()
        if not ids:
            return cls(None, tokenizer, [])
        model = bm25s.BM25.load(str(folder))
        tokenizer.load_vocab(str(folder))
        return cls(model, tokenizer, ids, json.loads((folder / "df.json").read_text()))

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """Top `n` chunk ids with positive BM25 score, best first."""
        if self.model is None:
            return []
        query_terms = [t for t in terms(query) if t in self.tokenizer.stem_to_sid]
        if not query_terms:
            return []
        scores = self.model.get_scores(query_terms)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
