"""The corpus: adding files, folders, URLs and uploads to the index, mirroring a folder, removing documents."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from .documents import discover
from .errors import AssistantError
from .index import IngestReport
from .locking import ReadWriteLock
from .settings import Settings
from .store import StoredDocument


class Corpus:
    """What is indexed, and the writes that change it (serialised against questions by `lock`)."""

    def __init__(self, settings: Settings, index, lock: ReadWriteLock) -> None:
        self.settings, self.index, self.lock = settings, index, lock

    def ingest(self, paths: list, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Add files, folders and http(s) URLs; a bad one is reported and skipped, the rest still go in."""
        found = discover(list(paths))
        with self.lock.writing():
            return self._ingest(found, progress)

    def sync(self, folder: Path, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Make the index mirror `folder`: add new files, re-index changed ones, remove documents whose file is gone.

        A file that is still there but fails to load keeps its indexed version (nothing stored is lost).
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise AssistantError(f"{folder}: not a folder")
        from .formats import owned_ids

        found = discover([folder])
        with self.lock.writing():
            report = self._ingest(found, progress)
            known = list(self.index.catalog)
            keep = {d for d, _ in report.added + report.updated} | set(report.unchanged)
            keep |= {d for file_id, _ in report.failed for d in owned_ids(file_id, known)}  # broken file: keep its old version
            report.removed = self.index.remove([d for d in known if d not in keep])
        return report

    def remove(self, doc_ids: list[str], delete_files: bool = False) -> IngestReport:
        """Remove documents by id; unknown ids are reported as failed.

        With `delete_files`, a removed document's file in the corpus folder is deleted too, so the
        next `sync` (which `make run` does) does not bring it back. Index first, then the file:
        a crash in between leaves a file that the next sync simply re-adds.
        """
        with self.lock.writing():
            report = IngestReport(removed=self.index.remove(doc_ids))
        report.failed = [(d, f"{d}: no such document in the index") for d in doc_ids if d not in report.removed]
        if delete_files:
            corpus = Path(self.settings.corpus_dir).resolve()
            for doc_id in report.removed:
                file = (corpus / doc_id).resolve()
                if file.is_relative_to(corpus) and file.is_file():
                    file.unlink()
        return report

    def upload(self, files: list[Path], progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Add uploaded files: each is checked (type, size, readable), copied into the corpus folder, then indexed.

        A file is copied only once it has been read successfully, so a bad upload leaves the
        corpus folder and the index as they were. The document id is the file name, the same id
        `sync` gives it in the corpus folder.
        """
        from .formats import read_file

        corpus = Path(self.settings.corpus_dir)
        max_bytes = int(self.settings.max_file_mb * 1_000_000)
        failed, docs, accepted = [], [], []
        for file in map(Path, files):
            name = file.name
            try:
                if name.startswith("."):  # `sync` skips hidden files, so it would remove this one again
                    raise AssistantError(f"{name}: hidden files (names starting with '.') are not indexed")
                docs.extend(read_file(file, name, max_bytes))  # checks type and size, then parses
                accepted.append(file)
            except (AssistantError, OSError) as exc:
                failed.append((name, str(exc)))
        corpus.mkdir(parents=True, exist_ok=True)
        for file in accepted:
            target = corpus / file.name
            tmp = target.with_name(f".{file.name}.upload")
            shutil.copyfile(file, tmp)
            os.replace(tmp, target)
        with self.lock.writing():
            report = self.index.add(docs, progress=progress)
        report.failed = failed + report.failed
        return report

    def outlets(self) -> list[str]:
        """The outlets named by indexed documents, for the source filter."""
        return sorted({rec.outlet for rec in self.catalog().values() if rec.outlet})

    def documents(self) -> list[StoredDocument]:
        """Every indexed document with its metadata, chunk count and when it was indexed, by id."""
        return list(self.catalog().values())

    def catalog(self) -> dict[str, StoredDocument]:
        """The documents by id, as of the latest write of any process."""
        self.index.follow(self.lock)
        with self.lock.reading():
            return self.index.catalog

    def _ingest(self, found: list, progress) -> IngestReport:
        from .formats import read_file, read_html
        from .web import fetch_html

        failed, docs = [], []
        max_bytes = int(self.settings.max_file_mb * 1_000_000)
        for source in found:
            try:
                if source.error:
                    raise AssistantError(source.error)
                if source.is_url:
                    html, final_url = fetch_html(source.location, max_bytes, self.settings.fetch_timeout)
                    docs.append(read_html(source.doc_id, html, url=final_url))
                else:
                    docs.extend(read_file(Path(source.location), source.doc_id, max_bytes))
            except (AssistantError, OSError) as exc:
                failed.append((source.doc_id, str(exc)))
        report = self.index.add(docs, progress=progress)
        report.failed = failed + report.failed
        return report
