"""The packaged MiniLM run by ONNX Runtime: same vectors as sentence-transformers, 2-4x faster on 2 cores.

The ONNX file is not shipped: it is exported once from the packaged
sentence-transformers folder with `torch.onnx.export` (mean pooling and L2
normalisation are part of the graph, exactly as in the model's `modules.json`),
optionally quantised to int8 (dynamic, per channel, MatMul weights only), checked
against the torch model (mean cosine >= `MIN_COSINE` on probe texts) and cached under
`~/.cache/news-assistant/onnx/` keyed by the model fingerprint, so later runs
neither import torch nor export again.

Inference: the model folder's fast tokenizer (`tokenizer.json`, truncation at the
model's `max_seq_length`), texts sorted by length and packed into batches under a
token budget (little padding, short sentences in big batches), one single-threaded
session per core.
"""

from __future__ import annotations

import json
import os
import queue
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import AssistantError

MIN_COSINE = 0.99  # mean over the probes; int8 measured 0.993 on news sentences and chunks
MIN_COSINE_ANY = 0.98  # every probe (a one-word text such as "yes" can fall to 0.96 in int8)
BATCH_TOKENS = 1024  # padded tokens per inference call (2048 and more ran 5-20 % slower here)
EXPORT_VERSION = "v3"  # v2: eager attention (int8 runs it ~25 % faster than SDPA's); v3: token states output too
MAX_BATCH = 128
DIMENSIONS = 384  # all-MiniLM-L6-v2
PROBES = [
    "Who represents the Hutchins family?",
    "Prominent attorney Gloria Allred, who represents Hutchins' relatives, announced at a press conference that "
    "they are committed to holding Baldwin accountable for the death of the cinematographer on the set of Rust.",
    "The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France.",
    "Stock markets fell sharply on Tuesday after the central bank raised interest rates by half a percentage point, "
    "the largest increase in two decades, citing persistent inflation in food and energy prices.",
    "He declined to comment.",
    "The company said it would cut 1,200 jobs by March 2025, mostly in its European offices.",
    "Rescue teams reached the village on Sunday, two days after the earthquake destroyed the only road into the valley.",
]


def cache_file(model_path: Path, cache_dir: Path, quantized: bool) -> Path:
    from .manifest import model_fingerprint

    name = f"minilm-{model_fingerprint(model_path)}-{'int8' if quantized else 'fp32'}-{EXPORT_VERSION}.onnx"
    return Path(cache_dir).expanduser() / "onnx" / name


