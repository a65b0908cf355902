"""Fitting the confidence model (`confidence`) on questions the reader never trained on: `assistant fit-confidence`.

The 24 SQuAD 2.0 development articles are split by article (`reader_data.dev24_split`): the reader trains on
`train`, this fits on `calibration`, and `test` is where both are measured. Steps:

1. Gold-paragraph reads of the calibration questions → `Answerability` (label: the question is answerable)
   and its own refusal point, the one that maximises SQuAD 2.0 F1 there.
2. An index of the calibration and test articles (one document per paragraph, as `evals/corpora/normans`) with
   real news as distractors; every calibration question, and SQuAD 1.1 questions about articles the index does
   not hold (what "not in the corpus" looks like), takes the served path (`Questions.ask`) → `Confidence`
   (label: the answer shown is right, `metrics.answer_right`).
3. Bands from measured precision: refuse under the point that refuses at most `MAX_FALSE_REFUSAL` of the
   answerable calibration questions; confident from the point where answers are right `CONFIDENT_PRECISION`
   of the time; each band's claim is its accuracy on the calibration questions.

The test split then reports the reader alone (official SQuAD 2.0 metric) and the served path (band accuracy).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..confidence import ANSWER_SIGNALS, READER_SIGNALS, Bands, ConfidenceModel, Logistic, reader_signals
from ..metrics import answer_right, exact_match, token_f1
from ..options import AskOptions
from .confidence_data import Case, fitting_corpus, news_dev_cases, off_corpus_cases, squad_cases
from .export import auc as _roc_auc
from .reader_data import dev24_split

MAX_FALSE_REFUSAL = 0.10
CONFIDENT_PRECISION = 0.80
DISTRACTORS = 150  # Wikinews articles beside the SQuAD paragraphs in the fitting index
OFF_CORPUS = 300  # SQuAD 1.1 questions about articles the fitting index does not hold


def auc(scores: list[float], positive: list[bool]) -> float:
    return round(_roc_auc(scores, positive), 4)


@dataclass(frozen=True)
class Read:
    """One gold-paragraph question, the reader's best span and what step 1 reads of it."""

    question: str
    golds: list[str]
    text: str
    signals: list[float]


def gold_reads(reader, articles: list[dict]) -> list[Read]:
    out = []
    for article in articles:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                golds = [] if qa.get("is_impossible") else [a["text"] for a in qa["answers"]]
                span = reader.read(qa["question"], [para["context"]])[0]  # one not of the asked form says "no answer"
                out.append(Read(qa["question"], golds, span.text if span.fits else "", reader_signals(span)))
    return out


def fit_logistic(x: list[list[float]], y: list[bool], names: tuple[str, ...],
                 signs: dict[str, int] | None = None, c: float = 1.0, weights: list[float] | None = None) -> Logistic:
    """L2-regularised logistic regression on standardised inputs; `signs` pins a feature's weight to ≥ 0 (+1) or
    ≤ 0 (-1), for what must never lower (or raise) the probability whatever a data set's quirks teach;
    `weights` weigh the examples (default: all 1)."""
    from scipy.optimize import minimize

    X = np.asarray(x, dtype=np.float64)
    mean, scale = X.mean(0), X.std(0) + 1e-9
    Z, t = (X - mean) / scale, np.asarray(y, dtype=np.float64)
    v = np.ones(len(t)) if weights is None else np.asarray(weights, dtype=np.float64)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = Z @ w[:-1] + w[-1]
        p = 1.0 / (1.0 + np.exp(-z))
        value = v @ (np.logaddexp(0.0, z) - t * z) + 0.5 / c * (w[:-1] @ w[:-1])
        grad = np.append(Z.T @ (v * (p - t)) + w[:-1] / c, v @ (p - t))
        return value, grad

    signs = signs or {}
    bounds = [((0, None) if signs.get(n) == 1 else (None, 0) if signs.get(n) == -1 else (None, None)) for n in names]
    w = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B", bounds=bounds + [(None, None)]).x

    def plain(values) -> tuple[float, ...]:
        return tuple(round(float(v), 6) for v in values)

    return Logistic(names, plain(mean), plain(scale), plain(w[:-1]), round(float(w[-1]), 6))


