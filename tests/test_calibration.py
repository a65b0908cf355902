"""Abstention threshold fitting: hand-computed operating points, and the stored calibration in use."""

import pytest

from assistant import calibration
from assistant.errors import AssistantError

# (evidence, answerable, refused for another reason)
POINTS = [(0.9, True, False), (0.7, True, False), (0.5, True, False), (0.2, True, False),
          (0.6, False, False), (0.3, False, False), (0.1, False, False), (0.8, False, True)]


def test_operating_point_by_hand():
    p = calibration.operating_point(POINTS, 0.4)
    # abstains on 0.2 (answerable), 0.3, 0.1 and the refused 0.8 (unanswerable)
    assert p["false_abstention_rate"] == pytest.approx(1 / 4)
    assert p["abstention_recall"] == pytest.approx(3 / 4)
    assert p["abstention_precision"] == pytest.approx(3 / 4)


def test_fit_takes_the_highest_threshold_within_the_false_abstention_budget():
    strict = calibration.fit(POINTS, max_false_abstention=0.0)
    assert strict.threshold == pytest.approx(0.15)  # midway 0.1..0.2: higher would refuse the 0.2 answerable case
    assert strict.false_abstention_rate == 0.0 and strict.abstention_recall == pytest.approx(2 / 4)
    loose = calibration.fit(POINTS, max_false_abstention=0.25)
    assert loose.threshold == pytest.approx(0.4)  # midway 0.3..0.5
    assert loose.abstention_recall == pytest.approx(3 / 4) and loose.false_abstention_rate == pytest.approx(1 / 4)


def test_fit_keeps_every_set_within_the_budget_not_only_the_pooled_cases():
    """Pooled, the big set's margin lets the small set go to 1/2 false abstention; per set it may not."""
    big = [(0.9, True, False)] * 8 + [(0.3, False, False)] * 8
    small = [(0.5, True, False), (0.8, True, False), (0.4, False, False)]
    pooled = calibration.fit(big + small, max_false_abstention=0.125)
    assert pooled.threshold == pytest.approx(0.65)  # refuses the 0.5 answerable case: 1/10 pooled, 1/2 of the small set
    fitted = calibration.fit(big + small, max_false_abstention=0.125, sets=["big"] * 16 + ["small"] * 3)
    assert fitted.threshold == pytest.approx(0.45)
    assert fitted.false_abstention_by_set == {"big": 0.0, "small": 0.0}


def test_fit_works_on_negative_scores():
    """The reader's confidence is a log-odds margin: thresholds below zero are as good as any."""
    points = [(-1.0, True, False), (-2.0, True, False), (-4.0, False, False), (-5.0, False, False)]
    fitted = calibration.fit(points, max_false_abstention=0.0)
    assert fitted.threshold == pytest.approx(-3.0) and fitted.abstention_recall == 1.0
    nothing = calibration.fit([(-1.0, True, False), (-2.0, False, False), (-3.0, True, False)], 0.0)
    assert nothing.threshold < -3.0 and nothing.false_abstention_rate == 0.0


def test_fit_needs_both_kinds_and_round_trips(tmp_path):
    with pytest.raises(AssistantError, match="both answerable and unanswerable"):
        calibration.fit([(0.5, True, False)])
    from helpers import stored

    from assistant import Settings
    from assistant.index import Index

    fitted = calibration.fit(POINTS, 0.25, ["a.jsonl"])
    index = Index(Settings(index_dir=tmp_path))
    calibration.save(index, fitted)
    assert calibration.load(Index(Settings(index_dir=tmp_path))) == fitted
    stored(tmp_path, "UPDATE meta SET value = '{broken' WHERE key = 'calibration'")
    with pytest.raises(AssistantError, match="unreadable calibration"):
        calibration.load(index)


def test_calibrate_stores_a_threshold_the_assistant_then_uses(tmp_path, seed_settings, embeddings):
    import json
    import shutil

    from assistant import Assistant

    settings = seed_settings.model_copy(update={"index_dir": tmp_path / "index"})
    shutil.copytree(seed_settings.index_dir, settings.index_dir)
    rows = [
        {"id": "a", "question": "Who represents the Hutchins family?", "answers": ["Gloria Allred"], "sources": ["000_cee5a0d51e26243d.txt"], "answerable": True},
        {"id": "b", "question": "What is the capital of France?", "answers": [], "sources": [], "answerable": False},
    ]
    set_path = tmp_path / "set.jsonl"
    set_path.write_text("\n".join(json.dumps(r) for r in rows))
    assistant = Assistant(settings, embeddings=embeddings)
    assert assistant.questions.threshold() == (assistant.questions.reader.default_threshold, "model card")
    fitted = assistant.calibrate([set_path], max_false_abstention=0.0)
    assert fitted.false_abstention_rate == 0.0 and fitted.abstention_recall == 1.0
    assert assistant.questions.threshold() == (fitted.threshold, "calibration")
    assert assistant.questions.answerer().refuse_below == fitted.threshold
    run = assistant.evaluate(set_path)
    assert run.summary["threshold_source"] == "calibration" and run.summary["abstention_recall"] == 1.0
    override = Assistant(settings.model_copy(update={"abstain_threshold": 0.9}), embeddings=embeddings)
    assert override.questions.threshold() == (0.9, "settings")
