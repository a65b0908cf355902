"""Hand-computed checks for assistant.metrics."""

from __future__ import annotations

import math

import pytest

from assistant.metrics import (
    case_metrics,
    citation_hit,
    citation_precision,
    contains_answer,
    exact_match,
    hit_at_k,
    ndcg_at_k,
    normalize_answer,
    reciprocal_rank,
    summarize,
    token_f1,
)


def test_normalize_answer_squad_rules() -> None:
    assert normalize_answer("  The  Cat, sat!  ") == "cat sat"
    assert normalize_answer("An apple a day") == "apple day"
    assert normalize_answer("theory") == "theory"  # articles only as whole words
    assert normalize_answer("1.5-year") == "15year"


def test_exact_match_max_over_golds() -> None:
    assert exact_match("Gloria Allred.", ["Allred", "gloria allred"]) == 1.0
    assert exact_match("Allred said", ["Gloria Allred"]) == 0.0
    assert exact_match("“Rust”", ["Rust"]) == 0.0  # official SQuAD keeps non-ASCII punctuation


def test_exact_match_unanswerable_gold_is_empty_string() -> None:
    assert exact_match("", []) == 1.0
    assert exact_match("Paris", []) == 0.0


def test_token_f1_partial_overlap() -> None:
    # pred tokens [cat, sat], gold [cat, sat, down]: P=1, R=2/3 -> F1=0.8
    assert token_f1("the cat sat", ["a cat sat down"]) == pytest.approx(0.8)
    assert token_f1("the cat sat", ["dog", "a cat sat down"]) == pytest.approx(0.8)
    assert token_f1("dog", ["cat"]) == 0.0


def test_token_f1_repeated_tokens_use_counts() -> None:
    # common tokens use min counts: "x x y" vs "x y y" share x1, y1 -> P=R=2/3
    assert token_f1("x x y", ["x y y"]) == pytest.approx(2 / 3)


def test_token_f1_empty_cases() -> None:
    assert token_f1("", []) == 1.0
    assert token_f1("something", []) == 0.0
    assert token_f1("", ["Rust"]) == 0.0
    assert token_f1("the", ["Rust"]) == 0.0  # normalizes to empty


def test_contains_answer_token_boundaries() -> None:
    assert contains_answer("The film was called “Rust”.", ["Rust"])
    assert not contains_answer("The gun was rusty.", ["Rust"])
    assert contains_answer("It happened on October 21, 2021 during rehearsal", ["October 21, 2021"])
    assert contains_answer("Dyrrachium—one of the naval bases–fell", ["Dyrrachium"])  # em/en dashes part words
    assert contains_answer("the Saint-Clair treaty", ["Saint-Clair"]) and not contains_answer("Saint-Clair", ["Saint"])
    assert contains_answer("Baldwin denied blame for Hutchins’ death.", ["Hutchins' death"])
    assert contains_answer("a 1.5-year sentence", ["1.5-year"])
    assert not contains_answer("a 1.5-year sentence", ["5-year"])
    assert not contains_answer("anything", [])
    assert not contains_answer("anything", ["the"])


def test_hit_at_k() -> None:
    retrieved = ["a", "b", "c"]
    assert hit_at_k(retrieved, {"b"}, 1) == 0.0
    assert hit_at_k(retrieved, {"b"}, 2) == 1.0
    assert hit_at_k([], {"b"}, 5) == 0.0
    assert hit_at_k(retrieved, set(), 5) == 0.0
    # repeated chunks of one document count once
    assert hit_at_k(["a", "a", "b"], ["b"], 2) == 1.0


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(["a", "b", "c"], ["c", "b"]) == pytest.approx(0.5)
    assert reciprocal_rank(["x"], ["a"]) == 0.0
    assert reciprocal_rank([], ["a"]) == 0.0
    assert reciprocal_rank(["a", "a", "c"], ["c"]) == pytest.approx(0.5)


def test_ndcg_at_k() -> None:
    assert ndcg_at_k(["a", "g"], {"g"}) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k(["g", "a"], {"g"}) == pytest.approx(1.0)
    # two golds at ranks 1 and 3: (1 + 1/2) / (1 + 1/log2(3))
    assert ndcg_at_k(["g1", "x", "g2"], {"g1", "g2"}) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    # ideal DCG is capped at k relevant docs
    assert ndcg_at_k(["g1"], {"g1", "g2", "g3"}, k=1) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "g"], {"g"}, k=1) == 0.0
    assert ndcg_at_k([], {"g"}) == 0.0
    assert ndcg_at_k(["a"], set()) == 0.0
    assert ndcg_at_k(["g", "g"], {"g"}) == pytest.approx(1.0)


def test_citation_metrics() -> None:
    assert citation_hit([], {"a"}) is None
    assert citation_hit(["b", "a"], {"a"}) is True
    assert citation_hit(["b"], {"a"}) is False
    assert citation_precision([], {"a"}) is None
    assert citation_precision(["a", "b", "a"], {"a"}) == pytest.approx(0.5)
    assert citation_precision(["a"], set()) == 0.0


