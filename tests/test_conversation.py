"""Follow-up questions are completed from the conversation before retrieval (no LLM)."""

import pytest

from assistant.ask import Request
from assistant.citations import Quoted
from assistant.conversation import is_follow_up, rewrite
from assistant.forms import asks_for_more
from assistant.rendering import abstention_html


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


def test_a_follow_up_of_a_follow_up_keeps_the_conversation_s_subject():
    """"What happened?" after "and how much did it cost?" is about the oil spill the cost was of, not about "cost"."""
    history = ["What's the latest on the Deepwater Horizon oil spill?", "and how much did it cost?"]
    assert rewrite(history[1], history[:1]) == "How much did it cost? (Deepwater Horizon)"
    assert rewrite("What happened?", history).startswith("What happened? (Deepwater Horizon")
    assert rewrite("Why is he leaving?", ["Who runs BP?", "and who replaces him?"]) == "Why is he leaving? (BP)"
    for goes_on in ("What happened next?", "And later?", "Give me the background"):  # they name nothing either
        assert rewrite(goes_on, history).endswith("(Deepwater Horizon)") or "(Deepwater Horizon " in rewrite(goes_on, history)


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


def test_a_question_that_may_continue_the_conversation_carries_its_subject_when_the_search_says_so():
    """"What was the suspect charged with?" names nothing of its own but leans on no pronoun either: the search
    (`stronger`) decides whether the earlier subject is what its words are found in."""
    history = ["How many people died in the shooting at the El Paso Walmart?"]
    carried = "What was the suspect charged with? (El Paso Walmart)"
    assert rewrite("What was the suspect charged with?", history, lambda a, b: True) == carried
    assert rewrite("What was the suspect charged with?", history, lambda a, b: False) == "What was the suspect charged with?"
    asked = []
    rewrite("When will the Elmford ferry return?", history, lambda a, b: asked.append((a, b)) or False)
    assert asked == [("When will the Elmford ferry return? (El Paso Walmart)", "When will the Elmford ferry return?")]
    # a connective, a question naming nothing, or a personal pronoun with no name: carried whatever the search says
    never = lambda a, b: False  # noqa: E731
    assert rewrite("and who was the gunman?", history, never) == "Who was the gunman? (El Paso Walmart)"
    assert rewrite("Why did he open fire?", history, never) == "Why did he open fire? (El Paso Walmart)"
    assert rewrite("What happened?", history, never).startswith("What happened? (El Paso Walmart")


def test_a_follow_up_without_a_pronoun_is_searched_with_the_story_and_a_new_subject_without_it(bridge):
    """Real search over two stories: the bridge's engineers are found in the bridge story, the ferry is not."""
    history = ["When did the Riverton bridge open?"]
    follow = bridge.ask("What did the engineers find?", history=history)
    assert follow.query == "What did the engineers find? (Riverton)" and follow.citations[0].source == "mid.md"
    switch = bridge.ask("When will the Elmford ferry return?", history=history)
    assert switch.query == "When will the Elmford ferry return?" and switch.citations[0].source == "other.md"
    assert bridge.ask("What did the engineers find?").query == "What did the engineers find?"  # after New chat


def test_a_question_naming_nothing_rare_stays_with_the_conversation_s_subject(bridge):
    """"Who will pay for the repairs?" names no subject of its own: after a question on the Elmford ferry it is the
    ferry's repairs, though its bare words match the Riverton bridge's better."""
    pipeline = bridge.questions.pipeline
    assert pipeline.names_no_subject("Who will pay for the repairs?")
    assert not pipeline.names_no_subject("Who will pay for the tram depot?")  # words no passage has: a subject
    assert not pipeline.names_no_subject("Who will pay Ada Park?")  # a name
    condensed = pipeline.condense(Request("Who will pay for the repairs?", ("Why did the Elmford ferry stop running?",)))
    assert condensed.query == "Who will pay for the repairs? (Elmford)" and condensed.story == ("other.md",)


@pytest.mark.parametrize("question, more", [
    ("Tell me more", True), ("tell me more about it", True), ("Can you tell me more?", True), ("What else?", True),
    ("Go on", True), ("What happened next? (Deepwater Horizon)", True), ("Tell me more (Hong Kong)", True),
    ("Anything else?", True), ("What came next?", True), ("What else did they say?", True),
    ("What else did Sharon say about Gaza?", False), ("After that election, who won?", False),
    ("Tell me more about the lawsuit", False), ("Who else was hurt?", False), ("What happened?", False)])
def test_asking_for_more_of_the_story(question, more):
    from assistant.forms import STORY, asks_what_next, question_form

    assert asks_for_more(question) is more
    assert not more or question_form(question) == STORY  # "Anything else?" too: its answer leaves out what was said
    assert not asks_what_next(question) or more  # the next development is more of the story


def overlaps(a, b) -> bool:
    return a.source == b.source and a.start < b.end and b.start < a.end


