"""Pure evaluation metrics: answer quality, retrieval ranking, citations, aggregation.

Answer metrics follow the official SQuAD v2 evaluation script so scores are
comparable with published numbers. Retrieval metrics work on ranked document
ids; repeated ids (several chunks of one document) count once, at their first
rank, so every metric is over distinct documents.
"""

from __future__ import annotations

import math
import re
import statistics
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from .citations import MARKER, UNSURE_LEADS

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize_answer(s: str) -> str:
    """Lower-case, drop punctuation, articles and extra whitespace (SQuAD v2)."""
    s = "".join(ch for ch in s.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", s).split())


def loose(s: str) -> str:
    """`normalize_answer`, also dropping non-ASCII punctuation (curly quotes) common in LLM output and news text;
    a dash other than the ASCII hyphen (em, en) separates words, so it becomes a space: "Dyrrachium—one"."""
    s = "".join(" " if ch != "-" and unicodedata.category(ch) == "Pd" else ch for ch in s)
    s = "".join(ch for ch in s if not unicodedata.category(ch).startswith("P"))
    return normalize_answer(s)


def _golds(golds: Iterable[str]) -> list[str]:
    # SQuAD v2 scores an unanswerable question against the empty answer.
    golds = [g for g in golds if normalize_answer(g)]
    return golds or [""]


def exact_match(prediction: str, golds: Iterable[str]) -> float:
    """1.0 if the normalized prediction equals any normalized gold answer."""
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(g) for g in _golds(golds)))


def _f1(prediction: str, gold: str) -> float:
    pred_toks, gold_toks = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred_toks or not gold_toks:
        return float(pred_toks == gold_toks)
    same = sum((Counter(pred_toks) & Counter(gold_toks)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_toks), same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Iterable[str]) -> float:
    """SQuAD bag-of-tokens F1, max over gold answers (partial credit for overlap)."""
    return max(_f1(prediction, g) for g in _golds(golds))


def contains_answer(prediction: str, golds: Iterable[str]) -> bool:
    """True if a normalized gold answer occurs in the prediction on token boundaries.

    Chat answers are full sentences, so EM/F1 punish verbosity; this checks the
    fact is present at all. Unlike EM/F1 it also ignores Unicode punctuation
    (e.g. curly quotes). Empty golds never match.
    """
    pred = f" {loose(prediction)} "
    return any(f" {g} " in pred for g in map(loose, golds) if g)


_SPACED_MARKER = re.compile(r"\s*" + MARKER.pattern)  # a marker with the space before it


def strip_markers(answer: str) -> str:
    """Answer text without its [n] citation markers and an unsure answer's opening words: they are not words
    of the answer."""
    for lead in UNSURE_LEADS:
        answer = answer.removeprefix(lead)
    return _SPACED_MARKER.sub("", answer).strip()


def _unique(retrieved: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(retrieved))


def hit_at_k(retrieved: Sequence[str], gold: Iterable[str], k: int) -> float:
    """1.0 if any gold document is among the first k distinct retrieved ones."""
    gold = set(gold)
    return float(any(doc in gold for doc in _unique(retrieved)[:k]))