def test_case_metrics_answered() -> None:
    m = case_metrics(["x", "d1"], ["d1", "x"], "It was Gloria Allred.", False, ["d1"], ["Gloria Allred"], True)
    assert m["hit@1"] == 0.0 and m["hit@5"] == 1.0
    assert m["mrr"] == pytest.approx(0.5)
    assert m["ndcg@10"] == pytest.approx(1 / math.log2(3))
    assert m["em"] == 0.0
    assert m["f1"] == pytest.approx(2 * (2 / 4) * 1 / (2 / 4 + 1))  # P=2/4 ("it was gloria allred"), R=1
    assert m["contains"] is True
    assert m["citation_hit"] is True
    assert m["citation_precision"] == pytest.approx(0.5)


def test_case_metrics_abstained_and_unanswerable() -> None:
    m = case_metrics(["d1"], [], "I don't know.", True, ["d1"], ["Rust"], True)
    assert m["hit@1"] == 1.0
    assert (m["em"], m["f1"], m["contains"]) == (0.0, 0.0, False)
    assert m["citation_hit"] is None and m["citation_precision"] is None
    u = case_metrics(["d1"], ["d1"], "Paris", False, [], [], False)
    assert all(v is None for v in u.values())


def _case(answerable: bool, abstained: bool, latency: float, answer: str = "", **metrics: object) -> dict:
    keys = ["hit@1", "hit@5", "mrr", "ndcg@10", "em", "f1", "contains", "citation_hit", "citation_precision"]
    base = dict.fromkeys(keys)
    base.update(metrics)
    return {"answerable": answerable, "abstained": abstained, "latency_ms": latency, "answer": answer, **base}


def test_summarize_mixed() -> None:
    cases = [
        _case(True, False, 100, "Gloria Allred", **{"hit@1": 1.0, "hit@5": 1.0, "mrr": 1.0, "ndcg@10": 1.0,
              "em": 1.0, "f1": 1.0, "contains": True, "citation_hit": True, "citation_precision": 1.0}),
        _case(True, False, 200, "it was the film Rust", **{"hit@1": 0.0, "hit@5": 1.0, "mrr": 0.5,
              "ndcg@10": 0.6, "em": 0.0, "f1": 0.4, "contains": True, "citation_hit": False,
              "citation_precision": 0.0}),
        _case(True, False, 300, "no citations here", **{"hit@1": 0.0, "hit@5": 0.0, "mrr": 0.0,
              "ndcg@10": 0.0, "em": 0.0, "f1": 0.0, "contains": False}),
        _case(True, True, 400, "I don't know", **{"hit@1": 1.0, "hit@5": 1.0, "mrr": 1.0, "ndcg@10": 1.0}),
        _case(False, True, 500, "I don't know"),
        _case(False, False, 600, "Paris"),
    ]
    s = summarize(cases)
    assert (s["n"], s["n_answerable"], s["n_unanswerable"]) == (6, 4, 2)
    assert s["hit@1"] == pytest.approx(0.5)
    assert s["hit@5"] == pytest.approx(0.75)
    assert s["mrr"] == pytest.approx(2.5 / 4)
    assert s["ndcg@10"] == pytest.approx(2.6 / 4)
    assert s["em"] == pytest.approx(0.25)
    assert s["f1"] == pytest.approx(1.4 / 4)
    assert s["contains"] == pytest.approx(0.5)
    assert s["median_answer_words"] == 3  # word counts 2, 5, 3
    assert s["citation_hit_rate"] == pytest.approx(0.5)
    assert s["citation_precision"] == pytest.approx(0.5)
    assert s["abstention_recall"] == pytest.approx(0.5)
    assert s["false_abstention_rate"] == pytest.approx(0.25)
    assert s["latency_p50_ms"] == pytest.approx(350.0)
    assert s["latency_p95_ms"] == pytest.approx(575.0)


def test_summarize_all_abstained() -> None:
    # a stale em/f1/contains on an abstained case must still count as 0
    stale = {"hit@1": 0.0, "em": 1.0, "f1": 1.0, "contains": True}
    cases = [_case(True, True, 10, "I don't know", **stale), _case(False, True, 20)]
    s = summarize(cases)
    assert s["em"] == 0.0 and s["f1"] == 0.0 and s["contains"] == 0.0
    assert s["median_answer_words"] is None
    assert s["citation_hit_rate"] is None and s["citation_precision"] is None
    assert s["abstention_recall"] == 1.0 and s["false_abstention_rate"] == 1.0


def test_summarize_empty_and_no_unanswerable() -> None:
    s = summarize([])
    assert s["n"] == 0 and s["em"] is None and s["latency_p50_ms"] is None
    s = summarize([_case(True, False, 5, "x", em=1.0, f1=1.0, contains=True)])
    assert s["abstention_recall"] is None and s["false_abstention_rate"] == 0.0


def test_citation_markers_are_not_part_of_the_answer():
    from assistant.metrics import case_metrics, strip_markers, summarize

    assert strip_markers("Gloria Allred represents them [1] and [12].") == "Gloria Allred represents them and."
    for lead in ("Not sure — the closest passage says: ", "Not sure — the closest passages say: "):  # nor its band's
        assert strip_markers(f"{lead}The bridge reopened. [1]") == "The bridge reopened."
    m = case_metrics(["d"], ["d"], "Gloria Allred [1]", False, ["d"], ["Gloria Allred"], True)
    assert m["em"] == 1.0 and m["f1"] == 1.0
    case = {**m, "answerable": True, "abstained": False, "latency_ms": 1.0, "answer": "Gloria Allred [1]"}
    assert summarize([case])["median_answer_words"] == 2
