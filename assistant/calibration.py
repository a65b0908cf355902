"""Adapt the refusal threshold to a user's labelled question sets and keep it with the index.

Each case gives one point: the confidence of its answer (the probability that it is right, from the
shipped confidence model) and whether the question is answerable. The threshold is the point that refuses
as many unanswerable questions as possible while wrongly refusing at most `max_false_abstention` of the
answerable ones, in every set on its own: pooled, a large set's margin would hide a small set far over it.
Cases refused for other reasons (no answer span at all, too vague) count as refusals at every threshold.
A threshold outside 0–1 was fitted on the reader's raw score, before confidence models, and is not used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from .errors import AssistantError


@dataclass(frozen=True)
class Calibration:
    """A chosen abstention threshold and how it performed on the sets it was fitted on."""

    threshold: float
    abstention_precision: float | None
    abstention_recall: float | None
    false_abstention_rate: float | None
    n_answerable: int
    n_unanswerable: int
    fitted_on: list[str]
    max_false_abstention: float
    date: str = ""
    false_abstention_by_set: dict[str, float | None] = field(default_factory=dict)


def operating_point(points: list[tuple[float, bool, bool]], threshold: float) -> dict:
    """Abstention precision/recall and false-abstention rate at `threshold`.

    `points` are `(evidence, answerable, refused)`; a case abstains if refused or evidence < threshold.
    """
    abstained = [(answerable, refused or evidence < threshold) for evidence, answerable, refused in points]
    n_ans = sum(1 for a, _ in abstained if a)
    n_unans = len(abstained) - n_ans
    abst = [a for a, x in abstained if x]
    return {
        "abstention_precision": (sum(1 for a in abst if not a) / len(abst)) if abst else None,
        "abstention_recall": (sum(1 for a in abst if not a) / n_unans) if n_unans else None,
        "false_abstention_rate": (sum(1 for a in abst if a) / n_ans) if n_ans else None,
    }


def fit(points: list[tuple[float, bool, bool]], max_false_abstention: float = 0.10, fitted_on: list[str] | None = None,
        sets: list[str] | None = None) -> Calibration:
    """The highest threshold whose false-abstention rate stays within `max_false_abstention`, pooled and in
    each set (`sets[i]` names the set of `points[i]`)."""
    if not any(a for _, a, _ in points) or all(a for _, a, _ in points):
        raise AssistantError("calibration needs both answerable and unanswerable cases")
    groups: dict[str, list] = {}
    for point, name in zip(points, sets or [""] * len(points)):
        groups.setdefault(name, []).append(point)

    def by_set(t: float) -> dict[str, float | None]:
        return {name: operating_point(group, t)["false_abstention_rate"] for name, group in groups.items()}

    # Candidates sit midway between neighbouring observed scores: the most margin on both sides.
    # Scores may be negative (the reader's confidence); below the lowest one nothing abstains on the threshold.
    scores = sorted({e for e, _, _ in points})
    best = scores[0] - 1e-6
    for t in [(a + b) / 2 for a, b in zip(scores, scores[1:])] + [scores[-1] + 1e-6]:
        rates = [operating_point(points, t)["false_abstention_rate"], *by_set(t).values()]
        if all((r or 0.0) <= max_false_abstention for r in rates):
            best = max(best, t)
    point = operating_point(points, best)
    return Calibration(
        threshold=best, n_answerable=sum(1 for _, a, _ in points if a), n_unanswerable=sum(1 for _, a, _ in points if not a),
        fitted_on=fitted_on or [], max_false_abstention=max_false_abstention,
        date=dt.datetime.now().isoformat(timespec="seconds"), false_abstention_by_set=by_set(best) if sets else {}, **point,
    )


def save(index, calibration: Calibration) -> None:
    """Keep the fitted threshold in the index's store (it belongs to that index's documents)."""
    index.set_calibration(asdict(calibration))


def load(index) -> Calibration | None:
    try:
        stored = index.calibration()
        return None if stored is None else Calibration(**stored)
    except (TypeError, ValueError) as exc:
        raise AssistantError(f"{index.root}: unreadable calibration ({exc}); run `assistant calibrate` again") from None
