"""Hostile files: uploads (the Corpus tab's path, `Assistant.upload`) and folders (`Assistant.ingest`/`sync`, the
code path of `assistant ingest` and `make run`): bombs, wrong encodings, broken formats, links out of the corpus,
named pipes, `../` paths.

Every case checks a clear, specific message naming the file, and that nothing already stored is lost (the
store's documents, row for row, the corpus folder, the seed answer). The app under hostile questions and
content is `test_hostile.py`.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import ROOT, SEED_ID, pdf_bytes, seeded_index, store_snapshot, stored_document

SEED_Q = "who represents the Hutchins family?"
MB = 1_000_000


def _zip_bomb(inner: str, size: int = 300 * MB) -> bytes:
    """A zip of `size` zero bytes (about 300 KB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z, z.open(inner, "w", force_zip64=True) as f:
        block = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            f.write(block)
    return buf.getvalue()


def _docx_bomb() -> bytes:
    """A well-formed DOCX whose document.xml unzips to 300 MB of whitespace (15 times the 20 MB that 2 MB files
    may expand to)."""
    import docx

    source = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Hello.")
    document.save(source)
    src, out = zipfile.ZipFile(source), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != "word/document.xml":
                z.writestr(info, data)
                continue
            head, tail = data.split(b"<w:body>")
            with z.open(info.filename, "w", force_zip64=True) as f:
                f.write(head + b"<w:body>")
                for _ in range(300):
                    f.write(b" " * (1 << 20))
                f.write(tail)
    return out.getvalue()




LAUGHS = "---\na: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh")) + "title: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n---\nBody.\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory, embeddings):
    """What the Corpus tab calls (`Assistant.upload`), on its own index and corpus folder (2 MB file limit)."""
    base = tmp_path_factory.mktemp("uploads")
    corpus, index, assistant, _ = seeded_index(base, embeddings, {}, max_file_mb=2)
    return {"assistant": assistant, "index": index, "corpus": corpus, "files": base / "files"}



# --------------------------------------------------------------------------- uploads
@dataclass(frozen=True)
class F:
    name: str
    content: bytes | str
    error: str  # the failure line of the upload report must contain this


