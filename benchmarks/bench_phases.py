"""The timed phases of `make bench`, each run in a fresh interpreter so its peak memory (ru_maxrss) is its own:

    python benchmarks/bench_phases.py NAME ARGS...   (prints one line of JSON)

encoder, ingest (real or pooled vectors), query (retrieval, answers, story answers, timelines), add_one, startup.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_corpus import POOL, follow_ups, questions, story_questions  # noqa: E402


# -- phases (each in its own process) ----------------------------------------
def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def phase_encoder(corpus: Path, out: dict) -> None:
    """Raw encoder speed on the generated chunks (and their sentences), per backend."""
    from assistant import Settings
    from assistant.chunking import chunk_document, sentence_units
    from assistant.documents import parse_document
    from assistant.embeddings import load_embeddings
    from assistant.vectors import owners

    s = Settings()
    chunks, sentences, held = [], [], []
    for path in sorted(corpus.glob("*.md"))[:300]:
        doc = parse_document(path.name, path.read_text())
        units = sentence_units(doc, s.chunk_tokens, s.encoding)
        parts = chunk_document(doc, s.chunk_tokens, s.chunk_overlap, s.encoding, units=units)
        chunks += [c.text for c in parts]
        spans = [(a, b) for block in units for a, b, _ in block]
        sentences += [doc.text[a:b] for a, b in spans]
        own = owners([(c.start, c.end) for c in parts], spans)
        held += [[(a - c.start, b - c.start) for (a, b), o in zip(spans, own) if o == c.ordinal] for c in parts]
    # rounds alternate between backends and the best round counts: other processes on a 2-core machine
    # slow whichever backend happens to run beside them
    per_chunk = len(sentences) / len(chunks)
    sizes = {"onnx-int8": 200, "onnx": 100, "torch": 100}
    models = {b: load_embeddings(s.model_path(), s.threads, s.embed_batch_size, backend=b, cache_dir=s.onnx_cache_dir)
              for b in sizes}
    rounds: dict[str, list] = {b: [] for b in sizes}
    for r in range(3):
        for backend, n in sizes.items():
            emb = models[backend]
            part = chunks[r * n : (r + 1) * n]
            sents = sentences[int(r * n * per_chunk) : int((r + 1) * n * per_chunk)]
            emb.embed_documents(part[:8])
            t = time.perf_counter()
            emb.embed_documents(part)
            chunk_s = time.perf_counter() - t
            t = time.perf_counter()
            emb.embed_documents(sents)
            sent_s = time.perf_counter() - t
            one_pass = 0.0
            if hasattr(emb, "embed_with_sentences"):  # chunks with contextual sentence vectors, one pass
                t = time.perf_counter()
                emb.embed_with_sentences(part, held[r * n : (r + 1) * n])
                one_pass = len(part) / (time.perf_counter() - t)
            rounds[backend].append((len(part) / chunk_s, len(sents) / sent_s, len(part) / (chunk_s + sent_s), one_pass))
    q = "who represents the Hutchins family?"
    for backend, emb in models.items():
        lat = []
        for _ in range(30):
            t = time.perf_counter()
            emb.embed_query(q)
            lat.append(time.perf_counter() - t)
        best = max(rounds[backend], key=lambda x: x[2])
        out[backend] = {"chunks_per_s": round(best[0], 1), "sentences_per_s": round(best[1], 1),
                        "chunks_with_sentences_per_s": round(best[2], 1),
                        "rounds_chunks_with_sentences_per_s": [round(x[2], 1) for x in rounds[backend]],
                        "one_pass_chunks_per_s": round(max(x[3] for x in rounds[backend]), 1),
                        "query_ms_p50": round(1000 * sorted(lat)[len(lat) // 2], 2)}
    out["sentences_per_chunk"] = round(len(sentences) / len(chunks), 2)


class PooledEmbeddings:
    """Cheap stand-in vectors for the 100k build: a real vector from a pool, picked by text hash, plus noise."""

    backend = "onnx-int8"

    def __init__(self, real, chunk_texts: list[str], sentence_texts: list[str]) -> None:
        import numpy as np

        self.np = np
        self.real = real
        self.chunks = np.asarray(real.embed_documents(chunk_texts), dtype=np.float32)
        self.sentences = np.asarray(real.embed_documents(sentence_texts), dtype=np.float32)

    def embed_documents(self, texts):
        np = self.np
        out = np.empty((len(texts), self.chunks.shape[1]), dtype=np.float32)
        for i, t in enumerate(texts):
            h = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            pool = self.chunks if len(t) > 300 else self.sentences
            rng = np.random.default_rng(h)
            out[i] = pool[h % len(pool)] + rng.normal(0, 0.02, pool.shape[1])
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out.tolist()

    def embed_with_sentences(self, texts, spans):
        """One "pass": chunk vectors and, for each span, a pool vector of the sentence's text (contextual mode)."""
        vectors = self.np.asarray(self.embed_documents(texts), dtype=self.np.float32)
        pooled = [list(self.np.asarray(self.embed_documents([t[a:b] for a, b in s]), dtype=self.np.float32)) if s else []
                  for t, s in zip(texts, spans)]
        return vectors, pooled

    def embed_query(self, text):
        return self.real.embed_query(text)


