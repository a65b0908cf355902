"""Crash safety: notice an interrupted write and make every derived index agree with the store again.

`documents.json` is the source of truth and is replaced atomically, last, by
every write. Chroma (chunk and sentence vectors) and BM25 are derived from it.
A write first drops a marker file and removes it when done; a marker found
later means the process died mid-write (kill -9, power cut), and the next
write first reconciles: vectors for ids the store does not know are deleted,
vectors that are missing or were made from other text (their stored hash differs)
are re-embedded, and BM25 is rebuilt. Nothing the store holds is lost; nothing is
left twice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import contextmanager

MARKER = "write-in-progress.json"


@contextmanager
def write_guard(index):
    """Mark the index as being written for the duration of the block."""
    index.root.mkdir(parents=True, exist_ok=True)
    marker = index.root / MARKER
    marker.write_text(json.dumps({"pid": os.getpid(), "started": dt.datetime.now().isoformat(timespec="seconds")}))
    yield
    marker.unlink(missing_ok=True)


def interrupted(index) -> bool:
    return (index.root / MARKER).exists()


def expected_items(index) -> tuple[dict, dict]:
    """What Chroma should hold, from the store: id -> (text, doc_id) for chunks and for sentences."""
    chunks, sentences = {}, {}
    for doc_id, rec in index.documents.items():
        for i, (a, b) in enumerate(rec["chunks"]):
            chunks[f"{doc_id}#{i}"] = (rec["text"][a:b], doc_id)
        for i, (a, b) in enumerate(rec["sentences"]):
            sentences[f"{doc_id}@{i}"] = (rec["text"][a:b], doc_id)
    return chunks, sentences


def stored_matches(got: dict, expected: dict) -> tuple[list[str], list[str]]:
    """(orphans, stale): ids Chroma holds that the store does not know, and expected ids whose vector is
    missing or was made from other text (its hash differs; indexes from before the hash kept the text)."""
    from .vectors import text_hash

    actual = {i: (meta or {}).get("sha") or text_hash(doc or "") for i, meta, doc in
              zip(got["ids"], got["metadatas"], got.get("documents") or [None] * len(got["ids"]))}
    orphans = [i for i in actual if i not in expected]
    stale = [i for i, (text, _) in expected.items() if actual.get(i) != text_hash(text)]
    return orphans, stale


def reconcile(index) -> dict[str, int]:
    """Bring both vector collections and BM25 in line with the store; returns what was fixed."""
    from . import vectors

    fixed, redo = {}, set()
    chunks, sentences = expected_items(index)
    for name, store, expected in (("chunks", index.vectorstore, chunks), ("sentences", index.sentence_store, sentences)):
        orphans, stale = stored_matches(store.get(include=["metadatas", "documents"]), expected)
        if orphans:
            store.delete(ids=orphans)
        redo.update(stale)
        fixed[f"{name}_orphans_deleted"], fixed[f"{name}_re_embedded"] = len(orphans), len(stale)
    docs = {expected[i][1] for expected in (chunks, sentences) for i in redo if i in expected}
    vectors.write(index, [(d, index.documents[d]["text"], index.documents[d]["chunks"], index.documents[d]["sentences"])
                          for d in sorted(docs)], only=redo)
    index._save_lexical()
    return fixed



REBUILD = "rebuild-in-progress.json"


def rebuild(settings, embeddings=None, progress=None):
    """Re-index every stored document with the current settings; no source files are needed.

    For an index built with another embedding model or chunk settings, or whose BM25 or
    vector files are damaged. The stored documents are first copied to `REBUILD`; the index
    refuses to open while that file exists, and rerunning `rebuild` resumes from it, so a
    crash mid-rebuild loses nothing. Returns the `IngestReport` of the re-index.
    """
    from pathlib import Path

    from .documents import parse_document
    from .errors import AssistantError
    from .index import Index, _write_json

    root = Path(settings.index_dir)
    saved, docs_file = root / REBUILD, root / "documents.json"
    if not saved.exists():
        if not docs_file.exists():
            raise AssistantError(f"{root}: nothing to rebuild (no documents.json); use `assistant ingest PATH`")
        try:
            _write_json(saved, json.loads(docs_file.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise AssistantError(f"{docs_file} is damaged ({exc}); re-ingest with `assistant ingest --rebuild PATH`") from None
    stored = json.loads(saved.read_text(encoding="utf-8"))
    docs = [parse_document(doc_id, rec["text"], {k: rec.get(k) for k in ("title", "published", "outlet", "url")})
            for doc_id, rec in stored.items()]  # raises before anything is cleared if one no longer parses
    manifest = root / "manifest.json"
    if settings.sentence_vectors == "auto" and manifest.exists():  # keep the index's own choice, as `auto` promises
        built = json.loads(manifest.read_text()).get("sentence_vectors", "standalone")
        settings = settings.model_copy(update={"sentence_vectors": built})
    Index.clear_folder(root)
    index = Index(settings, embeddings=embeddings, resuming_rebuild=True)
    for store in (index.vectorstore, index.sentence_store):  # also drops collections a Chroma server keeps
        store.delete_collection()
    index._stores = None
    report = index.add(docs, progress=progress)
    saved.unlink()
    return report
