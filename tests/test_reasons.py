"""Reason answers (why / how): the reader's sentence, its context, and more evidence of the same story."""

import pytest
from helpers import ROOT, SEED_ID, passage

from assistant.rendering import answer_html
from assistant.sentences import following


def test_a_reason_s_context_is_the_sentence_after_it_even_across_a_paragraph_but_never_a_headline():
    from dataclasses import replace

    from assistant.chunking import sentence_spans
    from assistant.ids import SentenceId
    from assistant.retrieval import SentenceEvidence

    text = ("The council closed the bridge on Monday. Engineers had found cracks in two piers.\n\n"
            "The repairs will take a year.\n\nMayor Calls Emergency Meeting\n\nThe mayor spoke.")
    spans = sentence_spans(text)
    sentences = tuple(SentenceEvidence(SentenceId("a", i), a, b, 0.0, 0.0) for i, (a, b) in enumerate(spans))
    held = replace(passage("a", text), sentences=sentences[::-1])  # in any order
    (_, b0), (a1, b1), (a2, b2) = spans[:3]
    assert following(held, b0, text) == (a1, b1)
    assert following(held, b1, text) == (a2, b2)  # the next paragraph's first sentence
    assert following(held, b2, text) is None  # a headline is not context
    assert following(held, spans[-1][1], text) is None  # nothing after the passage's last sentence


def test_a_reason_quotes_at_most_its_sentence_its_context_and_one_more(seed_assistant):
    from assistant.story import REASON_SENTENCES

    answer = seed_assistant.ask("Why was the case against Alec Baldwin dismissed?")
    assert not answer.abstained and answer.form == "story"
    assert 2 <= len(answer.citations) <= REASON_SENTENCES < seed_assistant.settings.story_sentences


DAM = ["The Elmford dam was built in 1962 on the Wend river. It holds back twelve million cubic metres of water.",
       "The dam is run by the Elmford water board. Its chairman is Ada Park, a former engineer.",
       "The board meets every month in the town hall. Its meetings are open to the public.",
       "The board closed the dam's spillway road on Monday because engineers found cracks in its concrete. "
       "The road will stay closed for a year.",
       "The Riverton ferry stopped running after a storm. It will return in spring."]


def dam_passages(sources: list[str]):
    """One passage per paragraph of DAM, in that order, each paragraph of the document named beside it."""
    from dataclasses import replace

    from assistant.chunking import sentence_spans
    from assistant.ids import SentenceId
    from assistant.retrieval import SentenceEvidence

    texts = {source: "\n\n".join(p for p, s in zip(DAM, sources) if s == source) for source in set(sources)}
    passages = []
    for paragraph, source in zip(DAM, sources):
        start = texts[source].index(paragraph)
        spans = sentence_spans(texts[source], start, start + len(paragraph))
        sentences = tuple(SentenceEvidence(SentenceId(source, i), a, b, 0.0, 0.0) for i, (a, b) in enumerate(spans))
        passages.append(replace(passage(source, paragraph, start=start), sentences=sentences))
    return passages, texts


def test_a_reason_is_looked_for_in_the_reader_s_articles_passages_after_the_three_it_answers_from(seed_assistant):
    """A reason is often told a passage away from the fact the question names: the fourth passage of an article the
    reader read is looked in too (read apart: int8 activations are scaled per batch, so one pass over all would
    move the reader's decision), a passage of another article is not."""
    from assistant.story import StoryAnswerer

    question = "Why did the Elmford water board close the dam's spillway road?"
    base = seed_assistant.questions.reader_answerer()
    passages, texts = dam_passages(["dam.md"] * 5)
    reason = "The board closed the dam's spillway road on Monday because engineers found cracks in its concrete."
    # a story's decision is the reader answerer's on the passages read alone (their own sentences are scored)
    alone = base.answer(question, passages, texts, 1, reading=base.reading(question, passages, texts, around=False))
    for most, quoted in ((5, True), (3, False)):
        answer = StoryAnswerer(base, reason_passages=most).answer(question, passages, texts, 1)
        assert answer.form == "story" and (reason in [c.text for c in answer.citations]) is quoted
        assert (answer.band == "unsure" or answer.band == alone.band) and answer.confidence == alone.confidence
    # the same paragraphs, the reason's in another article than the three the reader read: not looked in
    passages, texts = dam_passages(["dam.md"] * 3 + ["road.md", "dam.md"])
    answer = StoryAnswerer(base, reason_passages=5).answer(question, passages, texts, 1)
    assert reason not in [c.text for c in answer.citations]


