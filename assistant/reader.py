"""The extractive reader at run time: question + passages in, the best answer span and a no-answer score out.

One encoder pass per window of `[CLS] question [SEP] passage part [SEP]` gives, for every passage token, a
start and an end logit, plus a no-answer logit from the `[CLS]` state (see `training.reader`). A span's score is
its start + end logit; its margin over the window's null score (the `[CLS]` start + end) says how much the model
prefers it to "no answer here". The same windowing code builds the training features, so training and
inference see identical inputs.

The model ships as int8 ONNX (`assistant/models/reader-int8.onnx`) and runs on ONNX Runtime, without torch.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .errors import AssistantError
from .forms import fits
from .text import words

MODEL_DIR = Path(__file__).parent / "models"
MODEL_FILE = "reader-int8.onnx"
CARD_FILE = "reader.json"
REBUILD = "make reader (or: assistant train-reader && assistant export-reader)"
MAX_QUESTION_TOKENS = 64
MAX_ANSWER_TOKENS = 30
ARTICLES = frozenset({"a", "an", "the"})  # a span's articles are not words it says ("the Normans")


@dataclass(frozen=True)
class Window:
    """One encoder input: token ids, and for each token its character span in the passage (or (-1, -1))."""

    passage: int
    ids: list[int]
    type_ids: list[int]
    offsets: list[tuple[int, int]]


@dataclass(frozen=True)
class Span:
    """The reader's best answer in one passage: character offsets in that passage and its scores."""

    passage: int
    start: int
    end: int
    text: str
    score: float      # start + end logit of the span
    margin: float     # span score minus the window's null score: > 0 means the model prefers this answer
    no_answer: float  # the no-answer head's logit for the window (> 0: no answer)
    fits: bool = True  # passes `answer_check`; False: the window's best span, none of its best passing it

    @property
    def confidence(self) -> float:
        """How sure the model is that this span answers: its margin over "no answer" minus the no-answer logit."""
        return self.margin - self.no_answer


@dataclass(frozen=True)
class Reading:
    """The reader's raw output for one question over some texts: each window with its logits."""

    windows: list[Window]
    start: np.ndarray  # (windows, tokens) start logits
    end: np.ndarray  # (windows, tokens) end logits
    no_answer: np.ndarray  # (windows,) no-answer logits
    texts: tuple[str, ...] = ()  # what was read: window offsets are into these
    bases: tuple[int, ...] | None = None  # where each text begins in its document (None: texts are whole chunks)


class Windower:
    """Split passages into overlapping windows that fit the encoder beside the question."""

    def __init__(self, tokenizer_file: Path, max_len: int = 256, stride: int = 96) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.cls = self.tokenizer.token_to_id("[CLS]")
        self.sep = self.tokenizer.token_to_id("[SEP]")
        self.max_len = max_len
        self.stride = stride

    def encode(self, texts: list[str]):
        return self.tokenizer.encode_batch(texts, add_special_tokens=False)

    def windows(self, question_ids: list[int], passage: int, context) -> list[Window]:
        """Windows over one encoded passage; consecutive windows share `stride` tokens."""
        q = [self.cls] + question_ids[:MAX_QUESTION_TOKENS] + [self.sep]
        room = self.max_len - len(q) - 1
        ids, offsets = context.ids, context.offsets
        out, begin = [], 0
        while True:
            part = slice(begin, begin + room)
            w_ids = q + ids[part] + [self.sep]
            w_off = [(-1, -1)] * len(q) + list(offsets[part]) + [(-1, -1)]
            out.append(Window(passage, w_ids, [0] * len(q) + [1] * (len(w_ids) - len(q)), w_off))
            if begin + room >= len(ids):
                return out
            begin += max(1, room - self.stride)


def question_tokens(ids: list[int], offsets: list[tuple[int, int]], question: str) -> list[int]:
    """The question's tokens the reader reads: all of a question of at most MAX_QUESTION_TOKENS; of a longer
    request, its last question, from the start of the sentence asking it (of a sentence too long, the words
    before its question mark: "… so who were the shareholders of Metronet?"), not its first words, which were
    all a reader cut at the limit saw."""
    asked = question.rfind("?")
    if len(ids) <= MAX_QUESTION_TOKENS or asked < 0:
        return ids[:MAX_QUESTION_TOKENS]
    begin = max(question.rfind(mark, 0, asked) for mark in ".!?\n") + 1
    first = next((i for i, (a, _) in enumerate(offsets) if a >= begin), 0)
    mark = next(i for i, (a, _) in enumerate(offsets) if a >= asked)  # the question mark's token
    first = max(first, mark + 1 - MAX_QUESTION_TOKENS)  # a sentence too long: its last words, up to the "?"
    return ids[first:first + MAX_QUESTION_TOKENS]