def export(model_path: Path, dest: Path, quantized: bool) -> dict:
    """Export the sentence-transformers model at `model_path` to `dest` (atomically); returns the check report."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    modules = json.loads((model_path / "modules.json").read_text())
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text())
    if kinds[:2] != ["Transformer", "Pooling"] or not pooling.get("pooling_mode_mean_tokens") or any(
            pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")):
        raise AssistantError(f"{model_path}: only Transformer + mean Pooling (+ Normalize) models can be exported to ONNX")
    # Eager attention exports as plain MatMul/Softmax: quantised, it ran 119-145 chunks/s here against
    # 97-118 for the SDPA export, with the same agreement with the torch model.
    model = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager").eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1), hidden  # token states: contextual sentence vectors

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        fp32 = Path(tmp) / "model.onnx"
        ids = torch.ones(2, 16, dtype=torch.long)
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                MeanPooled(model), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(fp32), dynamo=False,
                input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["embedding", "tokens"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "token_type_ids": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"},
                              "tokens": {0: "batch", 1: "tokens"}},
                opset_version=17)
        out = fp32
        if quantized:
            import logging

            from onnxruntime.quantization import QuantType, quantize_dynamic

            logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing" chatter
            out = Path(tmp) / "model-int8.onnx"
            quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
        # check against the reference before anyone uses it
        from sentence_transformers import SentenceTransformer

        reference = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        want = reference.encode(PROBES, normalize_embeddings=True, convert_to_numpy=True)
        got = OnnxEmbeddings(out, model_path, threads=1).embed_array(PROBES)
        cosine = (want * got).sum(1)
        report = {"min_cosine": round(float(cosine.min()), 4), "mean_cosine": round(float(cosine.mean()), 4),
                  "quantized": quantized, "torch": torch.__version__}
        if cosine.mean() < MIN_COSINE or cosine.min() < MIN_COSINE_ANY:
            raise AssistantError(f"ONNX export of {model_path} disagrees with the torch model (cosine mean "
                                 f"{cosine.mean():.3f}, min {cosine.min():.3f}); use ASSISTANT_EMBEDDER=torch")
        os.replace(out, dest)
        Path(str(dest) + ".json").write_text(json.dumps(report))
    return report


def load_onnx_embeddings(model_path: Path, threads: int, quantized: bool, cache_dir: Path) -> "OnnxEmbeddings":
    """The cached ONNX model for `model_path`, exported (and checked) first if missing; earlier export
    versions of it are deleted."""
    path = cache_file(model_path, cache_dir, quantized)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:  # read-only home: export to the temp folder instead
            path = cache_file(model_path, Path(tempfile.gettempdir()) / "news-assistant", quantized)
        if not path.exists():
            export(model_path, path, quantized)
    prune_exports(path)
    return OnnxEmbeddings(path, model_path, threads, "onnx-int8" if quantized else "onnx")


def prune_exports(current: Path) -> list[Path]:
    """Delete earlier export versions of the same model and precision (about 60 MB int8, 90 MB fp32 each),
    which a new `EXPORT_VERSION` leaves behind; returns what was deleted."""
    stem = current.name.removesuffix(f"-{EXPORT_VERSION}.onnx")  # minilm-<fingerprint>-<int8|fp32>
    removed = []
    for old in current.parent.glob(f"{stem}*.onnx*"):
        if old.name in (current.name, current.name + ".json") or not re.fullmatch(
                rf"{re.escape(stem)}(-v\d+)?\.onnx(\.json)?", old.name):
            continue
        try:
            old.unlink()
            removed.append(old)
        except OSError:  # another user's file, or gone already: not ours to insist on
            pass
    return removed


class OnnxEmbeddings(Embeddings):
    """LangChain `Embeddings` over a pool of single-threaded ONNX Runtime sessions; thread-safe.

    One session per core, each with one intra-op thread: a large call splits its texts
    between them and runs in parallel (tokenising included), which embedded 11-14 % more
    chunks per second here than one session using both cores, whose threads synchronise
    on every operator. Small calls (a question) take whichever session is free, so a
    question asked during an upload waits for one batch, not for the whole upload.
    """

    def __init__(self, onnx_path: Path, model_path: Path, threads: int, backend: str = "onnx") -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self._sessions: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(max(1, threads)):
            self._sessions.put(ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"]))
        self.workers = max(1, threads)
        self.tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        config = model_path / "sentence_bert_config.json"
        max_len = json.loads(config.read_text()).get("max_seq_length", 256) if config.exists() else 256
        self.tokenizer.enable_truncation(max_len)
        self.tokenizer.no_padding()
        self.path = Path(onnx_path)
        self.backend = backend
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="onnx") if self.workers > 1 else None

    def _run(self, ids: np.ndarray, mask: np.ndarray, outputs: list[str]) -> list[np.ndarray]:
        session = self._sessions.get()  # blocks until one is free
        try:
            return session.run(outputs, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
        finally:
            self._sessions.put(session)

    def _encode(self, texts: list[str], spans: list[list[tuple[int, int]]] | None = None) -> tuple[np.ndarray, list]:
        """Vectors for `texts` on one worker: texts sorted by token count, packed under a padded-token budget.

        With `spans` (character ranges of each text), also the mean of each span's token states,
        normalised: a contextual vector per span, from the same pass (None where truncation cut it off).
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        pooled: list = [[] for _ in texts]
        leads = [len(t) - len(t.lstrip()) for t in texts]
        encodings = self.tokenizer.encode_batch([t.strip() for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        outputs = ["embedding", "tokens"] if spans is not None else ["embedding"]
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and end - start < MAX_BATCH and (end - start + 1) * len(encodings[order[end]].ids) <= BATCH_TOKENS:
                end += 1
            rows = order[start:end]
            ids = np.zeros((len(rows), len(encodings[rows[-1]].ids)), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            got = self._run(ids, mask, outputs)
            out[rows] = got[0]
            if spans is not None:
                for r, i in enumerate(rows):
                    pooled[i] = _pool_spans(got[1][r], encodings[i].offsets, spans[i], leads[i])
            start = end
        return out, pooled

    def _split(self, texts: list[str], spans: list | None) -> tuple[np.ndarray, list]:
        """`_encode` with the texts shared out between the sessions (interleaved by length, so alike)."""
        if self._pool is None or len(texts) < 8 * self.workers:
            return self._encode(texts, spans)
        by_length = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parts = [by_length[w :: self.workers] for w in range(self.workers)]
        out, pooled = np.zeros((len(texts), DIMENSIONS), dtype=np.float32), [None] * len(texts)
        work = lambda p: self._encode([texts[i] for i in p], None if spans is None else [spans[i] for i in p])
        for part, (vectors, part_pooled) in zip(parts, self._pool.map(work, parts)):
            out[part] = vectors
            for i, vs in zip(part, part_pooled):
                pooled[i] = vs
        return out, pooled

    def embed_array(self, texts: list[str]) -> np.ndarray:
        return self._split(list(texts), None)[0]

    def embed_with_sentences(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[np.ndarray, list]:
        """Text vectors and, from the same encoder pass, a contextual vector for each span of each text."""
        return self._split(list(texts), [list(s) for s in spans])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


def _pool_spans(states: np.ndarray, offsets: list[tuple[int, int]], spans: list[tuple[int, int]], lead: int) -> list:
    """Mean token state over each character span, L2-normalised; None for a span with no tokens."""
    starts = np.array([a for a, _ in offsets]) + lead
    ends = np.array([b for _, b in offsets]) + lead
    real = ends > starts  # [CLS], [SEP] and padding have empty offsets
    out = []
    for a, b in spans:
        rows = real & (starts >= a) & (ends <= b)
        if not rows.any():
            out.append(None)
            continue
        v = states[: len(offsets)][rows].mean(0)
        out.append(v / max(float(np.linalg.norm(v)), 1e-12))
    return out
