"""The packaged MiniLM run by ONNX Runtime: same vectors as sentence-transformers, 2-4x faster on 2 cores.

Inference only, without torch: the ONNX file comes from `export` (mean pooling and L2
normalisation in the graph, token states as a second output). Inference: the model folder's fast
tokenizer (`tokenizer.json`, truncation at the model's `max_seq_length`), texts sorted by
length and packed into batches under a token budget (little padding, short sentences in big
batches), one single-threaded session per core.
"""

from __future__ import annotations

import json
import queue
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

BATCH_TOKENS = 1024  # padded tokens per inference call (2048 and more ran 5-20 % slower here)
MAX_BATCH = 128
DIMENSIONS = 384  # all-MiniLM-L6-v2


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

        def work(p: list[int]):
            return self._encode([texts[i] for i in p], None if spans is None else [spans[i] for i in p])

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
