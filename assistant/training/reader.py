"""Fine-tuning the packaged MiniLM into an extractive reader on CPU: `assistant train-reader`.

Model: the MiniLM encoder, a linear start/end head on every token and a no-answer head on `[CLS]`.
Loss: cross-entropy of the start and of the end position (a refusal points both at `[CLS]`, as in
SQuAD 2.0 training), plus binary cross-entropy of the no-answer head, which gives abstention a score of
its own instead of only the span-vs-null margin.

CPU practicalities: bf16 autocast (~2.3x faster than fp32 on AVX-512 BF16), batches of similar length
(little padding), a checkpoint every `checkpoint_every` steps that `--resume` continues from with the
same data order (the order is a function of the seed), a tqdm bar with loss and ETA, and a JSON-lines log.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import AssistantError
from ..reader import Window, Windower, pad
from .reader_data import Example

CHECKPOINT = "checkpoint.pt"
FINAL = "reader.pt"
LOG = "train.log.jsonl"
MISMATCH = "the checkpoint was written with other training settings or data; start afresh without --resume"


@dataclass
class TrainConfig:
    """Everything that decides the trained weights; stored with every checkpoint and in the model card."""

    max_answerable: int | None = 65000
    negative_rate: tuple[float, float, float] = (0.15, 0.15, 0.15)  # sentence, paragraph, swap, per question
    human_repeat: int = 4
    max_len: int = 256
    stride: int = 96
    batch_size: int = 32
    lr: float = 6e-5
    warmup: float = 0.06
    weight_decay: float = 0.01
    na_weight: float = 0.5
    max_steps: int | None = None  # stop early (tests, quick runs); the schedule still spans the whole pass
    seed: int = 13
    checkpoint_every: int = 200
    # the second stage (`stage="squad2"`): start from a trained reader (`init`: a reader.pt, or a shipped ONNX
    # file, dequantized) and train on SQuAD 2.0's crowd-written refusals with `max_answerable` SQuAD 1.1 replayed
    stage: str = "base"
    init: str = ""
    epochs: int = 1


# The two stages `make reader` runs: SQuAD 1.1 with generated refusals from the base encoder, then SQuAD 2.0's
# crowd-written refusals from the first stage's weights (a lower rate: the reader already reads).
STAGES = {
    "base": TrainConfig(),
    "squad2": TrainConfig(stage="squad2", max_answerable=6000, negative_rate=(0.1, 0.1, 0.1), human_repeat=1,
                          lr=3e-5, na_weight=1.0, epochs=2, checkpoint_every=100),
}


@dataclass(frozen=True)
class Feature:
    window: Window
    start: int  # token index of the answer's first token, 0 ([CLS]) for no answer in this window
    end: int


def features(examples: list[Example], windower: Windower) -> list[Feature]:
    """Windows with their labels; a window that cuts the answer off is a "no answer here" window."""
    questions = windower.encode([ex.question for ex in examples])
    unique = list(dict.fromkeys(ex.context for ex in examples))
    contexts = dict(zip(unique, windower.encode(unique)))
    out = []
    for ex, q in zip(examples, questions):
        a0, a1 = ex.answer_start, ex.answer_start + len(ex.answer)
        for w in windower.windows(q.ids, 0, contexts[ex.context]):
            start = end = 0
            if ex.answer_start >= 0:
                toks = [i for i, (s, e) in enumerate(w.offsets) if e > s and s < a1 and e > a0]
                if toks and w.offsets[toks[0]][0] <= a0 and w.offsets[toks[-1]][1] >= a1:
                    start, end = toks[0], toks[-1]
            out.append(Feature(w, start, end))
    return out


def batches(feats: list[Feature], batch_size: int, seed: int) -> list[list[int]]:
    """Index batches of similar length, in an order fixed by the seed (so a resumed run sees the same data)."""
    rng = random.Random(seed)
    order = list(range(len(feats)))
    rng.shuffle(order)
    pool = batch_size * 64
    out = []
    for i in range(0, len(order), pool):
        chunk = sorted(order[i:i + pool], key=lambda j: len(feats[j].window.ids))
        out += [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out


def build_model(model_path: Path):
    """MiniLM with a span head and a no-answer head; weights of the heads start small and random."""
    import torch
    from torch import nn
    from transformers import AutoModel

    class SpanReader(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # no dropout on attention probabilities: on CPU its random masks took ~40 % of a training step
            self.encoder = AutoModel.from_pretrained(str(model_path), local_files_only=True,
                                                     attn_implementation="eager", attention_probs_dropout_prob=0.0)
            hidden = self.encoder.config.hidden_size
            self.span = nn.Linear(hidden, 2)
            self.no_answer = nn.Linear(hidden, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            start, end = self.span(states).unbind(-1)
            return start, end, self.no_answer(states[:, 0]).squeeze(-1)

    torch.manual_seed(0)
    return SpanReader()


def loss_fn(model, batch: dict, starts, ends, na_weight: float):
    import torch.nn.functional as F

    start, end, na = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    allowed = batch["token_type_ids"].bool() & batch["attention_mask"].bool()
    allowed[:, 0] = True  # [CLS] is the "no answer" position
    start = start.float().masked_fill(~allowed, -1e4)
    end = end.float().masked_fill(~allowed, -1e4)
    span = (F.cross_entropy(start, starts) + F.cross_entropy(end, ends)) / 2
    refusal = F.binary_cross_entropy_with_logits(na.float(), (starts == 0).float())
    return span + na_weight * refusal, span.detach(), refusal.detach()


def _atomic_save(obj, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(examples: list[Example], model_path: Path, out_dir: Path, config: TrainConfig, resume: bool = False,
          threads: int = 2, progress: bool = True) -> dict:
    """Train `config.epochs` passes over `examples`; returns the summary written beside the weights."""
    import torch
    from tqdm import tqdm

    torch.set_num_threads(threads)
    out_dir.mkdir(parents=True, exist_ok=True)
    windower = Windower(model_path / "tokenizer.json", config.max_len, config.stride)
    ckpt = out_dir / CHECKPOINT
    state = torch.load(ckpt, weights_only=False) if resume and ckpt.exists() else None
    # refused before the windows and the model are built (seconds): other settings never resume
    if state and {k: v for k, v in state["config"].items() if k != "max_steps"} != {
            k: v for k, v in asdict(config).items() if k != "max_steps"}:
        raise AssistantError(MISMATCH)
    feats = features(examples, windower)
    order = [b for epoch in range(config.epochs) for b in batches(feats, config.batch_size, config.seed + epoch)]
    total = len(order) if config.max_steps is None else min(len(order), config.max_steps)
    schedule_steps = len(order)
    model = build_model(model_path)
    if config.init:
        model.load_state_dict(initial_weights(Path(config.init)), strict=False)  # the pooler is unused
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
         "weight_decay": config.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.lr, fused=True)
    warmup = max(1, int(config.warmup * schedule_steps))

    def lr_at(step: int) -> float:
        return step / warmup if step < warmup else max(0.0, (schedule_steps - step) / max(1, schedule_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)
    step, elapsed = 0, 0.0
    if state:
        if state["features"] != len(feats):
            raise AssistantError(MISMATCH)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, elapsed = state["step"], state["elapsed"]
    torch.manual_seed(config.seed + step)
    model.train()
    log = open(out_dir / LOG, "a", encoding="utf-8")
    bar = tqdm(total=total, initial=step, unit="step", desc="train-reader", disable=not progress, smoothing=0.05)
    began = time.monotonic() - elapsed
    running = None
    while step < total:
        idx = order[step]
        arrays = {k: torch.from_numpy(v) for k, v in pad([feats[i].window for i in idx], 32).items()}
        starts = torch.tensor([feats[i].start for i in idx])
        ends = torch.tensor([feats[i].end for i in idx])
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss, span_loss, na_loss = loss_fn(model, arrays, starts, ends, config.na_weight)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        value = float(loss.detach())
        running = value if running is None else 0.98 * running + 0.02 * value
        bar.update(1)
        bar.set_postfix(loss=f"{running:.3f}", lr=f"{scheduler.get_last_lr()[0]:.1e}")
        if step % 50 == 0 or step == total:
            log.write(json.dumps({"step": step, "loss": round(running, 4), "span": round(float(span_loss), 4),
                                  "no_answer": round(float(na_loss), 4), "lr": scheduler.get_last_lr()[0],
                                  "seconds": round(time.monotonic() - began, 1)}) + "\n")
            log.flush()
        if step % config.checkpoint_every == 0 or step == total:
            _atomic_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                          "scheduler": scheduler.state_dict(), "step": step, "config": asdict(config),
                          "features": len(feats), "elapsed": time.monotonic() - began}, ckpt)
    bar.close()
    log.close()
    seconds = time.monotonic() - began
    summary = {"steps": step, "schedule_steps": schedule_steps, "features": len(feats), "examples": len(examples),
               "train_seconds": round(seconds), "config": asdict(config)}
    _atomic_save({"model": model.state_dict(), "summary": summary}, out_dir / FINAL)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def initial_weights(path: Path) -> dict:
    """The state dict to start the second stage from: a `reader.pt`/checkpoint, or a shipped ONNX reader."""
    import torch

    if not path.exists():
        raise AssistantError(f"{path} not found: the second stage starts from a trained reader")
    if path.suffix == ".onnx":
        from .export import onnx_state_dict

        return onnx_state_dict(path)
    return torch.load(path, weights_only=False)["model"]


def load_trained(model_path: Path, weights: Path):
    """The torch reader from a `reader.pt` (or checkpoint) file, in eval mode."""
    import torch

    model = build_model(model_path)
    model.load_state_dict(torch.load(weights, weights_only=False)["model"])
    return model.eval()


def run(data_dir: Path, model_path: Path, out_dir: Path, config: TrainConfig, resume: bool = False,
        threads: int = 2, progress: bool = True) -> dict:
    """Build the examples from `data_dir` (SQuAD files) and train; what `assistant train-reader` runs."""
    from .reader_data import build, build_squad2, summary

    rates = dict(zip(("sentence", "paragraph", "swap"), config.negative_rate))
    if config.stage == "squad2":
        examples = build_squad2(data_dir, config.max_answerable or 0, rates, config.human_repeat, config.seed)
    else:
        examples = build(data_dir, config.max_answerable, rates, config.human_repeat, config.seed)
    result = train(examples, model_path, out_dir, config, resume, threads, progress)
    result["kinds"] = summary(examples)
    (out_dir / "summary.json").write_text(json.dumps(result, indent=2))
    return result