def squad2_scores(reads: list[Read], p: list[float], threshold: float) -> dict:
    """The official SQuAD 2.0 metric of answering when `p ≥ threshold` (empty prediction otherwise)."""
    em, f1, has, no = [], [], [], []
    for read, prob in zip(reads, p):
        prediction = read.text if prob >= threshold else ""
        e, f = exact_match(prediction, read.golds), token_f1(prediction, read.golds)
        em.append(e)
        f1.append(f)
        (has if read.golds else no).append(f)
    def pct(values: list[float]) -> float:
        return round(100 * float(np.mean(values)), 1)

    return {"em": pct(em), "f1": pct(f1), "has_ans_f1": pct(has), "no_ans_accuracy": pct(no),
            "answerability_auc": auc(p, [bool(r.golds) for r in reads]), "questions": len(reads),
            "threshold": round(threshold, 4)}


def best_threshold(reads: list[Read], p: list[float]) -> float:
    candidates = sorted(set(np.round(p, 4))) + [1.01]
    return max(candidates, key=lambda t: squad2_scores(reads, p, t)["f1"])


@dataclass(frozen=True)
class Served:
    """One question through the served path: what step 2 reads, and whether the answer shown was right."""

    signals: list[float]
    right: bool
    answerable: bool
    refused: bool  # refused whatever the confidence (no span, too vague)
    domain: str = "squad"


def served_reads(questions, probe, cases: list[Case]) -> list[Served]:
    out = []
    for case in cases:
        answer = questions.ask(case.question, AskOptions(answerer=probe))
        right = not answer.abstained and answer_right(answer.short, case.golds, case.answerable)
        out.append(Served(answer.signals, right, case.answerable, answer.abstained and not answer.signals, case.domain))
    return out


def refusal_point(p: list[float], served: list[Served]) -> float:
    """The highest point that refuses at most MAX_FALSE_REFUSAL of the answerable questions."""
    answerable = sorted(pi for pi, s in zip(p, served) if s.answerable and not s.refused)
    n_ans = sum(s.answerable for s in served)
    already = sum(s.answerable and s.refused for s in served)
    allowed = int(MAX_FALSE_REFUSAL * n_ans) - already
    return answerable[max(0, allowed)] if answerable and allowed >= 0 else 0.0


def choose_bands(p: list[float], served: list[Served]) -> Bands:
    """Refuse under the highest point that refuses ≤ MAX_FALSE_REFUSAL of the answerable questions of every
    domain (SQuAD's and the news'); confident from the lowest point whose answers above it are right
    ≥ CONFIDENT_PRECISION of the time."""
    domains = sorted({s.domain for s in served if s.answerable})
    refuse_below = min(refusal_point([pi for pi, s in zip(p, served) if s.domain == d],
                                     [s for s in served if s.domain == d]) for d in domains)
    confident_from = 1.0
    for t in sorted(set(round(x, 4) for x in p), reverse=True):
        above = [s.right for pi, s in zip(p, served) if pi >= t and not s.refused]
        if len(above) >= 20 and np.mean(above) >= CONFIDENT_PRECISION:
            confident_from = t
    confident_from = max(confident_from, refuse_below)
    # rounded down: rounding up would refuse the answerable question the refusal point was placed at
    bands = Bands(math.floor(refuse_below * 1e4) / 1e4, math.floor(confident_from * 1e4) / 1e4)
    return Bands(bands.refuse_below, bands.confident_from, band_accuracy(bands, p, served))


def band_accuracy(bands: Bands, p: list[float], served: list[Served]) -> dict:
    """Share of answers right in each answering band, and the share of questions in each band."""
    out = {}
    for band in ("confident", "unsure"):
        rights = [s.right for pi, s in zip(p, served) if not s.refused and bands.band(pi) == band]
        out[band] = round(float(np.mean(rights)), 3) if rights else None
        out[f"{band}_share"] = round(len(rights) / len(served), 3)
    return out


