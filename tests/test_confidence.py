"""The confidence model: its pieces, the bands, and the eval curves that show the trade-off."""

import math

from assistant.confidence import Bands, ConfidenceModel, Logistic
from assistant.metrics import answer_right, coverage_risk, reliability
from assistant.reader import Span
from assistant.training.confidence import Served, choose_bands


def test_a_logistic_model_round_trips_through_json_and_is_a_probability():
    model = Logistic(("a", "b"), (1.0, 0.0), (2.0, 1.0), (1.5, -0.5), 0.25)
    again = Logistic.from_dict(model.to_dict())
    assert again == model
    z = 0.25 + 1.5 * (3.0 - 1.0) / 2.0 - 0.5 * 1.0
    assert math.isclose(model.probability([3.0, 1.0]), 1 / (1 + math.exp(-z)))
    assert 0.0 < model.probability([-1e9, 1e9]) < 1e-10  # clipped, no overflow


def test_a_card_without_a_fitted_model_keeps_the_raw_threshold_decision():
    raw = ConfidenceModel.raw(threshold=-2.0)
    for confidence in (-5.0, -2.5, -1.5, 4.0):
        span = Span(0, 0, 4, "Lena", 3.0, confidence, 0.0)
        p1 = raw.answerability.probability([span.confidence])
        p = raw.confidence.probability([math.log(p1 / (1 - p1))])
        assert (p >= raw.bands.refuse_below) == (confidence >= -2.0)


def test_bands_split_at_their_thresholds():
    bands = Bands(0.3, 0.7)
    assert [bands.band(p) for p in (0.1, 0.3, 0.69, 0.7, 0.99)] == ["refused", "unsure", "unsure", "confident", "confident"]


def test_chosen_bands_keep_false_refusals_in_bound_and_confident_answers_precise():
    served = ([Served([1.0], True, True, False)] * 60 + [Served([1.0], False, True, False)] * 20
              + [Served([1.0], False, False, False)] * 40 + [Served([], False, True, True)] * 2)
    p = [0.9 - 0.005 * i for i in range(60)] + [0.5 - 0.01 * i for i in range(20)] + [0.2 + 0.005 * i for i in range(40)] + [0.0, 0.0]
    bands = choose_bands(p, served)
    answerable = [(pi, s) for pi, s in zip(p, served) if s.answerable]
    refused = sum(s.refused or pi < bands.refuse_below for pi, s in answerable)
    assert refused <= 0.10 * len(answerable)
    confident = [s.right for pi, s in zip(p, served) if pi >= bands.confident_from and not s.refused]
    assert sum(confident) / len(confident) >= 0.8
    assert bands.claims["confident"] >= 0.8 and bands.refuse_below <= bands.confident_from


def test_coverage_risk_and_reliability_on_a_known_set():
    points = [(0.9, True), (0.8, True), (0.6, False), (0.3, False), (None, False)]
    curve = coverage_risk(points, steps=4)
    assert curve[0] == {"threshold": 0.9, "coverage": 0.2, "accuracy": 1.0}
    assert curve[-1] == {"threshold": 0.3, "coverage": 0.8, "accuracy": 0.5}
    bins = reliability(points, bins=2)
    assert bins == [{"bin": "0.0-0.5", "predicted": 0.3, "accuracy": 0.0, "n": 1},
                    {"bin": "0.5-1.0", "predicted": 0.7667, "accuracy": 0.6667, "n": 3}]


def test_an_unanswerable_question_has_no_right_answer():
    assert answer_right("Lena Ortiz", ["Lena Ortiz"], True)
    assert not answer_right("Lena Ortiz", [], False) and not answer_right("", ["Lena Ortiz"], True)


def test_the_refusal_point_holds_for_every_domain_after_rounding():
    """News answers score lower than SQuAD's: the point must keep both within bound, and rounding it to 4
    decimals must not refuse the answerable question it was placed at (it once did: 0.152597 → 0.1526)."""
    squad = [Served([1.0], True, True, False, "squad")] * 50
    news = [Served([1.0], True, True, False, "news")] * 10 + [Served([1.0], False, False, False, "news")] * 10
    p = [0.5 + 0.001 * i for i in range(50)] + [0.040, 0.152597] + [0.3 + 0.01 * i for i in range(8)] + [0.1] * 10
    bands = choose_bands(p, squad + news)
    for domain in ("squad", "news"):
        answerable = [pi for pi, s in zip(p, squad + news) if s.domain == domain and s.answerable]
        assert sum(pi < bands.refuse_below for pi in answerable) <= 0.10 * len(answerable)
    assert bands.refuse_below == 0.1525
