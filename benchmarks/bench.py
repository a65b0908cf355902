"""`make bench`: ingest speed, retrieval and answer latency, memory, disk and start-up time at 1k/10k/100k chunks.

    .venv/bin/python benchmarks/bench.py [--sizes 1000,10000,100000] [--out benchmarks/results]

`BENCH_SIZES` (environment) sets the sizes too. Every measurement runs in a fresh
subprocess so its peak memory (ru_maxrss) is its own. Results are printed as a
table and written as JSON to `benchmarks/results/bench-DATE.json`.

The corpus is generated, deterministically (seed 7): sentences are drawn at random
from the real articles in `corpus/` and `evals/corpora/normans/`, every sixth word
(on average) is swapped for a random word of the same pool's vocabulary so no two
documents are the same, and 6-24 sentences make one article with a title line
and YAML front matter (date, outlet). Chunked with the default settings (160
tiktoken tokens, 32 overlap), that gives chunks of about 150 tokens. Larger
corpora extend smaller ones (same seed), so the 1k corpus is a prefix of the 10k one.

Sizes up to `--full-ingest-max` (10k) are ingested end to end through
the corpus service (read files, chunk, embed chunks and sentences, Chroma, near-duplicate
check, one store transaction per batch with the lexical index), twice: with contextual
sentence vectors (the default, one encoder pass) and with standalone ones (a second pass;
`ASSISTANT_SENTENCE_VECTORS`). Then one real-sized article at a time is added to the
built index and to an empty one (`add_one`: the cost of a write must follow the change,
not the corpus). Loading
the model and opening Chroma (~1.5 s of imports) happen before the clock starts and
are reported as `open_s`. Embedding 100k chunks and their ~330k sentences for
real would take about 30 min here, so the 100k index is built through the same
`Index.add` path with *pooled vectors*: a pool of 1,000 real paragraph (chunk-sized) and 2,000 real
sentence embeddings (embedded once with the default embedder) and each text's
vector is a pool vector chosen by a hash of the text plus Gaussian noise
(sigma 0.02 per dimension), normalised. The index records the real embedder, so
questions are embedded for real and Chroma's HNSW graph, the lexical index and the store have
their real sizes. Its ingest rate is reported as "pooled" and is not an embedding
speed.

Questions: the 252 questions of `evals/seed.jsonl` and `evals/normans.jsonl`
(their articles are the sentence pool, so they hit real-looking text), first 5
for warm-up, then up to 100 timed for retrieval (`retriever.invoke`) and 100 for
full answers (`Assistant.ask`, default answerer). Story answers and timelines are
timed on the questions of `evals/stories.jsonl` (follow-ups left out), whose 42
running-story articles (`evals/corpora/wikinews-stories/`) join every generated corpus.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 7
POOL = (1000, 2000)  # real chunk-sized and sentence vectors behind the pooled 100k build
OUTLETS = ["Daily Ledger", "Wire Service", "Evening Post", "Coast Herald", "Metro Times"]


# -- corpus -------------------------------------------------------------------
def sentence_pool() -> list[str]:
    from assistant.chunking import sentence_spans

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "evals/corpora/normans").glob("*.txt"))]
    pool = []
    for text in texts:
        for a, b in sentence_spans(text):
            s = text[a:b].strip()
            if 30 <= len(s) <= 400 and not s.startswith("---"):
                pool.append(s)
    return sorted(set(pool))


def generate(folder: Path, chunks_wanted: int, settings, seed: int = SEED, prefix: str = "gen") -> dict:
    """Write articles to `folder` until they hold `chunks_wanted` chunks; returns counts."""
    from assistant.chunking import chunk_document, sentence_units
    from assistant.documents import parse_document

    rng = random.Random(seed)
    pool = sentence_pool()
    vocab = sorted({w for s in pool for w in re.findall(r"[A-Za-z]{3,}", s)})
    folder.mkdir(parents=True, exist_ok=True)
    chunks = sentences = docs = tokens = 0
    while chunks < chunks_wanted:
        picked = rng.sample(pool, rng.randint(6, 24))
        body = []
        for s in picked:
            words = s.split(" ")
            for i in range(len(words)):
                if rng.random() < 1 / 6 and words[i].isalpha():
                    words[i] = rng.choice(vocab)
            body.append(" ".join(words))
        title = " ".join(rng.choice(vocab).capitalize() for _ in range(rng.randint(4, 8)))
        date = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1800))
        text = (f"---\ntitle: {title}\ndate: {date.isoformat()}\nsource: {rng.choice(OUTLETS)}\n---\n"
                + "\n\n".join(" ".join(body[i : i + 4]) for i in range(0, len(body), 4)) + "\n")
        doc_id = f"{prefix}-{docs:06d}.md"
        doc = parse_document(doc_id, text)
        units = sentence_units(doc, settings.chunk_tokens, settings.encoding)
        got = chunk_document(doc, settings.chunk_tokens, settings.chunk_overlap, settings.encoding, units=units)
        chunks += len(got)
        sentences += sum(len(block) for block in units)
        from assistant.chunking import count_tokens

        tokens += sum(count_tokens(c.text, settings.encoding) for c in got)
        (folder / doc_id).write_text(text, encoding="utf-8")
        docs += 1
    return {"documents": docs, "chunks": chunks, "sentences": sentences, "mean_chunk_tokens": round(tokens / chunks, 1)}


def story_questions() -> list[str]:
    """Why / how / summary / latest / compare questions about the running stories added to every corpus."""
    cases = [json.loads(line) for line in (ROOT / "evals" / "stories.jsonl").read_text().splitlines() if line.strip()]
    return [c["question"] for c in cases if not c.get("history")]


def questions() -> list[str]:
    out = []
    for name in ("seed.jsonl", "normans.jsonl"):
        for line in (ROOT / "evals" / name).read_text().splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    random.Random(SEED).shuffle(out)
    return out


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


def run_phase(*args: str) -> dict:
    """Run one phase in a fresh interpreter and return its JSON."""
    done = subprocess.run([sys.executable, __file__, "--phase", *args], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"phase {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def du_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "1000,10000,100000"))
    parser.add_argument("--work", default=os.environ.get("BENCH_DIR", ".bench"), help="where corpora and indexes are built")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--full-ingest-max", type=int, default=10000, help="larger sizes use pooled vectors")
    parser.add_argument("--skip-encoder", action="store_true", help="do not time the raw encoders")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        out: dict = {}
        if name == "encoder":
            phase_encoder(Path(rest[0]), out)
        elif name == "ingest":
            phase_ingest(Path(rest[0]), Path(rest[1]), rest[2] == "pooled", rest[3], out)
        elif name == "query":
            phase_query(Path(rest[0]), out)
        elif name == "startup":
            phase_startup(Path(rest[0]), out)
        elif name == "add_one":
            phase_add_one(Path(rest[0]), Path(rest[1]), out)
        print(json.dumps(out))
        return

    from assistant import Settings

    settings = Settings()
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    work = ROOT / args.work
    started = time.perf_counter()
    result = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpu": _cpu(), "cores": os.cpu_count(), "threads": settings.threads, "python": platform.python_version(),
                    "load_avg_at_start": os.getloadavg()},
        "embedder": "onnx-int8 (default)",
        "sizes": {},
    }
    for size in sizes:
        print(f"== {size} chunks", flush=True)
        corpus, index_dir = work / f"corpus-{size}", work / f"index-{size}"
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(index_dir, ignore_errors=True)
        row: dict = {"corpus": generate(corpus, size, settings)}
        for story in sorted((ROOT / "evals" / "corpora" / "wikinews-stories").glob("*.md")):  # real running stories
            shutil.copy(story, corpus / story.name)
        if size == sizes[0] and not args.skip_encoder:
            result["encoder"] = run_phase("encoder", str(corpus))
            print("encoder", json.dumps(result["encoder"]), flush=True)
        pooled = size > args.full_ingest_max
        row["ingest"] = run_phase("ingest", str(corpus), str(index_dir), "pooled" if pooled else "real", "contextual")
        print("ingest", json.dumps(row["ingest"]), flush=True)
        if not pooled:  # the two-pass mode (ASSISTANT_SENTENCE_VECTORS=standalone), ingest only
            two_pass = work / f"index-{size}-standalone"
            shutil.rmtree(two_pass, ignore_errors=True)
            row["ingest_standalone"] = run_phase("ingest", str(corpus), str(two_pass), "real", "standalone")
            print("ingest standalone", json.dumps(row["ingest_standalone"]), flush=True)
            shutil.rmtree(two_pass, ignore_errors=True)
        row["index_mb"] = du_mb(index_dir)
        row["index_parts_mb"] = {p.name: du_mb(p) if p.is_dir() else round(p.stat().st_size / 1e6, 1)
                                 for p in sorted(index_dir.iterdir())}
        extra = work / "extra"
        if not extra.exists():
            generate(extra, 60, settings, seed=SEED + 1, prefix="extra")  # ~15 real-sized articles, unseen
        for name, target in (("add_one", index_dir), ("add_one_empty", work / f"index-{size}-empty")):
            shutil.rmtree(work / f"index-{size}-empty", ignore_errors=True)
            scratch = work / f"extra-{size}-{name}"
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.copytree(extra, scratch)
            row[name] = run_phase("add_one", str(target), str(scratch))
            shutil.rmtree(scratch, ignore_errors=True)
            print(name, json.dumps(row[name]), flush=True)
        shutil.rmtree(work / f"index-{size}-empty", ignore_errors=True)
        row["query"] = run_phase("query", str(index_dir))
        print("query", json.dumps(row["query"]), flush=True)
        row["startup"] = run_phase("startup", str(index_dir))
        print("startup", json.dumps(row["startup"]), flush=True)
        result["sizes"][str(size)] = row
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["machine"]["load_avg_at_end"] = os.getloadavg()
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{dt.date.today().isoformat()}.json"
    path.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"written to {path} in {result['total_s']} s")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def stat(query: dict, key: str) -> str:
    """"p50 / p95" of a timed phase, empty for runs from before it was timed."""
    return f"{query[key]['p50_ms']} / {query[key]['p95_ms']}" if key in query else ""


def table(result: dict) -> str:
    lines = ["| chunks | sentences | ingest chunks/s (one pass, default) | ingest chunks/s, standalone | add one article s (empty index) | retrieval p50 / p95 ms | answer p50 / p95 ms | peak RSS ingest / query MB | index MB | app to first answer s | story answer p50 / p95 ms | timeline p50 / p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in result["sizes"].values():
        ing, q = row["ingest"], row["query"]
        rate = f"{ing['ingest_chunks_per_s']}" + (" (pooled vectors)" if ing["pooled_vectors"] else "")
        two_pass = row.get("ingest_standalone", {}).get("ingest_chunks_per_s", "")
        add = f"{row['add_one']['add_one_s']} ({row['add_one_empty']['add_one_s']})" if "add_one" in row else ""
        lines.append(f"| {ing['chunks']} | {ing['sentences']} | {rate} | {two_pass} | {add} | {q['retrieval']['p50_ms']} / {q['retrieval']['p95_ms']} | "
                     f"{q['answer']['p50_ms']} / {q['answer']['p95_ms']} | {ing['peak_rss_mb']} / {q['peak_rss_mb']} | "
                     f"{row['index_mb']} | {row['startup']['app_first_answer_s']} | {stat(q, 'story_answer')} | "
                     f"{stat(q, 'timeline')} |")
    enc = result.get("encoder", {})
    lines.append("")
    lines.append("| encoder | chunks/s | sentences/s | chunks + their sentences/s | one pass (contextual) chunks/s | query ms p50 |")
    lines.append("|---|---|---|---|---|---|")
    for backend in ("onnx-int8", "onnx", "torch"):
        if backend in enc:
            e = enc[backend]
            lines.append(f"| {backend} | {e['chunks_per_s']} | {e['sentences_per_s']} | {e['chunks_with_sentences_per_s']} | {e.get('one_pass_chunks_per_s') or '-'} | {e['query_ms_p50']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
