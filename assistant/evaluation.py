"""Evaluation runs: load a JSONL question set, ask every case, score it, compare with a past run.

A question set line is::

    {"id", "question", "answers": [...], "sources": [doc ids], "answerable": bool, "kind"?: str,
     "history"?: [earlier questions], "key_words"?: [...], "newest"?: doc id}

A story case (why, how, summary, latest, compare) lists its gold sentences as `answers` and the key words a good
answer contains; a follow-up case, the conversation's earlier questions; a "latest" case, its story's newest
article (`story_metrics`).

Scoring is in `metrics` (no LLM judge). A run's JSON summary keeps a compact
per-case outcome so `--compare` can list the cases that flipped without the
old results file.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import metrics, story_metrics
from .citations import Answer
from .errors import AssistantError
from .options import AskOptions


@dataclass(frozen=True)
class Case:
    """One question with its accepted answers and gold source documents."""

    id: str
    question: str
    answers: list[str]
    sources: list[str]
    answerable: bool
    kind: str = ""
    history: tuple[str, ...] = ()  # the conversation's earlier questions, oldest first (a follow-up case)
    key_words: tuple[str, ...] = ()  # words any good answer contains (`a|b`: either); story cases
    newest: str = ""  # a "latest" case: the newest article of the story, which the answer should cite


@dataclass
class EvalRun:
    """Per-case results and the aggregate summary of one run."""

    name: str
    results: list[dict]
    summary: dict = field(default_factory=dict)

    def failures(self) -> list[dict]:
        return [r for r in self.results if not passed(r)]


def passed(result: dict) -> bool:
    """A case passes if it abstains when it should, or answers with an accepted answer when it should."""
    if not result["answerable"]:
        return bool(result["abstained"])
    return not result["abstained"] and bool(result.get("contains"))


def load_cases(path: Path) -> list[Case]:
    """Read and validate a JSONL question set; errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise AssistantError(f"{path}: question set not found")
    cases: list[Case] = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssistantError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(raw, dict):
            raise AssistantError(f"{where}: each line must be a JSON object")
        missing = [k for k in ("id", "question", "answerable") if k not in raw]
        if missing:
            raise AssistantError(f"{where}: missing {', '.join(missing)}")
        answers, sources = raw.get("answers", []), raw.get("sources", [])
        if not (isinstance(answers, list) and isinstance(sources, list) and isinstance(raw["answerable"], bool)):
            raise AssistantError(f"{where}: answers and sources must be lists, answerable a boolean")
        case_id = str(raw["id"])
        if case_id in seen:
            raise AssistantError(f"{where}: duplicate id {case_id!r}")
        if raw["answerable"] and not answers:
            raise AssistantError(f"{where}: an answerable case needs at least one accepted answer")
        history, key_words = raw.get("history", []), raw.get("key_words", [])
        if not all(isinstance(x, list) and all(isinstance(v, str) for v in x) for x in (history, key_words)):
            raise AssistantError(f"{where}: history and key_words must be lists of strings")
        newest = raw.get("newest", "")
        if newest and newest not in sources:
            raise AssistantError(f"{where}: newest ({newest}) must be one of the case's sources")
        seen.add(case_id)
        cases.append(Case(case_id, str(raw["question"]), [str(a) for a in answers], [str(s) for s in sources],
                          raw["answerable"], str(raw.get("kind", "")), tuple(history), tuple(key_words),
                          str(newest)))
    if not cases:
        raise AssistantError(f"{path}: no cases")
    return cases


def run_cases(ask: Callable[[str, tuple[str, ...]], Answer], cases: list[Case], name: str, *,
              progress: Callable[[int, int], None] | None = None, meta: dict | None = None,
              texts: Callable[[list[str]], dict[str, str]] | None = None) -> EvalRun:
    """Ask every case through `ask(question, history)` and score it; with `texts` (documents' texts by id),
    also check that every quote is its article's own text at the cited offsets."""
    results = []
    for i, case in enumerate(cases, start=1):
        t0 = time.perf_counter()
        try:
            answer = ask(case.question, case.history).to_dict()
            error = None
        except AssistantError as exc:  # e.g. an over-long question: record it, keep going
            answer = {"answer": "", "abstained": True, "citations": [], "retrieved": []}
            error = str(exc)
        latency = (time.perf_counter() - t0) * 1000
        cited = [c["source"] for c in answer["citations"]]
        generation = answer.get("generation") or {}
        if answer["abstained"]:
            written = supported = None
        elif generation:  # an LLM wrote sentences; count those that passed verification
            written, supported = generation.get("sentences", 0), generation.get("supported", 0)
        else:  # extractive: verbatim quotes, one per citation
            written = supported = len(answer["citations"])
        # a story answer's note on a newer article is not its words (the article's title would count as key words)
        said = answer["answer"].removesuffix(answer.get("note", "")).rstrip()
        scores = metrics.case_metrics(answer["retrieved"], cited, said, answer["abstained"],
                                      case.sources, case.answers, case.answerable, answer.get("short"))
        scores.update(story_metrics.story_case_metrics(
            said, answer["abstained"], answer["citations"], case.answers, case.key_words, case.newest,
            texts(sorted(set(cited))) if texts else None))
        results.append({
            "id": case.id, "kind": case.kind, "question": case.question, "history": list(case.history),
            "answerable": case.answerable,
            "gold_answers": case.answers, "gold_sources": case.sources,
            "answer": answer["answer"], "abstained": answer["abstained"], "citations": answer["citations"],
            "retrieved": answer["retrieved"], "latency_ms": round(latency, 1), "error": error,
            "sentences_written": written, "sentences_supported": supported,
            "fallback": bool(generation.get("fallback")) if not answer["abstained"] else None, **scores,
            # how sure the reader was, and whether its answer (shown, or withheld under the threshold) is right
            "confidence": answer.get("confidence"), "band": answer.get("band", ""),
            "right": metrics.answer_right(answer.get("short") or answer.get("candidate", ""), case.answers,
                                          case.answerable),
        })
        if progress:
            progress(i, len(cases))
    return EvalRun(name, results, summarize(results, name, meta or {}))


