"""Feedback on answers (👍/👎, "the right answer is …", "wrong source"), kept so it becomes evaluation data.

Each rating is stored with the question, the answer, its citations and the index generation it was
given on, in `feedback.sqlite3` beside the store (so `ingest --rebuild` does not lose it). `to_cases`
turns it into an eval set in the `evals/` format, which `assistant eval` and the Evaluate tab run:

    👍 an answer               answerable: its short answer, its cited article as the source
    👍 a refusal               unanswerable: the corpus does not say
    👎 + the right answer      answerable: that answer (the cited article too, unless "wrong source")
    👎 without the right one   left out: nobody said what the right behaviour is
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import AssistantError

FILE = "feedback.sqlite3"
SET_NAME = "feedback.jsonl"  # the eval set the ratings export to, among the index's own sets
MAX_TEXT = 2000  # characters of a typed right answer


@dataclass(frozen=True)
class Feedback:
    """One rating of one answer."""

    question: str
    answer: str
    rating: int  # +1 (👍) or -1 (👎)
    short: str = ""
    abstained: bool = False
    band: str = ""
    confidence: float | None = None
    sources: list[str] = field(default_factory=list)  # the cited documents, in citation order
    citations: str = "[]"  # the citations as JSON (source, start, end, text)
    right_answer: str = ""
    wrong_source: bool = False
    generation: int = 0
    user: str = ""
    created_at: str = ""
    id: int | None = None

    @classmethod
    def of(cls, answer: dict, rating: int, right_answer: str = "", wrong_source: bool = False, generation: int = 0,
           user: str = "") -> "Feedback":
        """A rating of `answer` in its JSON shape (`Answer.to_dict()`: what the chat keeps and the API returns)."""
        if rating not in (1, -1):
            raise AssistantError(f"a rating is +1 or -1, not {rating!r}")
        right_answer = " ".join(str(right_answer or "").split())
        if len(right_answer) > MAX_TEXT:
            raise AssistantError(f"the right answer is {len(right_answer):,} characters; at most {MAX_TEXT:,}")
        cited = [{k: c.get(k) for k in ("source", "start", "end", "text")} for c in answer.get("citations", [])]
        return cls(str(answer.get("question", "")), str(answer.get("answer", "")), rating, str(answer.get("short", "")),
                   bool(answer.get("abstained")), str(answer.get("band", "")), answer.get("confidence"),
                   list(dict.fromkeys(str(c["source"]) for c in cited)), json.dumps(cited, ensure_ascii=False),
                   right_answer, bool(wrong_source), generation, user)


class FeedbackLog:
    """The feedback of one index, in `<index>/feedback.sqlite3` (made on the first rating)."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE
        self._lock = threading.Lock()  # one connection, shared by the app's threads

    def add(self, feedback: Feedback) -> int:
        """Store a rating; its id (for `correct`)."""
        row = {k: v for k, v in asdict(feedback).items() if k != "id"}
        row.update(sources=json.dumps(feedback.sources), created_at=feedback.created_at or now())
        with self._lock:
            return self._table().insert(row, pk="id").last_pk

    def correct(self, feedback_id: int, right_answer: str | None = None, wrong_source: bool | None = None) -> None:
        """Add "the right answer is …" and/or "wrong source" to a stored rating."""
        checked = Feedback.of({}, -1, right_answer or "", bool(wrong_source))  # the same checks as a new rating
        updates = {k: v for k, v, given in (("right_answer", checked.right_answer, right_answer is not None),
                                            ("wrong_source", checked.wrong_source, wrong_source is not None)) if given}
        with self._lock:
            table = self._table()
            if not table.count_where("id = ?", [feedback_id]):
                raise AssistantError(f"no feedback with id {feedback_id}")
            if updates:
                table.update(feedback_id, updates)

    def all(self) -> list[Feedback]:
        """Every rating, oldest first."""
        if not self.path.exists():
            return []
        with self._lock:
            rows = list(self._table().rows_where(order_by="id"))
        return [Feedback(**{**row, "sources": json.loads(row["sources"]), "abstained": bool(row["abstained"]),
                            "wrong_source": bool(row["wrong_source"])}) for row in rows]

    def _table(self):
        import sqlite_utils

        if getattr(self, "_db", None) is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # one connection for the app's threads, used only under `self._lock`
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=5)
            self._db = sqlite_utils.Database(conn)
            self._db.enable_wal()
            if not self._db["feedback"].exists():
                self._db["feedback"].create({
                    "id": int, "question": str, "answer": str, "rating": int, "short": str, "abstained": int,
                    "band": str, "confidence": float, "sources": str, "citations": str, "right_answer": str,
                    "wrong_source": int, "generation": int, "user": str, "created_at": str}, pk="id")
        return self._db["feedback"]


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def to_cases(feedback: list[Feedback]) -> tuple[list[dict], list[Feedback]]:
    """Eval cases (the `evals/` JSONL shape) from ratings, the newest rating of a question winning; and the
    ratings left out (a 👎 with no right answer says what is wrong, not what is right)."""
    latest = {" ".join(f.question.casefold().split()): f for f in feedback}
    cases, left_out = [], []
    for f in latest.values():
        case = {"id": f"feedback-{f.id}", "question": f.question, "kind": "feedback"}
        if f.rating > 0 and f.abstained:
            cases.append(case | {"answers": [], "sources": [], "answerable": False})
        elif f.rating > 0 and f.short:
            cases.append(case | {"answers": [f.short], "sources": f.sources[:1], "answerable": True})
        elif f.rating < 0 and f.right_answer:
            sources = [] if f.wrong_source or f.abstained else f.sources[:1]
            cases.append(case | {"answers": [f.right_answer], "sources": sources, "answerable": True})
        else:
            left_out.append(f)
    return cases, left_out


def write_cases(cases: list[dict], path: Path) -> None:
    """Write cases as JSONL, one per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")


def export_set(log: FeedbackLog, path: Path) -> tuple[list[dict], list[Feedback]]:
    """The ratings as an eval set at `path` (written only when there is a case): the cases, and the ratings
    left out. What `assistant feedback export` and the Evaluate tab both do."""
    cases, left_out = to_cases(log.all())
    if cases:
        write_cases(cases, path)
    return cases, left_out
