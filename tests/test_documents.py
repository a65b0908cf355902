"""Loading and cleaning: metadata, titles, repeated lines, and clear errors for bad files."""

from pathlib import Path

import pytest

from assistant.documents import discover, parse_document
from assistant.errors import AssistantError
from assistant.formats import read_file

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "000_cee5a0d51e26243d.txt"


def _indexed_lines(doc):
    return [doc.text[a:b] for a, b in doc.segments]


def test_seed_headline_is_indexed_once_and_becomes_the_title():
    doc = read_file(SEED, SEED.name, 10**8)[0]
    headline = "Alec Baldwin's Criminal Case Dismissed, Civil Lawsuit Looms"
    assert doc.text.count(headline) == 2  # the raw file repeats it
    assert _indexed_lines(doc).count(headline) == 1
    assert doc.title == headline
    assert doc.id == SEED.name


def test_segments_point_into_the_original_text():
    text = "  First line here.  \n\nSecond line.\nfirst   LINE here.\n"
    doc = parse_document("x.txt", text)
    assert _indexed_lines(doc) == ["First line here.", "Second line."]
    for a, b in doc.segments:
        assert text[a:b] == text[a:b].strip()


@pytest.mark.parametrize("line, tag", [
    ("Sri Lanka A bomb exploded Tuesday night in Colombo, the capital, killing six people.", "Sri Lanka"),
    ("Bangladesh On Wednesday, members of the Bangladesh Rifles staged a mutiny in Dhaka.", "Bangladesh"),
    ("Stock Market The European Union's competition commission fined six banks on Monday.", "Stock Market"),
    ("Friday, December 25, 2020 In May, a study was published in the journal Nature Astronomy.",
     "Friday, December 25, 2020"),
    ("Research In Motion Ltd. co-chief executive Jim Balsillie said today the company would grow.", ""),
    ("Bristol Police have been given seven days to question the suspect in the murder case.", ""),
    ("The United States has said that Zimbabwe must improve its human rights record first.", ""),
    ("USA The British oil company", ""),  # what follows is no lead sentence
    ("Storm Hits The Coast As Thousands Flee Their Homes In Florida Tonight", ""),  # a headline in title case
])
def test_a_date_or_place_tag_before_the_first_sentence_is_a_segment_of_its_own(line, tag):
    """A news export's tag glued to the lead ("Sri Lanka A bomb exploded …") is no part of its first sentence."""
    doc = parse_document("a.md", f"---\ntitle: News\n---\n{line}\n\nMore news followed.\n")
    lines = _indexed_lines(doc)
    assert lines == ([tag, line[len(tag):].strip()] if tag else [line]) + ["More news followed."]


def test_front_matter_gives_metadata_and_is_not_indexed():
    text = "---\ntitle: Court rules on appeal\ndate: 2024-12-20\nsource: Example News\nurl: https://example.org/a\n---\nThe court ruled on Friday.\n"
    doc = parse_document("a.md", text)
    assert (doc.title, doc.published, doc.outlet, doc.url) == (
        "Court rules on appeal", "2024-12-20", "Example News", "https://example.org/a")
    assert _indexed_lines(doc) == ["The court ruled on Friday."]


def test_markdown_heading_is_the_title_without_hashes():
    doc = parse_document("b.md", "# Storm hits the coast\n\nWinds reached 100 km/h on Monday.\n")
    assert doc.title == "Storm hits the coast"


def test_title_falls_back_to_a_shortened_first_line():
    long_line = "This is a long opening sentence without any headline above it, " * 4
    doc = parse_document("c.txt", long_line + ".\n")
    assert doc.title.endswith("…") and len(doc.title) <= 120


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "no text to index"),
        ("blank.txt", b"  \n\n \t\n", "no text to index"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("latin1.txt", "Caf\u00e9 au lait".encode("latin-1"), "not valid UTF-8"),
        ("table.csv", b"a,b\n1,2\n", "unsupported file type"),
        ("bad.md", b"---\ntitle: [unclosed\n---\nBody.\n", "front matter"),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AssistantError, match=message) as info:
        read_file(path, name, 10**8)
    assert name in str(info.value)


def test_discover_uses_paths_relative_to_the_folder(tmp_path):
    (tmp_path / "world" / "europe").mkdir(parents=True)
    (tmp_path / "world" / "europe" / "a.txt").write_text("A.")
    (tmp_path / "b.md").write_text("B.")
    (tmp_path / "skip.csv").write_bytes(b"a,b")
    found = discover([tmp_path])
    assert [s.doc_id for s in found] == ["b.md", "world/europe/a.txt"] and not any(s.error for s in found)
    assert discover([tmp_path / "b.md"])[0].doc_id == "b.md"
    [missing] = discover([tmp_path / "missing"])
    assert "no such file or folder" in missing.error
    [url] = discover(["https://example.org/story#comments"])
    assert url.is_url and url.doc_id == "https://example.org/story"


def test_links_out_of_the_folder_are_refused(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("Private notes.")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("Fine.")
    (corpus / "leak.txt").symlink_to(outside)
    by_id = {s.doc_id: s for s in discover([corpus])}
    assert by_id["ok.txt"].error is None
    assert "links outside" in by_id["leak.txt"].error
