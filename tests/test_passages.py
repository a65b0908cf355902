"""The `passages` training stage: a question over its own paragraph and distractors, batches of whole
questions, and the loss that compares spans across a question's windows."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from assistant import Settings  # noqa: E402
from assistant.training.passages import article_groups, group_batches, shared_span_loss  # noqa: E402

ARTICLE = {"title": "Lighthouse", "paragraphs": [
    {"context": "The lighthouse was built in 1874 by engineer Ada Byron. Its lamp burned whale oil.",
     "qas": [{"id": "q1", "question": "Who built the lighthouse?", "answers": [{"text": "Ada Byron", "answer_start": -1}]},
             {"id": "q2", "question": "Who painted the lighthouse?", "answers": [], "is_impossible": True}]},
    {"context": "In 1920 the lighthouse keeper, Tom Hale, moved the lamp to electricity.",
     "qas": [{"id": "q3", "question": "Who was the lighthouse keeper in 1920?", "answers": [{"text": "Tom Hale", "answer_start": -1}]}]},
    {"context": "The lighthouse built on the cape was visited by Ada Byron's students.",
     "qas": []},
    {"context": "Fishing boats left the harbour at dawn.", "qas": []},
]}
for _para in ARTICLE["paragraphs"]:
    for _qa in _para["qas"]:
        for _answer in _qa["answers"]:
            _answer["answer_start"] = _para["context"].index(_answer["text"])


def test_each_question_gets_its_own_paragraph_first_then_distractors_without_its_answer():
    groups = article_groups([ARTICLE], n=2)
    assert [g[0].question for g in groups] == ["Who built the lighthouse?", "Who painted the lighthouse?",
                                              "Who was the lighthouse keeper in 1920?"]
    built, painted, keeper = groups
    assert built[0].answer == "Ada Byron" and built[0].context[built[0].answer_start:].startswith("Ada Byron")
    # the cape paragraph names Ada Byron: it would answer, so it is never a distractor for that question
    assert all("Ada Byron" not in ex.context for ex in built[1:]) and len(built) == 2
    assert painted[0].kind == "human" and painted[0].answer_start == -1
    assert all(ex.kind == "paragraph" and ex.answer_start == -1 for g in groups for ex in g[1:])
    assert all("Fishing" not in ex.context for g in groups for ex in g)  # shares no word with any question
    assert keeper[1].context.startswith("The lighthouse was built")  # the most alike paragraph comes first


def test_batches_hold_whole_questions_and_every_window_once():
    groups = [g for g in range(40) for _ in range(1 + g % 3)]
    lengths = [50 + (i * 7) % 90 for i in range(len(groups))]
    batches = group_batches(lengths, groups, batch_size=8, seed=3)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(len(groups)))
    for batch in batches:
        assert len(batch) <= 8
        for g in {groups[i] for i in batch}:
            assert all(groups[i] != g or i in batch for i in range(len(groups)))
    assert batches == group_batches(lengths, groups, batch_size=8, seed=3)  # a resumed run sees the same order


def test_the_shared_loss_compares_spans_across_a_questions_windows():
    context = torch.ones(3, 6, dtype=torch.bool)
    context[:, 0] = False  # [CLS]
    starts, ends = torch.tensor([2, 0, 0]), torch.tensor([3, 0, 0])  # the answer is in window 0, not 1 or 2
    groups = torch.tensor([7, 7, 9])  # window 2 is another question's, which has no answer
    logits = torch.zeros(3, 6)
    logits[0, 2] = logits[0, 3] = 5.0
    right = shared_span_loss(logits, logits, starts, ends, groups, context)
    distracted = logits.clone().requires_grad_()
    with torch.no_grad():
        distracted[1, 4] = 8.0  # a distractor window's token outscores the answer
    wrong = shared_span_loss(distracted, distracted, starts, ends, groups, context)
    assert float(wrong.detach()) > float(right) > 0
    wrong.backward()
    assert distracted.grad[1, 4] > 0 and distracted.grad[0, 2] < 0  # push the distractor down, the answer up
    assert float(distracted.grad[2].abs().sum()) == 0  # a question without an answer adds nothing here
    only_refusals = shared_span_loss(logits, logits, torch.zeros(3, dtype=torch.long), torch.zeros(3, dtype=torch.long),
                                     groups, context)
    assert float(only_refusals) == 0


@pytest.mark.slow
def test_the_passages_stage_trains_from_the_shipped_reader(tmp_path):
    from assistant.training.reader import STAGES, run

    data = tmp_path / "data"
    data.mkdir()
    articles = [dict(ARTICLE, title=f"Lighthouse_{i}") for i in range(9)]  # 4 test, 4 calibration, 1 trains
    for name in ("squad-v2.0-dev-24-articles-for-training.json.gz", "squad-v2.0-train-10-articles.json.gz",
                 "squad-v1.1-train.json.gz"):
        with gzip.open(data / name, "wt") as fh:
            json.dump({"data": articles[:1] if "v1.1" in name else articles}, fh)
    shipped = Path(__file__).resolve().parent.parent / "assistant" / "models" / "reader-int8.onnx"
    config = replace(STAGES["passages"], init=str(shipped), batch_size=4, max_steps=1, max_answerable=2)
    summary = run(data, Settings().model_path(), tmp_path / "run", config, progress=False)
    assert summary["steps"] == 1 and summary["kinds"]["paragraph"] >= 1 and summary["kinds"]["human"] >= 1
    log = [json.loads(line) for line in (tmp_path / "run" / "train.log.jsonl").read_text().splitlines()]
    assert log[-1]["loss"] > 0
