""""What's new?": a question for the latest that names no subject gets the newest articles, not a refusal."""

import pytest

from assistant.options import AskOptions


@pytest.mark.parametrize("question", ["What's new?", "What is the latest news?", "Any news?", "Catch me up"])
def test_the_latest_with_no_subject_is_the_newest_articles_first_sentences(bridge, question):
    answer = bridge.ask(question)
    assert not answer.abstained and answer.form == "story" and answer.opening == "As of 20 Jan 2025, the newest articles:"
    assert [c.source for c in answer.citations] == ["other.md", "new.md", "mid.md"]  # newest first
    texts = bridge.index.texts(["other.md", "new.md", "mid.md"])
    for c in answer.citations:
        assert texts[c.source][c.start:c.end] == c.text and texts[c.source].index(c.text) < 60  # the lead
    assert answer.answer.startswith("As of 20 Jan 2025, the newest articles: The Elmford ferry")
    # each is dated where a citation is shown: the passages it was told from are the answer's, not the search's
    dates = [c["published"][:10] for c in answer.to_dict()["citations"]]
    assert dates == ["2025-01-20", "2024-06-10", "2023-11-05"]


def test_the_newest_articles_keep_to_the_filters_and_a_vague_question_is_still_vague(bridge):
    answer = bridge.ask("What's new?", AskOptions(until="2024"))
    assert [c.source for c in answer.citations] == ["new.md", "mid.md", "old.md"]
    assert answer.opening == "As of 10 Jun 2024, the newest articles:"
    vague = bridge.ask("What happened?")
    assert vague.abstained and vague.abstain_reason == "vague" and vague.to_dict()["band"] == "refused"


def test_the_chat_shows_each_newest_article_with_its_date(bridge):
    from assistant.rendering import answer_html

    page = answer_html(bridge.ask("What's new?"), "t")
    assert page.count('class="story-sentence"') == 3 and "20 Jan 2025" in page and "10 Jun 2024" in page