# Better retrieval evidence never makes an answer less likely right, and an answer from a lower-ranked passage
# never more: unconstrained, the fit learned the opposite of the first from SQuAD 2.0's crowd-written refusals
# (written by reusing the paragraph's words, so a close match looked suspicious), which real questions are not.
# Nor does a weaker runner-up: every fitting question has one, so a negative weight made an answer with none (a
# corpus of one or two articles) far surer than its own score (a wrong answer read alone: 0.09 → 0.31).
STEP2_SIGNS = {name: 1 for name in ANSWER_SIGNALS if name != "log_rank"} | {"log_rank": -1}


def fit_step2(served: list[Served]) -> Logistic:
    """Step 2 with the news questions weighed up to count as much as SQuAD's: the served questions are
    news, and SQuAD's adversarial refusals alone taught the model to doubt plain news answers."""
    usable = [s for s in served if s.signals]
    counts = {d: sum(s.domain == d for s in usable) for d in {s.domain for s in usable}}
    lift = counts.get("squad", 0) / counts["news"] if counts.get("news") else 1.0
    weights = [lift if s.domain == "news" else 1.0 for s in usable]
    return fit_logistic([s.signals for s in usable], [s.right for s in usable], ANSWER_SIGNALS, STEP2_SIGNS,
                        weights=weights)


def fit_step1(reader, data_dir: Path, work_dir: Path | None = None) -> tuple[Logistic, float, dict]:
    """Step 1 on the calibration articles, reported on the test articles beside the raw reader scores."""
    split = dev24_split(data_dir)
    cal, test = gold_reads(reader, split["calibration"]), gold_reads(reader, split["test"])
    step1 = fit_logistic([r.signals for r in cal], [bool(r.golds) for r in cal], READER_SIGNALS)
    if work_dir:
        work_dir.mkdir(parents=True, exist_ok=True)
        (work_dir / "gold.json").write_text(json.dumps({"calibration": [r.__dict__ for r in cal],
                                                        "test": [r.__dict__ for r in test]}))
    p_cal = [step1.probability(r.signals) for r in cal]
    threshold = best_threshold(cal, p_cal)
    p_test = [step1.probability(r.signals) for r in test]
    raw = [r.signals[0] for r in test]
    report = {"test_articles": [a["title"] for a in split["test"]],
              "calibration_articles": [a["title"] for a in split["calibration"]],
              "shipped_decision": squad2_scores(test, p_test, threshold),
              "raw_confidence_auc": auc(raw, [bool(r.golds) for r in test]),
              "raw_confidence_best_threshold": squad2_scores(test, raw, best_threshold(test, raw)),
              "calibration": squad2_scores(cal, p_cal, threshold)}
    return step1, threshold, report


def summarise(model: ConfidenceModel, p: list[float], served: list[Served]) -> dict:
    """Refusals, band accuracy and AUC, over all questions and per domain (squad, news, off-corpus)."""
    out = summary_of(model, p, served)
    for domain in sorted({s.domain for s in served}):
        keep = [i for i, s in enumerate(served) if s.domain == domain]
        out[domain] = summary_of(model, [p[i] for i in keep], [served[i] for i in keep])
    return out


def summary_of(model: ConfidenceModel, p: list[float], served: list[Served]) -> dict:
    ans = [s for s in served if s.answerable]
    refused = [s.refused or pi < model.bands.refuse_below for pi, s in zip(p, served)]
    if not ans:  # off-corpus questions: only refusals to count
        return {"questions": len(served), "refusal_recall": round(float(np.mean(refused)), 3)}
    return {"questions": len(served), "answerable": len(ans),
            "false_refusal": round(float(np.mean([r for r, s in zip(refused, served) if s.answerable])), 3),
            "refusal_recall": round(float(np.mean([r for r, s in zip(refused, served) if not s.answerable])), 3),
            "band_accuracy": band_accuracy(model.bands, p, served),
            "right_auc": auc([pi for pi, s in zip(p, served) if s.signals], [s.right for s in served if s.signals])}


