"""Follow-up questions are completed from the conversation before retrieval (no LLM)."""

import pytest

from assistant.conversation import is_follow_up, rewrite


@pytest.mark.parametrize(
    "question, follow_up",
    [("and who is her sister?", True), ("What about the weapons supervisor?", True), ("When was she shot?", True),
     ("Who represents the Hutchins family?", False), ("Who is Hutchins' sister?", False),
     ("What did the judge decide?", False)],
)
def test_follow_up_detection(question, follow_up):
    assert is_follow_up(question) is follow_up


def test_rewrite_borrows_names_from_the_latest_question_that_has_them():
    history = ["who represents the Hutchins family?"]
    assert rewrite("and who is her sister?", history) == "Who is her sister? (Hutchins)"
    assert rewrite("Who represents the Hutchins family?", []) == "Who represents the Hutchins family?"
    assert rewrite("and what did it decide?", ["what did the judge rule"]) == "What did it decide? (judge rule)"
    assert rewrite("Who is her sister?", ["Who is her sister? (Hutchins)"]) == "Who is her sister? (Hutchins)"


def test_a_question_that_names_nothing_continues_the_story_of_the_conversation():
    history = ["who represents the Hutchins family?"]
    assert rewrite("What happened?", history) == "What happened? (Hutchins represents family)"
    assert rewrite("tell me more", ["What happened? (Hutchins represents family)"]).endswith("(Hutchins represents family)")
    assert rewrite("What happened?", []) == "What happened?"  # after New chat: vague again


def test_what_happened_after_an_answer_is_a_story_answer_about_it(seed_assistant):
    first = seed_assistant.ask("who represents the Hutchins family?")
    follow = seed_assistant.ask("What happened?", history=[first.query])
    assert follow.abstain_reason != "vague" and "Hutchins" in follow.query
    assert follow.form == "story" and not follow.abstained and len(follow.citations) >= 2
    assert seed_assistant.ask("What happened?").abstain_reason == "vague"


def test_follow_up_through_the_assistant(seed_assistant):
    first = seed_assistant.ask("who represents the Hutchins family?")
    follow = seed_assistant.ask("and who is her sister?", history=[first.query])
    assert follow.query == "Who is her sister? (Hutchins)"
    assert follow.question == "and who is her sister?"
    assert "Svetlana Zemko" in follow.answer and not follow.abstained
    assert follow.to_dict()["query"] == follow.query
