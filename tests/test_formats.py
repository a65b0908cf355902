"""File formats: HTML main text and metadata, PDF, DOCX, JSONL articles, size limits and clear errors."""

import json

import pytest
from helpers import HTML, pdf_bytes

from assistant.errors import AssistantError
from assistant.formats import owned_ids, read_file

MB = 10**6

def _pdf(text: str) -> bytes:
    """A minimal one-page PDF with `text` in Helvetica (enough for a real parser)."""
    return pdf_bytes(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())


def test_html_keeps_the_article_and_drops_scripts_and_boilerplate(tmp_path):
    path = tmp_path / "storm.html"
    path.write_text(HTML)
    [doc] = read_file(path, "storm.html", MB)
    assert "harbour master Lena Ortiz" in doc.text and "Saturday" in doc.text
    assert "TRACKING CODE" not in doc.text and "window.track" not in doc.text and "Subscribe" not in doc.text
    assert doc.title.startswith("Storm closes Riverton port")
    assert doc.published == "2024-05-02" and doc.outlet == "Riverton Gazette"


def test_pdf_text_and_title(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf("The council approved the new bridge on Monday."))
    [doc] = read_file(path, "report.pdf", MB)
    assert "approved the new bridge" in doc.text
    assert doc.text[doc.segments[0][0] : doc.segments[0][1]].startswith("The council")


def _pdf_titled(title: str) -> bytes:
    """A real PDF with a headline line, a sentence, and `title` in its metadata (the document info dictionary)."""
    import io

    from pypdf import PdfReader, PdfWriter

    raw = pdf_bytes(b"BT /F1 12 Tf 72 720 Td (Riverton bridge reopens) Tj 0 -20 Td "
                    b"(The council reopened the bridge on Monday after the floods.) Tj ET")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("placeholder", ["about:blank", "Untitled document", "Microsoft Word - bridge.docx", "doc1",
                                         "bridge.pdf", "Document1", " ", "---"])
def test_a_pdf_title_that_is_a_placeholder_comes_from_the_text(tmp_path, placeholder):
    path = tmp_path / "bridge.pdf"
    path.write_bytes(_pdf_titled(placeholder))
    from pypdf import PdfReader

    assert PdfReader(path).metadata.title == placeholder  # the file really carries it
    [doc] = read_file(path, "bridge.pdf", MB)
    assert doc.title == "Riverton bridge reopens"  # the first headline-like line, as for a text file


@pytest.mark.parametrize(("given", "kept"), [("Council reopens Riverton bridge", "Council reopens Riverton bridge"),
                                             ("Microsoft Word - Bridge news", "Bridge news"), ("Brexit", "Brexit")])
def test_a_real_pdf_metadata_title_is_kept(tmp_path, given, kept):
    path = tmp_path / "bridge.pdf"
    path.write_bytes(_pdf_titled(given))
    [doc] = read_file(path, "bridge.pdf", MB)
    assert doc.title == kept


def test_docx_paragraphs_and_properties(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.title = "Mill fire"
    document.add_paragraph("A fire broke out at the Riverton mill on Sunday.")
    document.add_paragraph("Nobody was hurt, the fire brigade said.")
    path = tmp_path / "fire.docx"
    document.save(path)
    [doc] = read_file(path, "fire.docx", MB)
    assert doc.title == "Mill fire" and "Nobody was hurt" in doc.text and doc.published


def test_jsonl_gives_one_document_per_line_with_metadata(tmp_path):
    rows = [{"title": "Port closed", "text": "The port closed on Thursday.", "date": "2024-05-02", "source": "Gazette", "url": "https://example.org/1"},
            {"title": "Port reopens", "text": "The port reopened on Saturday.", "date": "2024-05-04", "source": "Herald"}]
    path = tmp_path / "wire.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    docs = read_file(path, "feeds/wire.jsonl", MB)
    assert [d.id for d in docs] == ["feeds/wire.jsonl:1", "feeds/wire.jsonl:2"]
    assert (docs[1].title, docs[1].published, docs[1].outlet, docs[1].url) == ("Port reopens", "2024-05-04", "Herald", None)
    assert owned_ids("feeds/wire.jsonl", ["feeds/wire.jsonl:1", "feeds/wire.jsonl:2", "feeds/wire.jsonl.bak", "x"]) == [
        "feeds/wire.jsonl:1", "feeds/wire.jsonl:2"]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("fake.pdf", b"%PDF-1.4 this is not really a pdf", "not a readable PDF"),
        ("fake.docx", b"PK\x03\x04 not a zip really", "not a readable DOCX"),
        ("empty.html", b"<html><body><script>x()</script></body></html>", "no article text"),
        ("bad.jsonl", b'{"text": "ok"}\n{"title": "no text"}\n', "bad.jsonl:2: each line needs"),
        ("broken.jsonl", b'{"text": "ok"}\n{oops\n', "broken.jsonl:2: not valid JSON"),
        ("noext", b"plain words", "unsupported file type '\\(none\\)'"),
    ],
)
def test_broken_files_get_one_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AssistantError, match=message):
        read_file(path, name, MB)


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(3 * MB)
    with pytest.raises(AssistantError, match=r"huge.txt: file is 3.0 MB; the limit is 2 MB"):
        read_file(path, "huge.txt", 2 * MB)


def test_sync_keeps_a_broken_jsonl_and_drops_articles_removed_from_a_good_one(tmp_path, embeddings):
    from assistant import Assistant, Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    wire = corpus / "wire.jsonl"
    wire.write_text(json.dumps({"text": "The port closed on Thursday."}) + "\n" + json.dumps({"text": "The mill burned on Sunday."}) + "\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assert sorted(d for d, _ in assistant.sync(corpus).added) == ["wire.jsonl:1", "wire.jsonl:2"]
    wire.write_text(json.dumps({"text": "The port closed on Thursday."}) + "\n")
    assert assistant.sync(corpus).removed == ["wire.jsonl:2"]
    wire.write_text("{broken\n")
    report = assistant.sync(corpus)
    assert report.removed == [] and list(assistant.index.catalog) == ["wire.jsonl:1"]