@pytest.fixture(scope="module")
def dreamliner(tmp_path_factory, embeddings):
    """Two development news articles (the Boeing 787's roll-out, an Iraqi raid) and the seed article."""
    from assistant import Assistant, Settings

    root = tmp_path_factory.mktemp("dreamliner")
    (root / "corpus").mkdir()
    for path in [ROOT / "training/news-dev/corpus/wikinews-en-276079.md", ROOT / "training/news-dev/corpus/wikinews-en-6332.md",
                 ROOT / "corpus" / SEED_ID]:
        (root / "corpus" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assistant = Assistant(Settings(index_dir=root / "index"), embeddings=embeddings)
    assistant.sync(root / "corpus")
    return assistant


def test_a_reason_the_reader_finds_no_span_for_is_quoted_unsure_from_an_article_about_it(dreamliner):
    """The reader refuses this question's span (its refusal did not tell the development why questions an article
    answers from those it does not), but the article is about what it asks: its best evidence is quoted, unsure."""
    answer = dreamliner.ask("Why is Boeing's 787 Dreamliner supposed to burn less fuel than other airliners?")
    assert not answer.abstained and answer.band == "unsure" and answer.form == "story"
    assert answer.answer.startswith("Not sure — the closest passages say: ") and 2 <= len(answer.citations) <= 3
    assert '<div class="unsure-note">Not sure — the closest passages say:</div>' in answer_html(answer)
    assert {c.source for c in answer.citations} == {"wikinews-en-276079.md"}
    assert any("fuel efficiency" in c.text for c in answer.citations)
    texts = dreamliner.index.texts(["wikinews-en-276079.md"])
    assert all(texts[c.source][c.start:c.end] == c.text for c in answer.citations)


def test_a_reason_about_what_no_article_names_is_still_refused(dreamliner):
    answer = dreamliner.ask("Why did Boeing's 787 tram depot close?")  # Boeing and 787, but no tram, no depot
    assert answer.abstained and not answer.citations


def test_a_reason_for_one_year_s_event_is_told_from_an_article_of_that_year(seed_assistant):
    """"Why did thousands rally in Bucharest in April 2005?": the reader's span was a 2009 rally's reason; an
    article of 2005 covers the question, so the reason is looked for in that year's articles alone, unsure."""
    from dataclasses import replace

    from assistant.chunking import sentence_spans
    from assistant.ids import SentenceId
    from assistant.retrieval import SentenceEvidence
    from assistant.story import StoryAnswerer

    def article(source: str, text: str, published: str):
        found = passage(source, text, published=published)
        spans = sentence_spans(text)
        return replace(found, score=0.05, similarity=0.7, coverage=1.0, best_similarity=0.7, best_coverage=1.0,
                       sentences=tuple(SentenceEvidence(SentenceId(source, i), a, b, 0.0, 0.0)
                                       for i, (a, b) in enumerate(spans)))

    then = article("rally2005.md", "Thousands of Romanians rallied in Bucharest on Tuesday. They demanded the release "
                   "of three Romanian journalists kidnapped in Iraq in March. The journalists were seized in Baghdad.",
                   "2005-04-26")
    later = article("rally2009.md", "Thousands of Romanians rallied in Bucharest on Wednesday because the government "
                    "plans to cut public sector pay by a quarter. The unions said more protests would follow.",
                    "2009-10-08")
    texts = {p.source: p.text for p in (then, later)}
    question, base = "Why did thousands of Romanians rally in Bucharest in April 2005?", seed_assistant.questions.reader_answerer()
    ranked = [later, then]
    decided = base.answer(question, ranked, texts, 2, reading=base.reading(question, ranked, texts, around=False))
    assert [c.source for c in decided.citations] == ["rally2009.md"]  # the reader's span: the other year's
    answer = StoryAnswerer(base).answer(question, ranked, texts, 2)
    assert {c.source for c in answer.citations} == {"rally2005.md"} and answer.band == "unsure"
    assert any("release of three Romanian journalists" in c.text for c in answer.citations)
