"""The reader: training data, windows, a few real training steps (never a real run), the shipped model."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Settings
from assistant.errors import AssistantError
from assistant.reader import Reader, Windower
from assistant.training.reader import features
from assistant.training.reader_data import build, read_squad, squad11_examples

ARTICLES = [
    {"title": "Harbour_Bridge", "paragraphs": [
        {"context": "The Harbour Bridge was opened in 1932 by Premier Jack Lang. It carries rail and road traffic. "
                    "Opponents, led by councillor Tomas Rudd, said the toll was too high.",
         "qas": [{"id": "a1", "question": "Who opened the Harbour Bridge?", "answers": [{"text": "Jack Lang", "answer_start": -1}]},
                 {"id": "a2", "question": "Who led the opponents of the bridge?", "answers": [{"text": "Tomas Rudd", "answer_start": -1}]},
                 {"id": "a3", "question": "When was the Harbour Bridge opened?", "answers": [{"text": "1932", "answer_start": -1}]}]},
        {"context": "In 1998 the bridge was repainted by a crew of 40 under engineer Mary Holt. Painting took "
                    "three years and used 30,000 litres of paint.",
         "qas": [{"id": "a4", "question": "How long did painting take?", "answers": [{"text": "three years", "answer_start": -1}]},
                 {"id": "a5", "question": "Who led the crew that repainted the bridge in 1998?", "answers": [{"text": "Mary Holt", "answer_start": -1}]}]},
    ]},
]


for _para in ARTICLES[0]["paragraphs"]:
    for _qa in _para["qas"]:
        _qa["answers"][0]["answer_start"] = _para["context"].index(_qa["answers"][0]["text"])


def write_data(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "squad-v1.1-train.json.gz", "wt") as fh:
        json.dump({"data": ARTICLES}, fh)
    v2 = json.loads(json.dumps(ARTICLES))
    v2[0]["paragraphs"][0]["qas"].append({"id": "n1", "question": "Who closed the Harbour Bridge?", "answers": [],
                                          "is_impossible": True})
    with gzip.open(folder / "squad-v2.0-train-10-articles.json.gz", "wt") as fh:
        json.dump({"data": v2}, fh)
    return folder


def test_negatives_of_every_kind_lack_the_answer(tmp_path):
    import random

    rates = {"sentence": 1.0, "paragraph": 1.0, "swap": 1.0}
    examples = list(squad11_examples(read_squad(write_data(tmp_path) / "squad-v1.1-train.json.gz"), random.Random(0), rates))
    answers = {qa["question"]: qa["answers"][0]["text"] for p in ARTICLES[0]["paragraphs"] for qa in p["qas"]}
    kinds = {ex.kind for ex in examples}
    assert {"answer", "sentence", "paragraph", "swap"} <= kinds
    for ex in examples:
        if ex.kind == "answer":
            assert ex.context[ex.answer_start:ex.answer_start + len(ex.answer)] == ex.answer
        elif ex.kind in ("sentence", "paragraph"):
            assert ex.answer_start == -1 and answers[ex.question] not in ex.context
        else:  # swap: a name or number the paragraph has is replaced by one of the article's that it lacks
            assert ex.question not in answers and ex.answer_start == -1
    assert "Who opened the Harbour Bridge?" in [ex.question for ex in examples if ex.kind == "sentence"]
    human = [ex for ex in build(tmp_path, human_repeat=2) if ex.kind == "human"]
    assert [ex.question for ex in human] == ["Who closed the Harbour Bridge?"] * 2


def test_windows_overlap_and_labels_point_at_the_answer_text():
    windower = Windower(Settings().model_path() / "tokenizer.json", max_len=48, stride=16)
    from assistant.training.reader_data import Example

    context = " ".join(f"Sentence {i} mentions nothing." for i in range(30)) + " The keeper was Ada Byron."
    start = context.index("Ada Byron")
    feats = features([Example("Who was the keeper?", context, "Ada Byron", start, "answer")], windower)
    assert len(feats) > 3 and all(len(f.window.ids) <= 48 for f in feats)
    labelled = [f for f in feats if f.start]
    assert len(labelled) >= 1
    for f in labelled:
        assert context[f.window.offsets[f.start][0]:f.window.offsets[f.end][1]] == "Ada Byron"
    firsts = [next(o for o in f.window.offsets if o[0] >= 0)[0] for f in feats]
    lasts = [max(o[1] for o in f.window.offsets) for f in feats]
    assert all(b < a_end for b, a_end in zip(firsts[1:], lasts)), "consecutive windows share tokens"


@pytest.mark.slow
def test_train_reader_runs_a_few_steps_logs_and_resumes(tmp_path):
    """Real training code on a handful of examples (two steps), then --resume continues to a third."""
    data, out = write_data(tmp_path / "data"), tmp_path / "run"
    base = [sys.executable, "-m", "assistant.cli", "train-reader", "--data", str(data), "--out", str(out), "--batch-size", "4"]
    done = subprocess.run(base + ["--max-steps", "2"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "trained 2 steps" in done.stdout
    assert (out / "checkpoint.pt").exists() and (out / "reader.pt").exists()
    log = [json.loads(line) for line in (out / "train.log.jsonl").read_text().splitlines()]
    assert log[-1]["step"] == 2 and log[-1]["loss"] > 0
    resumed = subprocess.run(base + ["--max-steps", "3", "--resume"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "trained 3 steps" in resumed.stdout
    other = subprocess.run(base + ["--max-steps", "4", "--resume", "--seed", "7"], capture_output=True, text=True,
                           timeout=600)
    assert other.returncode == 1 and "other training settings" in other.stderr


def test_the_shipped_reader_finds_the_span_and_refuses_an_unrelated_question():
    settings = Settings()
    reader = Reader(Path(__file__).resolve().parent.parent / "assistant" / "models" / "reader-int8.onnx",
                    settings.model_path() / "tokenizer.json")
    passage = ("Prominent attorney Gloria Allred, who represents Hutchins' relatives, announced at a press conference "
               "that they are committed to holding Baldwin accountable.")
    span = reader.read("Who represents the Hutchins family?", [passage])[0]
    assert span.text == "Gloria Allred" and span.confidence > 0
    refused = reader.read("What is the boiling point of mercury?", [passage])[0]
    assert refused.confidence < span.confidence


@pytest.mark.parametrize("damage", ["missing", "not onnx", "one byte changed"])
def test_a_missing_or_damaged_model_names_the_command_that_rebuilds_it(tmp_path, damage):
    import shutil

    shipped = Path(__file__).resolve().parent.parent / "assistant" / "models"
    path = tmp_path / "reader-int8.onnx"
    if damage == "not onnx":
        path.write_bytes(b"not an onnx model")
    elif damage == "one byte changed":
        shutil.copy(shipped / "reader.json", tmp_path / "reader.json")
        data = bytearray((shipped / "reader-int8.onnx").read_bytes())
        data[len(data) // 2] ^= 0xFF  # a weight, not the header: the file still loads, only the checksum tells
        path.write_bytes(bytes(data))
    with pytest.raises(AssistantError, match="make reader") as error:
        Reader(path, Settings().model_path() / "tokenizer.json")
    assert {"missing": "not found", "not onnx": "cannot be loaded", "one byte changed": "damaged"}[damage] in str(error.value)


@pytest.mark.slow
def test_the_shipped_int8_reader_comes_back_as_torch_weights_that_read_alike():
    """`onnx_state_dict` dequantizes the shipped model, so training can continue from it (stage squad2)."""
    import numpy as np
    import torch

    from assistant.training.export import onnx_state_dict
    from assistant.training.reader import build_model

    settings = Settings()
    shipped = Path(__file__).resolve().parent.parent / "assistant" / "models" / "reader-int8.onnx"
    model = build_model(settings.model_path())
    missing = model.load_state_dict(onnx_state_dict(shipped), strict=False).missing_keys
    assert set(missing) <= {"encoder.pooler.dense.weight", "encoder.pooler.dense.bias"}
    reader = Reader(shipped, settings.model_path() / "tokenizer.json")
    passage = "Prominent attorney Gloria Allred, who represents Hutchins' relatives, announced a civil lawsuit."
    q, c = reader.windower.encode(["Who represents the Hutchins family?", passage])
    window = reader.windower.windows(q.ids, 0, c)[0]
    from assistant.reader import pad

    arrays = pad([window])
    with torch.no_grad():
        start, _, na = model.eval()(**{k: torch.from_numpy(v) for k, v in arrays.items()})
    onnx_start, _, onnx_na = reader.session.run(None, arrays)
    assert int(np.argmax(start[0].numpy())) == int(np.argmax(onnx_start[0]))
    assert abs(float(na[0]) - float(onnx_na[0])) < 0.5


@pytest.mark.slow
def test_the_second_stage_starts_from_the_shipped_model_and_trains_on_human_refusals(tmp_path):
    data, out = write_data(tmp_path / "data"), tmp_path / "run"
    v2 = json.loads(json.dumps(ARTICLES))
    v2[0]["paragraphs"][0]["qas"].append({"id": "n2", "question": "Who painted the bridge in 1932?", "answers": [],
                                          "is_impossible": True})
    with gzip.open(data / "squad-v2.0-dev-24-articles-for-training.json.gz", "wt") as fh:  # 9 articles: 4 + 4 + 1
        json.dump({"data": [dict(v2[0], title=f"Bridge_{i}") for i in range(9)]}, fh)
    shipped = Path(__file__).resolve().parent.parent / "assistant" / "models" / "reader-int8.onnx"
    done = subprocess.run([sys.executable, "-m", "assistant.cli", "train-reader", "--stage", "squad2", "--init",
                           str(shipped), "--data", str(data), "--out", str(out), "--batch-size", "4", "--max-steps", "2",
                           "--max-answerable", "3"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "trained 2 steps" in done.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"]["stage"] == "squad2" and summary["kinds"]["human"] >= 2
    no_init = subprocess.run([sys.executable, "-m", "assistant.cli", "train-reader", "--stage", "squad2", "--data",
                              str(data), "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert no_init.returncode == 2 and "--init" in no_init.stderr


def test_a_span_repeating_the_question_or_not_of_its_form_gives_way_to_the_next_best():
    import re

    import numpy as np

    from assistant.reader import Window, answer_check, best_span

    passage = "Ariel Sharon handed control to Ehud Olmert on 4 January"
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", passage)]
    window = Window(0, [0] * (len(words) + 2), [0] * (len(words) + 2), [(-1, -1)] + words + [(-1, -1)])
    start, end = np.full(len(window.ids), -5.0), np.full(len(window.ids), -5.0)
    start[1], end[2] = 4.0, 8.0  # "Ariel Sharon", the reader's favourite
    start[6], end[7] = 5.0, 5.0  # "Ehud Olmert"
    start[9], end[10] = 5.5, 3.0  # "4 January"
    follow_up = "Who runs Israel while he is ill? (Ariel Sharon)"
    assert best_span(window, start, end, -1.0, passage).text == "Ariel Sharon"  # nothing checked: the best as it is
    span = best_span(window, start, end, -1.0, passage, answer_check(follow_up))
    assert span.text == "Ehud Olmert" and span.fits and span.score == 10.0 and span.margin == 10.0 - (start[0] + end[0])
    choice = "Was Ariel Sharon or Ehud Olmert in charge?"  # answered by one of its own words
    assert best_span(window, start, end, -1.0, passage, answer_check(choice)).text == "Ariel Sharon"
    count = best_span(window, start, end, -1.0, passage, answer_check("How many days did Sharon rule?"))
    assert count.text == "4 January" and count.fits  # "how many": a quantity, not the names scored higher
    none = best_span(window, start, end, -1.0, passage, answer_check("How many days did Olmert rule?"), tries=2)
    assert none.text == "Ariel Sharon" and not none.fits  # none of its 2 best is a quantity: the best, marked


def test_how_many_and_how_much_are_answered_by_a_quantity():
    from assistant.forms import fits

    for span in ("14", "fourteen", "a dozen", "US$1.5 billion", "twice", "several hundred", "half"):
        assert fits("How many times was he stabbed?", span), span
    for span in ("whilst on stage", "oyamel fir", "finance"):
        assert not fits("How much forest did they occupy?", span), span
    assert fits("Who was stabbed?", "whilst on stage")


def test_a_long_request_is_read_from_its_last_question_not_cut_after_its_first_words():
    from tokenizers import Tokenizer

    from assistant.reader import MAX_QUESTION_TOKENS, question_tokens

    tokenizer = Tokenizer.from_file(str(Settings().model_path() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()

    def read(question: str) -> str:
        encoded = tokenizer.encode(question, add_special_tokens=False)
        return tokenizer.decode(question_tokens(encoded.ids, encoded.offsets, question))

    assert read("Who founded Metronet?") == "who founded metronet?"
    rambling = "I have read a lot about the tube upgrade and its contracts over the years. " * 6
    assert read(rambling + "So who founded Metronet? (London)") == "so who founded metronet? ( london )"
    one_sentence = "I keep wondering, " + "having followed the tube upgrade and its contracts, " * 6 + "who founded it?"
    said = read(one_sentence)
    assert said.endswith("who founded it?") and len(tokenizer.encode(said, add_special_tokens=False).ids) <= MAX_QUESTION_TOKENS
    no_question = "Tell me about the tube upgrade " * 20
    assert read(no_question).startswith("tell me about the tube upgrade")
