"""`make bench-ingest`: how soon `assistant ingest` of a large folder shows progress, and how long it takes.

    .venv/bin/python benchmarks/ingest_progress.py [--files 2000] [--tty] [--keep DIR] [--code CHECKOUT]

Writes `--files` small article files (a headline line, a blank line, the article) into a temporary folder: real
English Wikinews articles from `../shared/data/news/wikinews-en.jsonl.gz` when it is there (CC BY 2.5, see its
README), otherwise generated paragraphs. Then runs `assistant --index TMP ingest FOLDER` as a subprocess with
stderr piped (or, with `--tty`, on a pseudo-terminal, as a user at a terminal sees it) and prints the seconds
until the first progress output on stderr, until the first one that counts something done, until the first
per-document report line on stdout, and in all; plus how many progress lines stderr got.

A progress line is text on stderr ended by a newline or by a carriage return (how a terminal bar redraws itself),
timed when its first character arrived; `newline_lines` counts the ones a line-by-line log reader (a pipe into
`tee`, a CI log) would see. `--code` runs the package of another checkout, to compare with an earlier version:
`git archive HEAD~1 assistant | tar -x -C /tmp/before` then `--code /tmp/before`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "news" / "wikinews-en.jsonl.gz"
COUNTED = re.compile(r"\b([1-9][0-9]*)/[0-9]+\b|\b([1-9][0-9]*) ?[a-z]+ \[")  # "150/2000" or "150 files [" done


def write_corpus(folder: Path, n: int) -> str:
    """`n` article files in `folder`; says where their text came from."""
    folder.mkdir(parents=True, exist_ok=True)
    articles = []
    if NEWS.exists():
        with gzip.open(NEWS, "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if row.get("title") and len(row.get("text", "").split()) >= 40:
                    articles.append((row["title"], row["text"]))
                if len(articles) >= n:
                    break
    real = len(articles)
    rng = random.Random(7)
    words = "council river market school harbour storm minister police festival budget bridge hospital".split()
    while len(articles) < n:  # generated filler when the news file is missing or short
        body = "\n\n".join(" ".join(rng.choice(words) for _ in range(60)).capitalize() + "." for _ in range(4))
        articles.append((f"Report number {len(articles)} on the {rng.choice(words)}", body))
    for i, (title, text) in enumerate(articles[:n]):
        (folder / f"article-{i:05d}.txt").write_text(f"{title}\n\n{text.strip()}\n", encoding="utf-8")
    return f"{real} Wikinews articles" + (f" + {n - real} generated" if n > real else "")


def run_ingest(index: Path, folder: Path, tty: bool, code: Path = ROOT) -> dict:
    """Run the ingest (the `assistant` package in `code`) and time its stderr and stdout output."""
    cmd = [sys.executable, "-c", "from assistant.cli import main; main()", "--index", str(index), "ingest", str(folder)]
    env = {**os.environ, "PYTHONPATH": str(code)}
    if tty:
        import fcntl
        import pty
        import struct
        import termios

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a terminal's size: 120x40
        err_stream = slave
    else:
        err_stream = subprocess.PIPE
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err_stream, cwd=code, env=env)
    seen: dict = {"progress": [], "stdout_first": None, "stdout_lines": 0}

    def read_stdout() -> None:
        for _ in proc.stdout:
            seen["stdout_first"] = seen["stdout_first"] or time.perf_counter() - start
            seen["stdout_lines"] += 1

    def read_stderr() -> None:
        if tty:
            os.close(slave)
            read = lambda: os.read(master, 4096)  # noqa: E731
        else:
            read = lambda: os.read(proc.stderr.fileno(), 4096)  # noqa: E731
        segment, since = b"", None  # the text since the last \r or \n, and when its first character came
        while True:
            try:
                data = read()
            except OSError:  # the pty's other end closed
                data = b""
            if not data:
                break
            now = time.perf_counter() - start
            for piece in re.split(rb"([\r\n])", data):
                if piece in (b"\r", b"\n"):
                    if segment.strip():
                        seen["progress"].append((since, segment.decode("utf-8", "replace").strip(), piece == b"\n"))
                    segment, since = b"", None
                elif piece:
                    segment += piece
                    since = since if since is not None or not segment.strip() else now
        if segment.strip():  # the last redraw of a terminal bar may end without \r or \n
            seen["progress"].append((since, segment.decode("utf-8", "replace").strip(), False))

    threads = [threading.Thread(target=read_stdout), threading.Thread(target=read_stderr)]
    for t in threads:
        t.start()
    rc = proc.wait()
    for t in threads:
        t.join(10)
    total = time.perf_counter() - start
    progress = seen["progress"]
    counted = [t for t, text, _ in progress if COUNTED.search(text)]
    return {"rc": rc, "total_s": round(total, 1),
            "first_progress_s": round(progress[0][0], 2) if progress else None,
            "first_counted_progress_s": round(counted[0], 2) if counted else None,
            "first_report_line_s": round(seen["stdout_first"], 1) if seen["stdout_first"] else None,
            "progress_lines": len(progress), "newline_lines": sum(1 for p in progress if p[2]),
            "report_lines": seen["stdout_lines"],
            "first_lines": [f"{t:6.2f}s {text[:100]}" for t, text, _ in progress[:4]],
            "last_line": progress[-1][1][:100] if progress else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--tty", action="store_true", help="stderr on a pseudo-terminal instead of a pipe")
    parser.add_argument("--keep", type=Path, default=None, help="write the files and the index here and keep them")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="run the `assistant` package of this checkout (e.g. a `git worktree` of an older commit)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        source = write_corpus(work / "articles", args.files)
        shutil.rmtree(work / "index", ignore_errors=True)
        result = run_ingest(work / "index", work / "articles", args.tty, args.code.resolve())
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"corpus: {args.files} files ({source}); stderr: {'terminal' if args.tty else 'pipe'}; code: {args.code}")
    for key, value in result.items():
        if key == "first_lines":
            print("first progress lines:\n  " + "\n  ".join(value or ["(none)"]))
        else:
            print(f"{key:<26}{value}")
    if result["rc"]:
        sys.exit(result["rc"])


if __name__ == "__main__":
    main()