def summarize(results: list[dict], name: str, meta: dict) -> dict:
    """Overall and per-kind metrics, plus each case's outcome for later comparison."""
    summary = {"set": name, "date": dt.datetime.now().isoformat(timespec="seconds"), **meta,
               **metrics.summarize(results), **story_metrics.summarize(results)}
    written = sum(r["sentences_written"] or 0 for r in results)
    summary["supported_sentence_rate"] = sum(r["sentences_supported"] or 0 for r in results) / written if written else None
    answered = [r for r in results if r["fallback"] is not None]
    summary["fallback_rate"] = sum(r["fallback"] for r in answered) / len(answered) if answered else None
    kinds = sorted({r["kind"] for r in results if r["kind"]})
    if len(kinds) > 1:
        summary["by_kind"] = {}
        for kind in kinds:
            inside = [r for r in results if r["kind"] == kind]
            summary["by_kind"][kind] = {**metrics.summarize(inside), **story_metrics.summarize(inside)}
    summary["cases"] = {
        r["id"]: {"passed": passed(r), "abstained": r["abstained"], "hit@1": r["hit@1"], "contains": r["contains"]}
        for r in results
    }
    return summary


def own_sets(index_dir: Path) -> Path:
    """Where the sets made for an index go (ratings exported, sets uploaded in the app): `<index>/evals/`."""
    return Path(index_dir) / "evals"


def find_question_sets(folder: Path) -> list[Path]:
    """The JSONL question sets directly in `folder`, by name."""
    folder = Path(folder)
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


class Evaluation:
    """Scoring question sets against the index, and fitting the abstention threshold on them."""

    def __init__(self, settings, index, questions) -> None:
        self.settings, self.index, self.questions = settings, index, questions

    def evaluate(self, question_set: Path, options: AskOptions = AskOptions(),
                 progress: Callable[[int, int], None] | None = None) -> EvalRun:
        """Run a JSONL question set against this index; returns an `EvalRun` with results and summary."""
        cases = load_cases(question_set)
        missing = self.missing_gold(cases)
        if missing:
            raise AssistantError(
                f"{len(missing)} gold document(s) of {Path(question_set).name} are not in the index "
                f"{self.settings.index_dir} (e.g. {missing[0]}); ingest them first")
        threshold, source = self.questions.threshold()
        chosen = self.questions.answerer(options.answerer)
        meta = {"answerer": chosen.name, "k": options.k or self.settings.k, "index": str(self.settings.index_dir),
                "abstain_threshold": threshold, "threshold_source": source}
        return run_cases(lambda question, history: self.questions.ask(question, options, history), cases,
                         Path(question_set).stem, progress=progress, meta=meta, texts=self.index.texts)

    def missing_gold(self, cases: list[Case]) -> list[str]:
        """Gold documents of `cases` that this index does not hold (a set runs only when there are none)."""
        known = self.index.catalog
        return sorted({s for case in cases for s in case.sources if s not in known})

    def question_sets(self) -> list[Path]:
        """The sets to offer: the evals folder's (found beside the project when the app starts elsewhere) and
        the ones made for this index (`<index>/evals/`: from ratings, or uploaded), by name."""
        folder = Path(self.settings.evals_dir)
        if not folder.is_absolute() and not folder.is_dir():
            folder = Path(__file__).resolve().parent.parent / folder
        found = {p.name: p for p in find_question_sets(folder)}
        found.update({p.name: p for p in find_question_sets(self.own_sets)})
        return [found[name] for name in sorted(found)]

    @property
    def own_sets(self) -> Path:
        """Where sets made for this index go: ratings exported, sets uploaded in the app."""
        return own_sets(self.settings.index_dir)

    def fits(self, question_set: Path) -> bool:
        """Can this set run against this index (readable, and its gold documents indexed)?"""
        try:
            return not self.missing_gold(load_cases(question_set))
        except AssistantError:
            return False

    def calibrate(self, question_sets: list[Path], max_false_abstention: float = 0.10,
                  progress: Callable[[int, int], None] | None = None):
        """Fit the refusal threshold (on the answers' confidence) on labelled sets and store it with the index.

        Every case takes the served path (`ask`), with an answerer that refuses nothing on confidence."""
        from . import calibration

        cases = [(Path(path).name, case) for path in question_sets for case in load_cases(path)]
        probe = self.questions.reader_answerer(threshold=0.0)
        points = []
        for i, (_, case) in enumerate(cases, start=1):
            answer = self.questions.ask(case.question, AskOptions(answerer=probe))
            # no span at all, or too vague: refused at any threshold
            points.append((answer.confidence or 0.0, case.answerable, answer.abstained))
            if progress:
                progress(i, len(cases))
        fitted = calibration.fit(points, max_false_abstention, [Path(p).name for p in question_sets],
                                 sets=[name for name, _ in cases])
        calibration.save(self.index, fitted)
        self.questions.forget_answerers()  # the next question uses the new threshold
        return fitted