def phase_ingest(corpus: Path, index_dir: Path, pooled: bool, mode: str, out: dict) -> None:
    from assistant import Assistant, Settings

    settings = Settings(index_dir=index_dir, sentence_vectors=mode)
    embeddings = None
    t0 = time.perf_counter()
    if pooled:
        from assistant.embeddings import load_embeddings

        real = load_embeddings(settings.model_path(), settings.threads, settings.embed_batch_size,
                               backend="onnx-int8", cache_dir=settings.onnx_cache_dir)
        files = sorted(corpus.glob("*.md"))[:400]
        texts = [p.read_text().split("---\n", 2)[2] for p in files]
        paras = [p for t in texts for p in t.split("\n\n") if p.strip()]
        sents = [s for p in paras for s in re.split(r"(?<=[.!?]) ", p)]
        embeddings = PooledEmbeddings(real, paras[:POOL[0]], sents[:POOL[1]])
        out["pool_s"] = round(time.perf_counter() - t0, 1)
    assistant = Assistant(settings, embeddings=embeddings)
    t = time.perf_counter()
    assistant.index.warm()  # load the model and open Chroma (imports) outside the timed part: a start-up cost
    assistant.index.vectors.count()
    out["open_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    report = assistant.corpus.ingest([corpus])
    elapsed = time.perf_counter() - t
    counts = assistant.index.store.counts()
    chunks, sentences = counts["chunks"], counts["sentences"]
    out.update({"documents": len(report.added), "chunks": chunks, "sentences": sentences, "sentence_vectors": mode,
                "ingest_s": round(elapsed, 1), "ingest_chunks_per_s": round(chunks / elapsed, 1),
                "pooled_vectors": pooled, "peak_rss_mb": peak_mb()})


def phase_query(index_dir: Path, out: dict) -> None:
    from assistant import Assistant, Settings

    t = time.perf_counter()
    assistant = Assistant(Settings(index_dir=index_dir))
    qs = questions()
    assistant.ask(qs[0])
    out["open_and_first_answer_s"] = round(time.perf_counter() - t, 2)
    for q in qs[1:5]:
        assistant.ask(q)
    def timed(fn, items):
        lat = []
        for q in items:
            t = time.perf_counter()
            fn(q)
            lat.append(1000 * (time.perf_counter() - t))
        lat.sort()
        return {"p50_ms": round(lat[len(lat) // 2], 1), "p95_ms": round(lat[int(len(lat) * 0.95) - 1], 1), "n": len(lat)}

    out["retrieval"] = timed(assistant.questions.retriever.retrieve, qs[5:105])
    out["answer"] = timed(assistant.ask, qs[105:205])
    stories = story_questions()
    out["story_answer"] = timed(assistant.ask, stories)
    out["timeline"] = timed(assistant.questions.timeline, stories[:40])
    out["follow_up_answer"] = timed(lambda case: assistant.ask(case[0], history=case[1]), follow_ups())
    # "Tell me more" after a story question: the earlier answer is asked again to know what it quoted
    out["tell_me_more"] = timed(lambda question: assistant.ask("Tell me more", history=[question]), stories[:15])
    # the follow-up and example questions' candidates, built from one article's text (was a timed unit test)
    from assistant.suggestions import build

    texts = assistant.index.texts([d.id for d in assistant.documents()[:40]])
    out["suggestion_candidates"] = timed(build, list(texts.values()))
    out["peak_rss_mb"] = peak_mb()


def phase_add_one(index_dir: Path, extra: Path, out: dict) -> None:
    """Seconds to add one real-sized article, one write each, for every article in `extra`, to a warm
    process (model loaded, Chroma's graph and the catalog read, one article added first and not counted):
    what a user waits for when the app or a long session adds a document. The median is the figure."""
    from assistant import Assistant, Settings

    assistant = Assistant(Settings(index_dir=index_dir))
    files = sorted(extra.iterdir())
    assistant.corpus.ingest([files[0]])  # warm-up: model, tokenizer, Chroma, catalog
    assistant.index.warm_search()
    times = []
    for path in files[1:]:
        t = time.perf_counter()
        report = assistant.corpus.ingest([path])
        times.append(time.perf_counter() - t)
        assert len(report.added) == 1, report.summary()
    out["add_one_s"] = round(sorted(times)[len(times) // 2], 3)
    out["add_one_all_s"] = [round(x, 3) for x in times]


def phase_startup(index_dir: Path, out: dict) -> None:
    """Seconds from `python app.py --index DIR` to the first answer through the /ask API."""
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--index", str(index_dir), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        while True:
            if proc.poll() is not None:
                raise RuntimeError("app.py exited early")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        out["app_serving_s"] = round(time.perf_counter() - t, 2)
        from gradio_client import Client

        result = Client(url, verbose=False).predict("who represents the Hutchins family?", 5, api_name="/ask")
        out["app_first_answer_s"] = round(time.perf_counter() - t, 2)
        out["first_answer"] = result["answer"][:80]
    finally:
        proc.terminate()
        proc.wait(timeout=30)



PHASES = {
    "encoder": lambda rest, out: phase_encoder(Path(rest[0]), out),
    "ingest": lambda rest, out: phase_ingest(Path(rest[0]), Path(rest[1]), rest[2] == "pooled", rest[3], out),
    "query": lambda rest, out: phase_query(Path(rest[0]), out),
    "startup": lambda rest, out: phase_startup(Path(rest[0]), out),
    "add_one": lambda rest, out: phase_add_one(Path(rest[0]), Path(rest[1]), out),
}

if __name__ == "__main__":
    name, *rest = sys.argv[1:]
    result: dict = {}
    PHASES[name](rest, result)
    print(json.dumps(result))