UPLOADS = {
    "empty-file": F("empty.txt", b"", "no text to index"),
    "whitespace-file": F("blank.md", b" \n\t\n  \n", "no text to index"),
    "binary-renamed-txt": F("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "looks like a binary file"),
    "latin-1-encoded": F("cafe.txt", "Le café de la gare a fermé.".encode("latin-1"), "not valid UTF-8"),
    "utf-16-encoded": F("wide.txt", "A storm closed the port.".encode("utf-16"), "UTF-16 text; save it as UTF-8"),
    "over-the-size-limit": F("huge.txt", b"word " * 600_000, "limit"),
    "zip-bomb-renamed-txt": F("notes.txt", b"", "looks like a binary file"),  # content filled in below
    "zip-bomb-docx": F("bomb.docx", b"", "a zip bomb?"),
    "pdf-decompression-bomb": F("bomb.pdf", b"", "decompression bomb"),
    "fake-pdf": F("fake.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
    "fake-docx": F("fake.docx", b"PK\x03\x04 not a zip really", "not a readable DOCX"),
    "yaml-alias-bomb-front-matter": F("laughs.md", LAUGHS, "front matter field 'title' must be a single value"),
    "invalid-yaml-front-matter": F("bad.md", "---\ntitle: [unclosed\n---\nBody text.\n", "front matter is not valid YAML"),
    "deeply-nested-jsonl": F("deep.jsonl", "[" * 100_000 + "]" * 100_000 + "\n", "deep.jsonl:1: JSON nested too deeply"),
    "jsonl-unpaired-surrogate": F("sur.jsonl", '{"text": "Storm \\ud800 hits the coast."}\n', "not valid Unicode"),
    "jsonl-without-text": F("notext.jsonl", '{"title": "only a title"}\n', "notext.jsonl:1: each line needs"),
    "html-with-only-scripts": F("script.html", b"<html><body><script>alert(1)</script><div onload=alert(2)></div></body></html>",
                                "no article text"),
}


def _upload_content(store, key: str, case: F) -> Path:
    folder = store["files"] / key
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / case.name
    content = case.content
    if key == "zip-bomb-renamed-txt":
        content = _zip_bomb("notes.txt", 200 * MB)
    elif key == "zip-bomb-docx":
        content = _docx_bomb()
    elif key == "pdf-decompression-bomb":
        # 300 MB of page content: four times pypdf's 75 MB decompression limit
        content = pdf_bytes(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n" + b" " * 300_000_000, compress=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _store_intact(store, before: bytes, corpus_before: set[str]) -> None:
    assert store_snapshot(store["index"]) == before, "the stored documents changed"
    assert {p.name for p in store["corpus"].iterdir()} == corpus_before, "the corpus folder changed"
    assert "Gloria Allred" in store["assistant"].ask(SEED_Q).answer


@pytest.mark.parametrize("key", UPLOADS, ids=UPLOADS.keys())
def test_hostile_upload(store, key):
    """The Corpus tab's upload path: one clear line naming the file, the index and the corpus folder untouched."""
    case = UPLOADS[key]
    path = _upload_content(store, key, case)
    before, corpus_before = store_snapshot(store["index"]), {p.name for p in store["corpus"].iterdir()}
    report = store["assistant"].upload([path])
    assert not report.added and not report.updated and not report.removed
    [(name, why)] = report.failed
    assert name == case.name and case.error in why and case.name in why, why
    _store_intact(store, before, corpus_before)


def test_a_good_file_in_a_bad_batch_still_goes_in(store):
    """One failure does not sink the batch: the good file is indexed, the bad one explained."""
    folder = store["files"] / "batch"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text("Flood in Riverton\n\nThe river rose two metres on Tuesday. Mayor Ada Park ordered an evacuation.\n")
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02 binary")
    seed_before = stored_document(store["index"], SEED_ID)
    report = store["assistant"].upload([folder / "good.txt", folder / "bad.txt"])
    assert [d for d, _ in report.added] == ["good.txt"]
    assert "bad.txt: looks like a binary file" in dict(report.failed)["bad.txt"]
    assert "Ada Park" in store["assistant"].ask("Who ordered an evacuation?").answer
    assert stored_document(store["index"], SEED_ID) == seed_before
    assert not (store["corpus"] / "bad.txt").exists() and (store["corpus"] / "good.txt").exists()
    assert "Gloria Allred" in store["assistant"].ask(SEED_Q).answer


# --------------------------------------------------------------------------- folders (assistant ingest / sync)
@pytest.fixture()
def ingest_env(tmp_path, seed_settings, embeddings):
    """A private copy of the seed index and a corpus folder holding the seed article."""
    from assistant import Assistant

    index = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / SEED_ID, corpus / SEED_ID)
    assistant = Assistant(seed_settings.model_copy(update={"index_dir": index, "corpus_dir": corpus}), embeddings=embeddings)
    return assistant, corpus, index, store_snapshot(index)


def _ingest_intact(assistant, index: Path, before: list) -> None:
    assert store_snapshot(index) == before
    assert "Gloria Allred" in assistant.ask(SEED_Q).answer


def test_symlink_to_a_file_outside_the_corpus_is_refused(ingest_env, tmp_path):
    assistant, corpus, index, before = ingest_env
    secret = tmp_path / "secret.txt"
    secret.write_text("Private notes\n\nThe password is hunter2.\n")
    (corpus / "leak.txt").symlink_to(secret)
    report = assistant.sync(corpus)
    assert dict(report.failed)["leak.txt"].endswith("links outside " + str(corpus) + ", not ingested")
    assert "hunter2" not in repr(store_snapshot(index))
    _ingest_intact(assistant, index, before)


def test_symlinked_folder_outside_the_corpus_is_refused(ingest_env, tmp_path):
    assistant, corpus, index, before = ingest_env
    private = tmp_path / "private"
    private.mkdir()
    (private / "diary.md").write_text("Diary\n\nMy bank PIN is 4321.\n")
    (corpus / "shared").symlink_to(private, target_is_directory=True)
    report = assistant.ingest([corpus])
    failed = dict(report.failed)
    assert all("links outside" in why for why in failed.values())
    assert "4321" not in repr(store_snapshot(index))
    _ingest_intact(assistant, index, before)


def test_dot_dot_path_and_dot_dot_ids_touch_nothing_outside(ingest_env, tmp_path):
    assistant, corpus, index, before = ingest_env
    report = assistant.remove(["../../etc/passwd", "../" + SEED_ID])
    assert report.removed == [] and all("no such document" in why for _, why in report.failed)
    sneaky = corpus / ".." / "missing" / ".." / "nowhere.txt"
    report = assistant.ingest([sneaky])
    assert "no such file or folder" in dict(report.failed)[str(sneaky)]
    _ingest_intact(assistant, index, before)


def test_named_pipe_in_the_corpus_does_not_hang_the_ingest(ingest_env):
    assistant, corpus, index, before = ingest_env
    os.mkfifo(corpus / "pipe.txt")
    report = assistant.sync(corpus)  # reading a FIFO would block forever; it is not a regular file
    assert report.unchanged == [SEED_ID] and not report.failed and not report.removed
    _ingest_intact(assistant, index, before)


def test_folder_named_like_a_file_and_hidden_files_are_skipped(ingest_env):
    assistant, corpus, index, before = ingest_env
    (corpus / "folder.txt").mkdir()
    (corpus / ".hidden.txt").write_text("Hidden\n\nThis should not be indexed.\n")
    report = assistant.sync(corpus)
    assert report.unchanged == [SEED_ID] and not (report.added or report.failed or report.removed)
    _ingest_intact(assistant, index, before)


def test_a_file_that_turns_binary_keeps_its_indexed_version(ingest_env):
    assistant, corpus, index, before = ingest_env
    (corpus / SEED_ID).write_bytes(b"\x00\xff garbage now")
    report = assistant.sync(corpus)
    assert "looks like a binary file" in dict(report.failed)[SEED_ID] and report.removed == []
    _ingest_intact(assistant, index, before)
