"""The reader reads each passage with the sentences around it in its article: what a chunk refers to is often a
paragraph up ("the movie's weapons supervisor" names the film earlier), and a reader trained to refuse questions
whose names its paragraph lacks refused such answers."""

from dataclasses import replace

from helpers import passage

from assistant.chunking import sentence_spans
from assistant.ids import SentenceId
from assistant.retrieval import SentenceEvidence
from assistant.sentences import context_range

FRONT = "---\ntitle: Dam closes road\npublished: 2024-03-01\n---\n"
DOC = FRONT + ("The Elmford dam was built in 1962 on the Wend river. It holds back twelve million cubic metres.\n\n"
               "Its chief engineer, Dana Whitcombe, ordered the spillway road closed on Monday. Cracks were found.\n\n"
               "The road will stay closed for a year. Drivers must use the north bridge.")


def chunk_of(text: str, paragraph: int):
    """The passage holding the document's `paragraph`-th paragraph alone, with its sentences."""
    body = text[len(FRONT):].split("\n\n")
    start = text.index(body[paragraph])
    end = start + len(body[paragraph])
    sentences = tuple(SentenceEvidence(SentenceId("dam.md", i), a, b, 0.0, 0.0)
                      for i, (a, b) in enumerate(sentence_spans(text, start, end)))
    return replace(passage("dam.md", text[start:end], start=start), sentences=sentences)


def test_the_context_is_whole_sentences_of_the_body_within_the_budget():
    middle = chunk_of(DOC, 1)
    a, b = middle.chunk.start, middle.chunk.end
    assert context_range(DOC, a, b, 0, 0) == (a, b)
    start, end = context_range(DOC, a, b, 60, 45)
    assert DOC[start:a] == "It holds back twelve million cubic metres.\n\n"  # one sentence fits in 60 characters
    assert DOC[b:end] == "\n\nThe road will stay closed for a year."
    first = chunk_of(DOC, 0)
    start, _ = context_range(DOC, first.chunk.start, first.chunk.end, 400, 0)
    assert start == first.chunk.start  # never the front matter
    assert context_range(DOC, a, b, 400, 400) == (DOC.index("The Elmford"), len(DOC))


def test_an_answer_found_in_the_context_is_cited_at_its_own_offsets(seed_assistant):
    """The passage is the middle paragraph; the year the dam was built is in the paragraph before it."""
    answerer = replace_context(seed_assistant.questions.reader_answerer(), (400, 200))
    middle = chunk_of(DOC, 1)
    answer = answerer.answer("When was the Elmford dam built?", [middle], {"dam.md": DOC}, 1)
    proposal = answerer.proposals("When was the Elmford dam built?", [middle], {"dam.md": DOC})[0]
    assert DOC[proposal.start:proposal.end] == "1962"
    assert DOC[slice(*proposal.sentence)] == "The Elmford dam was built in 1962 on the Wend river."
    if not answer.abstained:
        citation = answer.citations[0]
        assert DOC[citation.start:citation.end] == citation.text == "The Elmford dam was built in 1962 on the Wend river."


def test_the_name_a_passage_leaves_to_the_sentence_before_it_no_longer_costs_the_answer(seed_assistant):
    """Asked about "the Elmford dam's chief engineer", the middle paragraph alone says "its chief engineer": read
    with the paragraph before, the reader is surer of the same span."""
    base = seed_assistant.questions.reader_answerer()
    question = "Who is the chief engineer of the Elmford dam?"
    middle = chunk_of(DOC, 1)
    alone, read_around = (replace_context(base, context).proposals(question, [middle], {"dam.md": DOC})[0]
                          for context in ((0, 0), (400, 200)))
    assert DOC[alone.start:alone.end] == DOC[read_around.start:read_around.end] == "Dana Whitcombe"
    assert read_around.answerability > alone.answerability


def replace_context(answerer, context):
    from assistant.answering import ReaderAnswerer

    return ReaderAnswerer(answerer.reader, answerer.model, passages=answerer.passages, max_words=answerer.max_words,
                          refuse_below=answerer.refuse_below, context=context)


def test_a_plain_text_title_is_never_the_answer(seed_assistant):
    """A plain-text document's first line is its title; the reader, trained on paragraphs without one, picks it
    for a question the paragraph does not answer, and its quote would be the bare title."""
    text = ("Vikings\n\nThe conquest of the island by the northern fleets opened a new chapter in its history, which "
            "would be under foreign rule for the following 380 years. The conquest had lasting results.")
    sentences = tuple(SentenceEvidence(SentenceId("isle.txt", i), a, b, 0.0, 0.0)
                      for i, (a, b) in enumerate(sentence_spans(text, 0, len(text))))
    whole = replace(passage("isle.txt", text, start=0), sentences=sentences)
    answerer = seed_assistant.questions.reader_answerer()
    question = "Who dominated Western Europe for 380 years?"
    assert answerer.reader.read(question, [text])[0].text == "Vikings"
    assert answerer.proposals(question, [whole], {"isle.txt": text}) == []
    answered = answerer.proposals("Who ruled the island?", [whole], {"isle.txt": text})
    assert [text[p.start:p.end] for p in answered] == ["the northern fleets"]
