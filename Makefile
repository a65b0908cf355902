# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --disable-pip-version-check -c constraints.txt
CORPUS ?= corpus
INDEX  ?= index
EVAL_INDEX ?= .eval-index
NEWS_INDEX ?= .news-index
REPORTS ?= evals/reports
# two workers (pytest-xdist): most slow tests wait on processes, servers and a browser, so the 2 cores overlap them
PYTEST_ARGS ?= -n 2 --durations=15

.PHONY: run serve install install-test browser index test test-fast lint clean-index eval eval-news calibrate eval-data help stress \
	bench reader bench-ingest

help:
	@echo "make run    - install, sync the index with $(CORPUS)/, serve the chat on http://127.0.0.1:7860"
	@echo "make test   - install test dependencies and run the test suite (make test-fast: the fast tier, under a minute)"
	@echo "make eval   - score the question sets in evals/ (seed, normans, wikinews-story, wikinews-offcorpus, stories) into evals/reports/"
	@echo "make eval-news - score the story set over all 4,494 Wikinews articles (thousands of distractors; ~5 min)"

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --upgrade pip
	# torch first, pinned: 2.13.0 is the offline CPU wheel (anything else pulls CUDA packages)
	$(PIP) torch==2.13.0
	$(PIP) -e .
	$(BIN)/python -m pip check
	touch $@

# llama.cpp built for this CPU (GGML_NATIVE) uses AMX where the CPU has it, and its AMX matmul crashes
# (ggml-org/llama.cpp#20824; a segfault on the first token here): build a portable AVX2 library instead.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

$(VENV)/.installed-test: $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) --no-cache-dir -e '.[test]'
	$(BIN)/python -m pip check
	touch $@

# Browser tests drive Debian's Chromium through Playwright; no browser is ever downloaded.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver; }

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Mirror corpus/ into the index: new files are added, changed ones re-indexed, deleted ones removed;
# unchanged files cost nothing (content hashes), so editing corpus/ and re-running is enough.
index: install
	$(BIN)/assistant --index $(INDEX) sync $(CORPUS)

run: index
	$(BIN)/python app.py --index $(INDEX)

serve: run

test: install-test browser lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint (ruff: pyflakes, pycodestyle errors, import order, bugbear; settings in pyproject.toml).
lint: install-test
	$(BIN)/ruff check .

# The fast tier (under a minute): no processes, servers, browsers, LLM or training.
test-fast: install-test
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# Load: 32 concurrent clients for 60 s against the real app on loopback, then asking while an ingest runs;
# p50/p95 printed and written to .artifacts/load-*.json. Bounded: killed after 15 minutes.
stress: install-test
	ASSISTANT_STRESS=1 timeout 900 $(BIN)/python -m pytest -s tests/test_load.py $(PYTEST_ARGS)

clean-index:
	$(BIN)/assistant --index $(INDEX) ingest --rebuild $(CORPUS)

# The eval index holds the seed corpus, the Normans paragraphs, a Wikinews sample and ten running Wikinews stories
# together, so retrieval has distractors. Re-ingesting is cheap: unchanged documents are skipped by content hash.
EVAL_SETS ?= seed normans wikinews-story wikinews-offcorpus stories
eval: install
	$(BIN)/assistant --index $(EVAL_INDEX) ingest $(CORPUS) evals/corpora/normans evals/corpora/wikinews \
	  evals/corpora/wikinews-stories
	@for set in $(EVAL_SETS); do \
	  $(BIN)/assistant --index $(EVAL_INDEX) eval evals/$$set.jsonl --results $(REPORTS)/$$set-results.jsonl \
	    --report $(REPORTS)/$$set.md $(EVAL_ARGS) || exit 1; done

# Adapt the refusal threshold to your own labelled sets (the shipped confidence model needs none).
calibrate: install
	@test -n "$(CALIBRATE_SETS)" || { echo "name your labelled sets: make calibrate CALIBRATE_SETS='mine.jsonl'"; exit 2; }
	$(BIN)/assistant --index $(INDEX) calibrate $(CALIBRATE_SETS)

# Regenerate the Normans corpus and question set from ../shared/data (SQuAD 2.0, CC BY-SA 4.0).
# The story set over every shared Wikinews article (its evaluation articles among them): a real-sized corpus
eval-news: install
	$(BIN)/python evals/wikinews_full.py --out .news-corpus
	$(BIN)/assistant --index $(NEWS_INDEX) sync .news-corpus
	$(BIN)/assistant --index $(NEWS_INDEX) eval evals/stories.jsonl --results $(REPORTS)/stories-news-results.jsonl \
	  --report $(REPORTS)/stories-news.md $(EVAL_ARGS)

eval-data:
	$(PYTHON) evals/squad_normans.py

# Train the reader from ../shared/data (SQuAD, CC BY-SA 4.0) and ship it as assistant/models/reader-int8.onnx, in
# two resumable stages (READER_ARGS=--resume): SQuAD 1.1 with generated refusals (about 80 min on 2 cores), then
# SQuAD 2.0's crowd-written refusals (about 65 min). Last, the confidence model and its bands are fitted on held-out
# SQuAD 2.0 articles and the news development set (training/news-dev) and written into the card (about 20 min).
# See assistant/models/README.md.
reader: install
	$(BIN)/assistant train-reader --out .reader-train/base $(READER_ARGS)
	$(BIN)/assistant train-reader --stage squad2 --init .reader-train/base/reader.pt --out .reader-train/squad2 $(READER_ARGS)
	$(BIN)/assistant export-reader --weights .reader-train/squad2/reader.pt
	$(BIN)/assistant fit-confidence

# Ingest speed, retrieval/answer latency, memory, disk and start-up time at 1k/10k/100k chunks (~25 min on
# 2 cores); BENCH_SIZES=1000,10000 for a shorter run. Prints a table, writes benchmarks/results/bench-DATE.json.
BENCH_SIZES ?= 1000,10000,100000
bench: install-test
	BENCH_SIZES=$(BENCH_SIZES) $(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# How soon `assistant ingest` of 2,000 article files shows progress, with stderr piped and then on a terminal, and
# how long it takes (about 2 x 2 min on 2 cores); BENCH_INGEST_ARGS="--files 500" for a shorter run.
bench-ingest: install
	$(BIN)/python benchmarks/ingest_progress.py $(BENCH_INGEST_ARGS)
	$(BIN)/python benchmarks/ingest_progress.py --tty $(BENCH_INGEST_ARGS)
