"""Locks: questions against writes inside one process, and writers against each other across processes.

`ReadWriteLock`: many questions at once, but never while the index is being written.

An upload in the app changes Chroma and then the store; a question answered half-way
through could see a chunk's vector before the store knows the chunk. Writers are
preferred (a waiting writer holds back new readers) so an ingest is not starved by a
steady stream of questions.
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable


class ReadWriteLock:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self):
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def writing(self):
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class WriterLock:
    """Serialises writers of one index across processes (the app, a terminal, a cron job).

    A file lock in the index folder (`filelock`: released by the OS if the holder dies, so a
    killed writer never blocks the next one). A writer that has to wait says so once, naming
    the process that holds it, instead of hanging silently.
    """

    def __init__(self, folder: Path, on_wait: Callable[[str], None] | None = None) -> None:
        from filelock import FileLock

        self.folder = Path(folder)
        self._lock = FileLock(str(self.folder / "write.lock"))
        self._owner = self.folder / "write.lock.owner"
        self.on_wait = on_wait or (lambda message: logging.getLogger("assistant").warning(message))

    @contextmanager
    def held(self):
        from filelock import Timeout

        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0.5)
        except Timeout:
            try:
                holder = self._owner.read_text().strip()
            except OSError:
                holder = "another process"
            self.on_wait(f"waiting for {holder} to finish writing to {self.folder}")
            self._lock.acquire()
        try:
            self._owner.write_text(f"process {os.getpid()}")
            yield
        finally:
            self._lock.release()