def fit(settings, data_dir: Path, work_dir: Path, progress=print) -> ConfidenceModel:
    """Both steps and the bands for the reader `settings` names, measured on the test articles and the test half
    of the news development set; `work_dir` is rebuilt from scratch."""
    import shutil

    from ..answering import ReaderAnswerer
    from ..core import Assistant

    shutil.rmtree(work_dir, ignore_errors=True)
    assistant = Assistant(settings.model_copy(update={"index_dir": work_dir / "index"}))
    reader = assistant.questions.reader
    progress("step 1: gold-paragraph reads of the calibration and test articles")
    step1, reader_threshold, reader_report = fit_step1(reader, data_dir, work_dir)
    progress(f"  test articles: {reader_report['shipped_decision']}")
    split = dev24_split(data_dir)
    fitting_corpus(data_dir, split["calibration"] + split["test"], work_dir / "corpus", DISTRACTORS)
    progress("step 2: indexing the SQuAD paragraphs, the news development articles and news distractors")
    assistant.ingest([work_dir / "corpus"])
    provisional = ConfidenceModel(step1, Logistic(("answerability",), (0.0,), (1.0,), (1.0,), 0.0), Bands(0.0, 0.0),
                                  reader_threshold)
    s = settings.reading
    probe = ReaderAnswerer(reader, provisional, passages=s.passages, max_words=s.max_words,
                           refuse_below=0.0, retrieval_weight=s.retrieval_weight, context=s.context)
    off, news = off_corpus_cases(data_dir, 2 * OFF_CORPUS), news_dev_cases()
    progress("  asking the fitting questions through the served path")
    cal = served_reads(assistant.questions, probe, squad_cases(split["calibration"]) + off[:OFF_CORPUS] + news["fit"])
    progress("  asking the test questions through the served path")
    test = served_reads(assistant.questions, probe, squad_cases(split["test"]) + off[OFF_CORPUS:] + news["test"])
    (work_dir / "served.json").write_text(json.dumps({"calibration": [s.__dict__ for s in cal],
                                                      "test": [s.__dict__ for s in test]}))  # for trying other fits
    model = fit_served(step1, reader_threshold, reader_report, cal, test)
    # the served reads depend on how much of its article the reader reads around a passage: the card says which
    return replace(model, fitted={**model.fitted, "reader_context": list(s.context)})


def fit_served(step1: Logistic, reader_threshold: float, reader_report: dict, cal: list[Served],
               test: list[Served]) -> ConfidenceModel:
    """Step 2 and the bands from the served reads, with what they measured on the test questions."""
    step2 = fit_step2(cal)
    p_cal = [step2.probability(x.signals) if x.signals else 0.0 for x in cal]
    model = ConfidenceModel(step1, step2, choose_bands(p_cal, cal), reader_threshold)
    p_test = [step2.probability(x.signals) if x.signals else 0.0 for x in test]
    fitted = {"reader_alone": reader_report, "served_calibration": summarise(model, p_cal, cal),
              "served_test": summarise(model, p_test, test), "max_false_refusal": MAX_FALSE_REFUSAL,
              "confident_precision": CONFIDENT_PRECISION, "distractors": DISTRACTORS, "off_corpus": OFF_CORPUS}
    return ConfidenceModel(step1, step2, model.bands, reader_threshold, fitted)


def store(model: ConfidenceModel, model_file: Path) -> Path:
    """Write the confidence model into the reader's card (beside the weights it was fitted for)."""
    import os

    from ..reader import CARD_FILE

    card_file = Path(model_file).with_name(CARD_FILE)
    card = json.loads(card_file.read_text()) if card_file.exists() else {}
    card["confidence"] = model.to_dict()
    card.pop("threshold", None)  # the raw-score threshold of readers before confidence models
    tmp = card_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(card, indent=2))
    os.replace(tmp, card_file)
    return card_file
