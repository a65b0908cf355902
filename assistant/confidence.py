"""How sure an answer is: two small logistic models over the reader's scores and the retrieval evidence.

The reader's own no-answer score tells crowd-written unanswerable questions from answerable ones poorly
(ROC AUC ~0.67 before it saw them in training): they reuse the paragraph's words and ask about what is not
there. So the decision looks at more than one score, in two steps, each a logistic regression fitted on
data the reader never trained on (`training.confidence` fits them; the weights ship in the reader's card):

1. `Answerability` (one passage): the probability that the question is answered in the passage, from the
   reader's scores for its span (span vs null, the no-answer head, the span's own score). Gold-paragraph
   evaluation (SQuAD 2.0's official metric) uses this alone.
2. `Confidence` (the whole answer): the probability that the answer shown is right, from step 1 for the
   best and the runner-up passage, whether they agree, and how well retrieval matched the question (a
   question about something the corpus never covers matches nothing well, whatever the reader says).

Bands turn the probability into what a person sees: `confident`, `unsure` ("Not sure — the closest
passage says …") or `refused`, at thresholds chosen from measured precision on held-out questions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from .reader import Span


def reader_signals(span: Span) -> list[float]:
    """What `Answerability` reads about one span: the reader's own scores. Question coverage of the answer's
    sentence and passage, question names the passage lacks, an answer echoing the question and its length were
    tried too: leave-one-article-out on the calibration articles they lowered the AUC (0.749 → 0.739); so did a
    separate answer verifier's probability, barely (0.755 → 0.759 on test; docs/reader.md)."""
    return [span.confidence, span.margin, span.no_answer, span.score]


READER_SIGNALS = ("confidence", "margin", "no_answer", "span_score")


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic regression on standardised inputs; plain JSON in the model card."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, x: list[float]) -> float:
        z = self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Logistic":
        return cls(tuple(data["names"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]),
                   float(data["bias"]))


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class Evidence:
    """Retrieval's view of a passage: fused score, similarity and question coverage (whole and best sentence)."""

    score: float
    similarity: float
    coverage: float
    best_similarity: float
    best_coverage: float
    rank: int


def answer_signals(best: float, runner_up: float | None, agree: bool, evidence: Evidence, top: Evidence) -> list[float]:
    """What `Confidence` reads: step 1 for the best and runner-up spans, their agreement, retrieval evidence
    of the answer's passage and of the top passage."""
    return [logit(best), logit(runner_up) if runner_up is not None else -8.0, float(agree),
            evidence.score, evidence.similarity, evidence.coverage, evidence.best_similarity, evidence.best_coverage,
            math.log1p(evidence.rank), top.similarity, top.best_coverage]


ANSWER_SIGNALS = ("answerability", "runner_up", "agree", "retrieval_score", "similarity", "coverage",
                  "best_similarity", "best_coverage", "log_rank", "top_similarity", "top_best_coverage")


@dataclass(frozen=True)
class Bands:
    """Thresholds on the probability that the answer is right, and the accuracy each band showed on
    held-out questions (what the band claims)."""

    refuse_below: float
    confident_from: float
    claims: dict[str, float] = field(default_factory=dict)

    def band(self, p: float) -> str:
        return "refused" if p < self.refuse_below else "unsure" if p < self.confident_from else "confident"


@dataclass(frozen=True)
class ConfidenceModel:
    """Both steps and the bands: what the answerer needs to turn reader scores into a decision."""

    answerability: Logistic
    confidence: Logistic
    bands: Bands
    reader_threshold: float  # step 1's own refusal point (gold-paragraph evaluation)
    fitted: dict = field(default_factory=dict)  # what it was fitted on, and how it measured

    def span_probability(self, signals: list[float]) -> float:
        """Step 1: the probability that a span answers the question, from `reader_signals(span)`."""
        return self.answerability.probability(signals)

    def answer_probability(self, signals: list[float]) -> float:
        """Step 2: the probability that the answer is right, from `answer_signals(...)`."""
        return self.confidence.probability(signals)

    def to_dict(self) -> dict:
        return {"answerability": self.answerability.to_dict(), "confidence": self.confidence.to_dict(),
                "bands": asdict(self.bands), "reader_threshold": self.reader_threshold, "fitted": self.fitted}

    @classmethod
    def from_dict(cls, data: dict) -> "ConfidenceModel":
        return cls(Logistic.from_dict(data["answerability"]), Logistic.from_dict(data["confidence"]),
                   Bands(**data["bands"]), float(data["reader_threshold"]), data.get("fitted", {}))

    @classmethod
    def raw(cls, threshold: float = 0.0) -> "ConfidenceModel":
        """For a reader whose card has no fitted model: the probability is the logistic of the reader's raw
        confidence less `threshold`, refused under one half (what the reader did before confidence models)."""
        answerability = Logistic(("confidence",), (threshold,), (1.0,), (1.0,), 0.0)
        confidence = Logistic(("answerability",), (0.0,), (1.0,), (1.0,), 0.0)
        return cls(answerability, confidence, Bands(0.5, 0.5), 0.5, {"raw": True})