def reciprocal_rank(retrieved: Sequence[str], gold: Iterable[str]) -> float:
    """1/rank of the first gold document (0.0 if none is retrieved)."""
    gold = set(gold)
    for rank, doc in enumerate(_unique(retrieved), 1):
        if doc in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(retrieved: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k: rewards ranking all gold documents early.

    Ideal DCG assumes min(len(gold), k) relevant documents at the top; the
    discount is 1/log2(rank + 1). Returns 0.0 when there is no gold document.
    """
    gold = set(gold)
    dcg = sum(1 / math.log2(r + 1) for r, d in enumerate(_unique(retrieved)[:k], 1) if d in gold)
    idcg = sum(1 / math.log2(r + 1) for r in range(1, min(len(gold), k) + 1))
    return dcg / idcg if idcg else 0.0


def citation_hit(cited_sources: Iterable[str], gold: Iterable[str]) -> bool | None:
    """True if any cited document is gold; None when nothing was cited."""
    cited = set(cited_sources)
    return bool(cited & set(gold)) if cited else None


def citation_precision(cited_sources: Iterable[str], gold: Iterable[str]) -> float | None:
    """Share of distinct cited documents that are gold; None when nothing was cited."""
    cited = set(cited_sources)
    return len(cited & set(gold)) / len(cited) if cited else None


def case_metrics(
    retrieved: Sequence[str],
    cited_sources: Sequence[str],
    answer: str,
    abstained: bool,
    gold_sources: Iterable[str],
    gold_answers: Sequence[str],
    answerable: bool,
    short: str | None = None,
) -> dict:
    """Per-case metric values; None where a metric does not apply.

    Retrieval metrics need an answerable case; answer metrics are 0 when the
    assistant abstained on an answerable case; citation metrics are only
    defined for answered answerable cases. Exact match and F1 score `short`, the direct answer,
    when the answer has one ("Gloria Allred" of "Gloria Allred — “…attorney Gloria Allred, who…” [1]").
    """
    gold = set(gold_sources)
    m: dict = dict.fromkeys(
        ["hit@1", "hit@5", "mrr", "ndcg@10", "em", "f1", "contains", "citation_hit", "citation_precision"]
    )
    if not answerable:
        return m
    m.update({
        "hit@1": hit_at_k(retrieved, gold, 1),
        "hit@5": hit_at_k(retrieved, gold, 5),
        "mrr": reciprocal_rank(retrieved, gold),
        "ndcg@10": ndcg_at_k(retrieved, gold, 10),
    })
    if abstained:
        m.update(em=0.0, f1=0.0, contains=False)
        return m
    answer = strip_markers(answer)
    direct = short or answer
    m.update({
        "em": exact_match(direct, gold_answers),
        "f1": token_f1(direct, gold_answers),
        "contains": contains_answer(answer, gold_answers),
        "citation_hit": citation_hit(cited_sources, gold),
        "citation_precision": citation_precision(cited_sources, gold),
    })
    return m


def _mean(values: Iterable) -> float | None:
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def summarize(cases: list[dict]) -> dict:
    """Aggregate per-case dicts (case_metrics output plus answerable, abstained,
    latency_ms, answer) into one summary; a key is None when it has no cases."""
    ans = [c for c in cases if c["answerable"]]
    unans = [c for c in cases if not c["answerable"]]
    answered = [c for c in ans if not c["abstained"]]
    cited = [c for c in cases if not c["abstained"] and c.get("citation_hit") is not None]
    latencies = [c["latency_ms"] for c in cases if c.get("latency_ms") is not None]
    summary: dict = {"n": len(cases), "n_answerable": len(ans), "n_unanswerable": len(unans)}
    for key in ("hit@1", "hit@5", "mrr", "ndcg@10"):
        summary[key] = _mean(c.get(key) for c in ans)
    for key in ("em", "f1", "contains"):  # abstaining on an answerable case scores 0
        summary[key] = _mean(0.0 if c["abstained"] else (c.get(key) or 0.0) for c in ans)
    summary["median_answer_words"] = (
        statistics.median(len(strip_markers(c["answer"]).split()) for c in answered) if answered else None
    )
    summary["citation_hit_rate"] = _mean(c["citation_hit"] for c in cited)
    summary["citation_precision"] = _mean(c.get("citation_precision") for c in cited)
    summary["abstention_recall"] = _mean(c["abstained"] for c in unans)
    abstained = [c for c in cases if c["abstained"]]
    summary["abstention_precision"] = _mean(not c["answerable"] for c in abstained)
    summary["false_abstention_rate"] = _mean(c["abstained"] for c in ans)
    summary.update(band_summary(cases))
    points = [(c.get("confidence"), bool(c.get("right"))) for c in cases]
    summary["coverage_risk"] = coverage_risk(points)
    summary["reliability"] = reliability(points)
    summary["latency_p50_ms"] = float(np.percentile(latencies, 50)) if latencies else None
    summary["latency_p95_ms"] = float(np.percentile(latencies, 95)) if latencies else None
    return summary


RIGHT_F1 = 0.5  # an answer counts as right from this token F1 with an accepted answer (what confidence predicts)


def answer_right(answer: str, golds: Sequence[str], answerable: bool) -> bool:
    """Whether an answer would be right if shown: an unanswerable question has no right answer."""
    return answerable and bool(answer) and token_f1(answer, golds) >= RIGHT_F1


def coverage_risk(points: Sequence[tuple[float | None, bool]], steps: int = 20) -> list[dict]:
    """The trade-off of answering only above a confidence: for thresholds at quantiles of the confidences, the
    share of all cases answered (coverage) and the share of those answers that are right (accuracy).
    `points` are (confidence or None when nothing could be answered, right)."""
    scored = sorted(((c, r) for c, r in points if c is not None), key=lambda x: -x[0])
    out = []
    for i in sorted({max(1, round(len(scored) * j / steps)) for j in range(1, steps + 1)}) if scored else []:
        answered = scored[:i]
        out.append({"threshold": round(answered[-1][0], 4), "coverage": round(i / len(points), 4),
                    "accuracy": round(sum(r for _, r in answered) / i, 4)})
    return out


def reliability(points: Sequence[tuple[float | None, bool]], bins: int = 5) -> list[dict]:
    """Predicted confidence against measured accuracy, in equal-width bins (empty bins left out)."""
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, r) for c, r in points if c is not None and (lo <= c < hi or (b == bins - 1 and c == 1.0))]
        if inside:
            out.append({"bin": f"{lo:.1f}-{hi:.1f}", "predicted": round(sum(c for c, _ in inside) / len(inside), 4),
                        "accuracy": round(sum(r for _, r in inside) / len(inside), 4), "n": len(inside)})
    return out


def band_summary(cases: list[dict]) -> dict:
    """Share of cases in each band, and the accuracy of the answers shown in the answering bands."""
    out: dict = {}
    for band in ("confident", "unsure", "refused"):
        inside = [c for c in cases if c.get("band") == band]
        out[f"{band}_share"] = len(inside) / len(cases) if cases else None
        if band != "refused":
            out[f"{band}_accuracy"] = _mean(c["right"] for c in inside)
    return out