def pad(windows: list[Window], multiple: int = 1) -> dict[str, np.ndarray]:
    """Right-padded int64 arrays for a batch of windows (length rounded up to `multiple`: fewer kernel shapes)."""
    length = -(-max(len(w.ids) for w in windows) // multiple) * multiple
    arrays = {name: np.zeros((len(windows), length), dtype=np.int64)
              for name in ("input_ids", "attention_mask", "token_type_ids")}
    for row, w in enumerate(windows):
        arrays["input_ids"][row, :len(w.ids)] = w.ids
        arrays["attention_mask"][row, :len(w.ids)] = 1
        arrays["token_type_ids"][row, :len(w.ids)] = w.type_ids
    return arrays


def answer_check(question: str) -> Callable[[str], bool]:
    """What a span must be to answer the question, beside what the reader scores: not made only of the question's
    own words, unless it offers a choice ("Scandinavia or Germany?", answered by one of its words): 0.7 % of SQuAD
    1.1 training answers repeat the question, most of them choices, yet the reader picks one when a follow-up
    carries its subject ("who runs Israel while he is in hospital? (Ariel Sharon)"); and of the form the question
    asks for (`forms.fits`: "how many" is answered by a quantity)."""
    asked = frozenset() if re.search(r"\bor\b", question, re.I) else frozenset(words(question))

    def check(span: str) -> bool:
        said = set(words(span)) - ARTICLES
        return (not said or not said <= asked) and fits(question, span)
    return check


def best_span(window: Window, start_logits: np.ndarray, end_logits: np.ndarray, na_logit: float,
              passage_text: str, accept: Callable[[str], bool] | None = None, tries: int = 8) -> Span | None:
    """The highest-scoring valid span of one window: start ≤ end, both in the passage, ≤ MAX_ANSWER_TOKENS; with
    `accept` (`answer_check`), the best of its `tries` best that it accepts, else the best marked as not fitting."""
    n = len(window.ids)
    in_ctx = np.array([o[0] >= 0 and o[1] > o[0] for o in window.offsets])
    if not in_ctx.any():
        return None
    s = np.where(in_ctx, start_logits[:n], -np.inf)
    e = np.where(in_ctx, end_logits[:n], -np.inf)
    scores = s[:, None] + e[None, :]
    i, j = np.indices(scores.shape)
    scores[(j < i) | (j - i >= MAX_ANSWER_TOKENS)] = -np.inf
    null = float(start_logits[0] + end_logits[0])
    flat = scores.ravel()

    def span(index: int) -> Span:
        si, ei = divmod(int(index), n)
        start, end, score = window.offsets[si][0], window.offsets[ei][1], float(flat[index])
        return Span(window.passage, start, end, passage_text[start:end], score, score - null, float(na_logit))

    top = int(np.argmax(flat))
    if accept is None or accept(span(top).text):
        return span(top)
    # the best is not accepted (rare): the next of the `tries` best, in order, that is
    for index in sorted(np.argpartition(-flat, min(tries, flat.size - 1))[:tries], key=lambda k: -flat[k]):
        if index != top and np.isfinite(flat[index]) and accept(span(index).text):
            return span(index)
    return replace(span(top), fits=False)


class Reader:
    """The int8 ONNX reader: `read(question, passages)` → the best span of each passage."""

    def __init__(self, model_file: Path, tokenizer_file: Path, threads: int = 2) -> None:
        self.model_file = Path(model_file)
        if not self.model_file.exists():
            raise AssistantError(f"reader model not found at {self.model_file}; rebuild it with {REBUILD}")
        card = self.model_file.with_name(CARD_FILE)
        config = json.loads(card.read_text()) if card.exists() else {}
        if config.get("sha256") and hashlib.sha256(self.model_file.read_bytes()).hexdigest() != config["sha256"]:
            raise AssistantError(f"reader model {self.model_file} is damaged (its checksum differs from {card.name}); "
                                 f"rebuild it with {REBUILD}")
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(self.model_file), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types for truncated or foreign files
            raise AssistantError(f"reader model {self.model_file} cannot be loaded ({exc.__class__.__name__}: "
                                 f"{str(exc)[:200]}); rebuild it with {REBUILD}") from None
        self.windower = Windower(tokenizer_file, config.get("max_len", 256), config.get("stride", 96))
        # how sure an answer is (`confidence`), fitted on held-out questions when the model was shipped; an
        # index's own calibration (`assistant calibrate`) moves the refusal point, not the model
        from .confidence import ConfidenceModel

        self.confidence_model = (ConfidenceModel.from_dict(config["confidence"]) if "confidence" in config
                                 else ConfidenceModel.raw(float(config.get("threshold", 0.0))))
        self.default_threshold = self.confidence_model.bands.refuse_below
        self._lock = threading.Lock()

    def reading(self, question: str, passages: list[str], bases: list[int] | None = None) -> Reading | None:
        """One encoder pass over every window of the passages (None when there is no text to read); `bases`: where
        each passage begins in its document, when they are not whole chunks."""
        if not passages:
            return None
        encoded = self.windower.encode([question] + passages)
        asked = question_tokens(encoded[0].ids, encoded[0].offsets, question)
        windows = [w for p, ctx in enumerate(encoded[1:]) for w in self.windower.windows(asked, p, ctx)]
        if not windows:
            return None
        with self._lock:
            start, end, na = self.session.run(None, pad(windows))
        return Reading(windows, start, end, na, tuple(passages), tuple(bases) if bases is not None else None)

    def read(self, question: str, passages: list[str], reading: Reading | None = None) -> list[Span]:
        """The best span of each passage (over its windows, by margin, one passing `answer_check` first), in passage
        order; empty passages skipped.
        `reading`: this question's `reading` of these passages, if already made."""
        reading = reading or self.reading(question, passages)
        if reading is None:
            return []
        best: dict[int, Span] = {}
        accept = answer_check(question)
        for row, w in enumerate(reading.windows):
            span = best_span(w, reading.start[row], reading.end[row], float(reading.no_answer[row]), passages[w.passage],
                             accept)
            if span is not None and (w.passage not in best or (span.fits, span.margin) > (best[w.passage].fits,
                                                                                          best[w.passage].margin)):
                best[w.passage] = span
        return [best[p] for p in sorted(best)]
