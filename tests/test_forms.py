"""Question forms: a factoid gets a span; a reason, an account or the latest gets sentences (`forms`)."""

import pytest

from assistant.forms import FACTOID, STORY, question_form, story_kind


@pytest.mark.parametrize("question", [
    "Why did riots break out across Greece?", "How did the prisoners escape?", "What happened at the summit?",
    "Summarise the story about the Yukos auction", "Tell me about the bridge", "What caused the fire?",
    "What's the latest on the EU software patent law?", "and why?", "What did the study find?",
    "Explain the new budget rules"])
def test_questions_asking_for_a_reason_a_process_or_an_account_are_story_questions(question):
    assert question_form(question) == STORY


@pytest.mark.parametrize("question", [
    "Who represents the Hutchins family?", "How many people died?", "How much did it cost?", "When did it happen?",
    "What is the capital of France?", "Where was the film shot?", "How long did the trial last?"])
def test_who_when_where_how_many_are_factoid_questions(question):
    assert question_form(question) == FACTOID


@pytest.mark.parametrize("question, kind", [
    ("Any updates on the Riverton bridge repairs?", "latest"), ("Where do the bridge talks stand?", "latest"),
    ("What is the most recent news on the strike?", "latest"), ("Why was the bridge closed?", "reason"),
    ("How did the council pay for it?", "reason"), ("What sparked the strike?", "reason"),
    ("What was the council meeting about?", "account"),
    ("What have the two unions agreed?", "account"), ("What is going on at the port?", "account"),
    ("What did the mayor talk about at the forum?", "account"), ("What did the minister deny?", "account"),
    # phrasings a reader uses beside the ones above, and the same asked politely
    ("Bring me up to speed on the strike", "latest"), ("Where are we with the bridge repairs?", "latest"),
    ("What is the state of play in the port dispute?", "latest"), ("Brief me on the strike", "account"),
    ("Recap the council meeting", "account"), ("What do we know about the fire?", "account"),
    ("Overview of the strike, please", "account"), ("What was the reaction to the closure?", "account"),
    ("Can you summarise the strike?", "account"), ("Could you tell me about the bridge?", "account"),
    ("Please summarise the story", "account"), ("What led up to the strike?", "reason"),
    ("What were the consequences of the closure?", "reason"), ("What explains the delay?", "reason"),
    ("I'd like to know why the bridge closed", "reason"),
    ("Has the mayor said anything new about the bridge?", "latest"), ("Catch me up on the strike", "latest"),
    ("Fill me in on the port dispute", "latest"), ("Has anything happened with the mayor since the vote?", "latest"),
    ("What's the status of the bridge repairs?", "latest"), ("What's the word on the strike?", "latest"),
    ("Give me the highlights of the budget", "account"), ("What are the details of the deal?", "account"),
    ("Tell me everything about the fire", "account"), ("What was behind the closure?", "reason"),
    ("What went wrong with the launch?", "reason"), ("What else did the mayor say?", "account"),
    # the cause as someone sees it is a reason; what they said about it is an account
    ("What do investigators think caused the fire?", "reason"), ("What did the police say led to the crash?", "reason"),
    ("What did the mayor say about the cause?", "account"),
    # how events went is an account; what someone ruled is what they said
    ("Walk me through the strike", "account"), ("Give me an account of the strike", "account"),
    ("What's the whole story with the bridge?", "account"), ("How did the talks go?", "account"),
    ("How did the strike unfold?", "account"), ("Tell me how the talks went after the vote", "account"),
    ("What did the court rule about the bridge?", "account"), ("Give me the whole story on the strike", "account"),
    ("How did the crisis develop?", "account"),
    # … but how something was done is a process, and "the rule" or "ruled Iraq" no verdict
    ("How did the company go bankrupt?", "reason"), ("How did the fire start?", "reason"),
    ("How did the police find out where the suspect went?", "reason"), ("How did Sarkozy win in the end?", "reason"),
    ("How did Obama go on to win the nomination?", "reason"), ("How did the storm develop over the sea?", "reason"),
    # in a conversation: the story goes on
    ("What else?", "account"), ("And then?", "account"), ("Go on", "account")])
def test_a_story_question_asks_for_the_latest_a_reason_or_an_account(question, kind):
    assert question_form(question) == STORY and story_kind(question) == kind


@pytest.mark.parametrize("question", [
    "Did the troops actually leave in the end?", "Will subscribers have to buy new radios?", "Is the bridge open?",
    "Has the council agreed to pay?", "Didn't the court rule on it?", "and was anyone hurt?",
    "Who else is in the consortium, and what will they provide?", "Who founded the company, and when?"])
def test_a_yes_or_no_question_or_two_questions_in_one_are_answered_by_sentences_as_a_reason_is(question):
    assert question_form(question) == STORY and story_kind(question) == "reason"


@pytest.mark.parametrize("question, kind", [
    ("Tell me why the bridge closed", "reason"), ("Can you tell me how the prisoners escaped?", "reason"),
    ("Do you know why the ferry stopped?", "reason"), ("I wonder why the mayor resigned", "reason"),
    ("Tell me what the mayor said about the repairs", "account"), ("Do you know what the council decided?", "account"),
    ("Can you tell me what happened to the bridge?", "account"), ("Any idea what the latest is on the ferry?", "latest")])
def test_a_question_embedded_in_a_request_asks_what_it_would_ask_alone(question, kind):
    assert question_form(question) == STORY and story_kind(question) == kind


@pytest.mark.parametrize("question", ["Tell me who opened the bridge", "Do you know when the bridge opened?",
                                      "Tell me how much it cost", "What company announced record profits?",
                                      "What is the legal status of cannabis?"])
def test_an_embedded_factoid_and_a_which_question_stay_factoids(question):
    assert question_form(question) == FACTOID


@pytest.mark.parametrize("question", ["What did the new rule require?", "What did Saddam do while he ruled Iraq?"])
def test_a_rule_that_is_no_verdict_is_still_a_factoid(question):
    assert question_form(question) == FACTOID


@pytest.mark.parametrize("question", ["Can you tell me a joke?", "Do you ever dream?", "Could I get the summary?",
                                      "And who won the election that followed?", "When did Tom and Jerry meet?"])
def test_a_request_to_the_assistant_or_one_question_after_and_is_still_a_factoid(question):
    assert question_form(question) == FACTOID


def test_a_current_office_holder_is_still_a_factoid():
    assert question_form("Who is the current mayor of Riverton?") == FACTOID
