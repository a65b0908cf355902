"""The corpus: adding files, folders, URLs and uploads to the index, mirroring a folder, removing documents."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from .documents import StoredDocument, discover, parse_document
from .errors import AssistantError
from .ingest import IngestReport, Progress, Step, read_sources, tell
from .locking import ReadWriteLock
from .settings import Settings

TRASH = "trash"  # under the index folder: what a removal took away, until `restore` puts it back
TRASH_KEEP = 20  # removals kept for undo; older trash entries are deleted
_TOKEN = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{8}$")
FIELDS = ("title", "published", "outlet", "url")
ABOUT = ".about.md"  # in the corpus folder: its description and attribution (see `Corpus.about`)


@dataclass
class Removal(IngestReport):
    """A removal's report plus `undo`: the trash entry `Corpus.restore` puts back (None when nothing is kept)."""

    undo: str | None = None


class Corpus:
    """What is indexed, and the writes that change it (serialised against questions by `lock`)."""

    def __init__(self, settings: Settings, index, lock: ReadWriteLock) -> None:
        self.settings, self.index, self.lock = settings, index, lock

    def ingest(self, paths: list, progress: Progress | None = None) -> IngestReport:
        """Add files, folders and http(s) URLs; a bad one is reported and skipped, the rest still go in."""
        found = discover(list(paths))
        with self.lock.writing():
            return self._ingest(found, progress)

    def sync(self, folder: Path, progress: Progress | None = None) -> IngestReport:
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

    def remove(self, doc_ids: list[str], delete_files: bool = False) -> Removal:
        """Remove documents by id; unknown ids are reported as failed.

        With `delete_files` the removal can be undone: the documents (text and metadata, from the
        store, so one ingested from outside the corpus folder too) are saved in the index's trash
        first, then their files in the corpus folder move there, so the next `sync` does not bring
        them back. `restore(report.undo)` puts both back. A crash before the files move leaves them
        in the corpus folder, where the next sync re-adds them.
        """
        with self.lock.writing():
            undo = self._keep(doc_ids) if delete_files else None
            report = Removal(removed=self.index.remove(doc_ids), undo=undo)
        report.failed = [(d, f"{d}: no such document in the index") for d in doc_ids if d not in report.removed]
        if undo:
            corpus = Path(self.settings.corpus_dir).resolve()
            files = self._trash() / undo / "files"
            for doc_id in report.removed:
                file = (corpus / doc_id).resolve()
                if file.is_relative_to(corpus) and file.is_file():
                    target = files / file.relative_to(corpus)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(file, target)
        return report

    def restore(self, undo: str, only: list[str] | None = None) -> IngestReport:
        """Undo a removal: its files go back into the corpus folder and its documents into the index, as they were.

        `only` restores just those of its documents; the rest stay in the trash. A document that is in the
        index again (uploaded anew since) keeps its newer version and is reported as failed.
        """
        entry = self._trash() / str(undo)
        if not _TOKEN.match(str(undo)) or not (entry / "removed.json").is_file():
            raise AssistantError("That removal can no longer be undone: its copy in the trash is gone.")
        saved = json.loads((entry / "removed.json").read_text(encoding="utf-8"))
        wanted = [d for d in saved if only is None or d["id"] in only]
        docs = [parse_document(d["id"], d["text"], {k: d.get(k) for k in FIELDS}) for d in wanted]
        corpus = Path(self.settings.corpus_dir)
        with self.lock.writing():
            present = list(self.index.records([d.id for d in docs]))
            files = entry / "files"
            for file in sorted(p for p in files.rglob("*") if p.is_file()) if files.is_dir() else []:
                target = corpus / file.relative_to(files)
                if not target.exists() and (only is None or file.relative_to(files).as_posix() in only):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(file, target)
            report = self.index.add([d for d in docs if d.id not in present])
        report.failed += [(d, f"{d}: is in the index again; its newer version stays") for d in present]
        rest = [d for d in saved if d not in wanted]
        if rest:
            _write_json(entry / "removed.json", rest)
        else:
            shutil.rmtree(entry, ignore_errors=True)
        return report

    def trashed(self, doc_id: str) -> str | None:
        """The newest removal still in the trash that took `doc_id` away (its `undo` token), if any."""
        trash = self._trash()
        entries = sorted((p for p in trash.iterdir() if _TOKEN.match(p.name)), reverse=True) if trash.is_dir() else []
        for entry in entries:
            try:
                saved = json.loads((entry / "removed.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if any(d.get("id") == doc_id for d in saved):
                return entry.name
        return None

    def _trash(self) -> Path:
        return Path(self.settings.index_dir) / TRASH

    def _keep(self, doc_ids: list[str]) -> str | None:
        """Save the stored documents of `doc_ids` in a new trash entry (call holding the write lock); its name."""
        known = self.index.records(doc_ids)
        if not known:
            return None
        texts = self.index.texts(list(known))
        token = f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
        entry = self._trash() / token
        entry.mkdir(parents=True)
        saved = [{"id": d, "text": texts[d], **{k: getattr(rec, k) for k in FIELDS}} for d, rec in known.items()]
        _write_json(entry / "removed.json", saved)
        for old in sorted(p for p in self._trash().iterdir() if _TOKEN.match(p.name))[:-TRASH_KEEP]:
            shutil.rmtree(old, ignore_errors=True)
        return token

    def upload(self, files: list[Path], progress: Progress | None = None) -> IngestReport:
        """Add uploaded files: each is checked (type, size, readable), copied into the corpus folder, then indexed.

        A file is copied only once it has been read successfully, so a bad upload leaves the
        corpus folder and the index as they were. The document id is the file name, the same id
        `sync` gives it in the corpus folder.
        """
        from .formats import read_file

        corpus = Path(self.settings.corpus_dir)
        max_bytes = int(self.settings.max_file_mb * 1_000_000)
        failed, docs, accepted = [], [], []
        tell(progress, Step("reading", 0, len(files)))
        for n, file in enumerate(map(Path, files), start=1):
            name, before = file.name, len(failed)
            try:
                if name.startswith("."):  # `sync` skips hidden files, so it would remove this one again
                    raise AssistantError(f"{name}: hidden files (names starting with '.') are not indexed")
                docs.extend(read_file(file, name, max_bytes))  # checks type and size, then parses
                accepted.append(file)
            except (AssistantError, OSError) as exc:
                failed.append((name, str(exc)))
            tell(progress, Step("reading", n, len(files), tuple(IngestReport(failed=failed[before:]).events())))
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

    def about(self) -> str:
        """What the corpus is and whose it is, from `.about.md` in the corpus folder (hidden, so never indexed):
        the attribution a licence such as CC BY asks for, shown in the app. '' when there is none."""
        path = Path(self.settings.corpus_dir) / ABOUT
        try:
            return " ".join(path.read_text(encoding="utf-8").split())[:2000] if path.is_file() else ""
        except (OSError, UnicodeDecodeError):
            return ""

    def outlets(self) -> list[str]:
        """The outlets named by indexed documents, for the source filter."""
        return sorted({rec.outlet for rec in self.catalog().values() if rec.outlet})

    def documents(self) -> list[StoredDocument]:
        """Every indexed document with its metadata, chunk count and when it was indexed, by id."""
        return list(self.catalog().values())

    def document(self, doc_id: str) -> tuple[StoredDocument, str] | None:
        """One indexed document's record and whole text (None if it is not in the index)."""
        self.index.follow(self.lock)
        with self.lock.reading():
            record = self.index.records([doc_id]).get(doc_id)
            return (record, self.index.texts([doc_id])[doc_id]) if record else None

    def catalog(self) -> dict[str, StoredDocument]:
        """The documents by id, as of the latest write of any process."""
        self.index.follow(self.lock)
        with self.lock.reading():
            return self.index.catalog

    def _ingest(self, found: list, progress) -> IngestReport:
        docs, failed = read_sources(found, int(self.settings.max_file_mb * 1_000_000), self.settings.fetch_timeout,
                                    progress)
        report = self.index.add(docs, progress=progress)
        report.failed = failed + report.failed
        return report


def _write_json(path: Path, value) -> None:
    """Write `value` as JSON so a crash leaves the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def rebuild(settings: Settings, embeddings=None, progress: Progress | None = None) -> IngestReport:
    """Re-index every stored document with the current settings; no source files are needed.

    For an index built with another embedding model or chunk settings, or whose vectors are damaged. The documents
    stay in the store throughout (see `Index.mark_rebuild`), so rerunning `rebuild` after a crash finishes it.
    """
    from .index import FILE, Index

    root = Path(settings.index_dir)
    if not (root / FILE).exists():
        raise AssistantError(f"{root}: nothing to rebuild (no index there); use `assistant ingest PATH`")
    index = Index(settings, embeddings=embeddings, resuming_rebuild=True)
    if settings.sentence_vectors == "auto":  # keep the index's own choice, as `auto` promises
        index.settings = settings.model_copy(update={"sentence_vectors": index.sentence_mode})
    catalog = index.catalog
    texts = index.texts(list(catalog))
    # raises before anything changes if one no longer parses
    docs = [parse_document(d, texts[d], record.meta.to_dict()) for d, record in catalog.items()]
    index.mark_rebuild(True)
    report = index.add(docs, progress=progress, force=True)
    index.mark_rebuild(False)
    logging.getLogger("assistant").info("rebuilt %s: %s", root, report.summary())
    return report
