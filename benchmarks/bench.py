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
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_corpus import SEED, generate  # noqa: E402


def run_phase(*args: str) -> dict:
    """Run one phase in a fresh interpreter and return its JSON."""
    phases = Path(__file__).with_name("bench_phases.py")
    done = subprocess.run([sys.executable, str(phases), *args], capture_output=True, text=True, cwd=ROOT)
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
    args = parser.parse_args()

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
