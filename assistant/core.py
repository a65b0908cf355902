"""`Assistant`: the index and the three services built on it, for the CLI, the Gradio app and the eval runner.

    assistant.corpus      ingest, sync, upload, remove, documents   (corpus.Corpus)
    assistant.questions   ask, stream, answerers, suggestions       (questions.Questions, over ask.AskPipeline)
    assistant.evaluation  evaluate, calibrate                        (evaluation.Evaluation)

The services share one in-process readers-writer lock: questions run together, a write runs alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterator, Sequence

from .citations import Answer, Draft, Quoted
from .corpus import Corpus
from .evaluation import Evaluation
from .feedback import Feedback, FeedbackLog
from .index import Index
from .locking import ReadWriteLock
from .options import AskOptions
from .questions import Questions
from .settings import Settings


@dataclass(frozen=True)
class Status:
    """What a health check reports: the index's size, the refusal threshold in force, and (when asked for)
    whether every part of the index agrees (`recovery.Health`)."""

    documents: int
    chunks: int
    threshold: float
    threshold_from: str
    healthy: bool | None = None  # None: not verified (the check reads every vector)
    details: dict | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


class Assistant:
    """Ask questions about the indexed corpus and add documents to it."""

    def __init__(self, settings: Settings | None = None, embeddings=None) -> None:
        self.settings = settings or Settings()
        self.index = Index(self.settings, embeddings=embeddings)
        lock = ReadWriteLock()
        self.corpus = Corpus(self.settings, self.index, lock)
        self.questions = Questions(self.settings, self.index, lock)
        self.evaluation = Evaluation(self.settings, self.index, self.questions)
        self.feedback = FeedbackLog(self.settings.index_dir)

    def follow_writers(self, every: float = 1.0):
        """Keep this process's view current in the background: every `every` seconds, reload (catalog and
        Chroma's graph) if another process wrote, so the next question does not pay for it. The app runs this."""
        import threading

        def loop() -> None:
            while not stop.wait(every):
                try:
                    if self.index.follow(self.questions.lock):
                        self.index.warm_search()
                except Exception:  # noqa: BLE001 - a failed refresh is retried; questions refresh on their own too
                    pass

        stop = threading.Event()
        threading.Thread(target=loop, name="follow-writers", daemon=True).start()
        return stop

    # The library API in one place, with the signatures of the services' methods it calls.
    def ask(self, question: str, options: AskOptions = AskOptions(), history: Sequence[str] = (),
            said: Sequence[Quoted] | None = None) -> Answer:
        """Answer one question with citations, or refuse; `history`: the conversation's earlier questions (as asked
        or as searched); `said`: the sentences its answers quoted, for "Tell me more" (None: found by asking again)."""
        return self.questions.ask(question, options, history, said)

    def stream(self, question: str, options: AskOptions = AskOptions(), history: Sequence[str] = (),
               said: Sequence[Quoted] | None = None) -> Iterator[Draft | Answer]:
        return self.questions.stream(question, options, history, said)

    def ingest(self, paths: list, progress=None):
        return self.corpus.ingest(paths, progress)

    def sync(self, folder, progress=None):
        return self.corpus.sync(folder, progress)

    def remove(self, doc_ids: list[str], delete_files: bool = False):
        return self.corpus.remove(doc_ids, delete_files)

    def upload(self, files: list, progress=None):
        return self.corpus.upload(files, progress)

    def documents(self):
        return self.corpus.documents()

    def evaluate(self, question_set, options: AskOptions = AskOptions(), progress=None):
        return self.evaluation.evaluate(question_set, options, progress)

    def calibrate(self, question_sets: list, max_false_abstention: float = 0.10, progress=None):
        return self.evaluation.calibrate(question_sets, max_false_abstention, progress)

    def rate(self, answer: dict, rating: int, right_answer: str = "", wrong_source: bool = False, user: str = "") -> int:
        """Keep a 👍 (+1) or 👎 (-1) on an answer (`Answer.to_dict()`), with the index generation it was given
        on; the rating's id, for `feedback.correct`."""
        return self.feedback.add(Feedback.of(answer, rating, right_answer, wrong_source, self.index.generation(), user))

    def status(self, verify: bool = False) -> Status:
        """Size and threshold at once; with `verify`, also the consistency check (slow on a large index)."""
        threshold, source = self.questions.threshold()
        health = self.index.health() if verify else None
        return Status(len(self.corpus.catalog()), self.index.chunk_count(), threshold, source,
                      health.healthy if health else None, health.to_dict() if health else None)