def test_tell_me_more_goes_on_with_the_story_and_quotes_nothing_twice(seed_assistant):
    """The history holds questions (the app's: as searched); "Tell me more" after an account gave the same lead
    sentences again. Each turn now quotes what the earlier ones did not, until the articles found are used up."""
    queries, quoted = [], []
    first = seed_assistant.ask("What happened to Halyna Hutchins?")
    assert first.form == "story" and first.citations
    queries.append(first.query)
    quoted += first.citations
    for asked in ("Tell me more", "What else?", "Go on", "More", "Tell me more", "What else?"):
        more = seed_assistant.ask(asked, history=queries)
        queries.append(more.query)
        assert "Baldwin" in more.query  # the story of the article it told: its headline
        assert not any(overlaps(c, q) for c in more.citations for q in quoted), asked
        if more.abstain_reason == "nothing-more":
            assert more.abstained and not more.citations and "nothing more" in more.answer
            assert "Nothing more to add" in abstention_html(more)
            break
        assert more.form == "story" and more.citations
        quoted += more.citations
    else:
        pytest.fail("the seed article ran out of sentences, yet more kept coming")
    assert seed_assistant.ask("Tell me more").abstain_reason == "vague"  # after New chat: nothing to go on with


# the app's history holds questions as searched and passes what its answers quoted; an API client's, as asked
@pytest.mark.parametrize("as_searched, keeps_said", [(True, True), (True, False), (False, False)])
def test_what_happened_next_tells_the_story_s_next_article_each_time(bridge, as_searched, keeps_said):
    """The bridge opened (old.md), then cracks were found (mid.md), then it reopened (new.md): each "What happened
    next?" tells the next article in time, not more of the one before, and then says there is nothing more."""
    history, said = [], []

    def ask(question):
        answer = bridge.ask(question, history=history, said=said if keeps_said else None)
        history.append(answer.query if as_searched else answer.question)
        said.extend(Quoted(c.source, c.start, c.end) for c in answer.citations)
        return answer

    assert {c.source for c in ask("Tell me about the building of the Riverton bridge and what it cost").citations} == {
        "old.md"}
    for expected in ("mid.md", "new.md"):
        after = ask("What happened next?")
        assert {c.source for c in after.citations} == {expected}, after.answer
    assert ask("What happened next?").abstain_reason == "nothing-more"


def test_the_app_s_conversation_knows_what_its_answers_quoted_and_skips_what_the_browser_mangled():
    from assistant.ui.history import Conversation

    kept = {"citations": [{"source": "a.md", "start": 3, "end": 9}, {"source": "a.md", "start": "3", "end": 9}, "x"]}
    conversation = Conversation(answers=[kept, None, "junk"], turns=["1", "2", "3"])
    assert conversation.said == [Quoted("a.md", 3, 9)]


def test_a_question_completed_from_the_conversation_is_not_completed_again():
    """The app sends the conversation's questions as searched: asked again (to know what they quoted), they must
    search the same words, not gain a second carried subject."""
    carried = "What happened next? (Riverton bridge)"
    assert rewrite(carried, ["When did the Elmford ferry stop?"]) == carried
    assert rewrite("Tell me more (Ariel Sharon)", ["When did the Elmford ferry stop?"]) == "Tell me more (Ariel Sharon)"
    assert rewrite("What did the engineers find?", [carried], lambda a, b: True) == "What did the engineers find? (Riverton)"


def test_what_happened_next_follows_the_story_the_answer_told_not_the_words_first_asked(tmp_path, embeddings):
    """Asked why Romanians rallied, the answer told of kidnapped journalists: what happened next is their release,
    found by the told article's headline, not a later rally of the same words (searched as first asked)."""
    from assistant import Assistant, Settings

    (tmp_path / "corpus").mkdir()
    for name, date, title, body in [
            ("rally.md", "2005-04-26", "Romanians rally for kidnapped journalists",
             "Thousands of Romanians rallied in Bucharest on Tuesday for the release of three journalists kidnapped "
             "in Iraq in March. The crowd held banners with the journalists' photographs."),
            ("freed.md", "2005-05-23", "Kidnapped Romanian journalists freed",
             "The three Romanian journalists kidnapped in Iraq in March were freed on Sunday. They were handed over "
             "to the Romanian embassy in Baghdad and flew home on Monday."),
            ("unions.md", "2009-10-08", "Romanians rally against pay cuts",
             "Thousands of Romanians rallied in Bucharest on Wednesday against planned public sector pay cuts. The "
             "unions said the rallies in Bucharest would go on.")]:
        (tmp_path / "corpus" / name).write_text(f"---\ntitle: {title}\ndate: {date}\n---\n{body}\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(tmp_path / "corpus")
    first = "Why did thousands of Romanians rally in Bucharest in April 2005?"
    answer = assistant.ask(first)
    assert {c.source for c in answer.citations} == {"rally.md"}
    after = assistant.ask("What happened next?", history=[first], said=answer.quotes)
    assert {c.source for c in after.citations} == {"freed.md"}, after.answer
    assert "kidnapped journalists" in after.query  # searched with the told article's headline


def test_what_happened_next_after_a_quote_of_an_article_no_longer_stored_still_answers(bridge):
    """A client's `said` may name an article removed since (or never stored): the request goes on without its
    headline instead of failing."""
    answer = bridge.ask("What happened next?", history=["Tell me about the Riverton bridge"],
                        said=[Quoted("gone.md", 0, 10)])
    assert answer.question == "What happened next?" and (answer.citations or answer.abstained)
