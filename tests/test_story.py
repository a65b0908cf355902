"""Story answers: why / how / what-happened questions get several verbatim, cited sentences; factoids a span."""

import pytest
from helpers import ROOT, SEED_ID, passage

from assistant.citations import Answer, Citation
from assistant.escaping import text
from assistant.forms import FACTOID, STORY, question_form, story_kind
from assistant.rendering import answer_html
from assistant.story import following, is_sentence, similar


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


def test_headlines_are_not_story_sentences_and_near_duplicates_are_told():
    assert not is_sentence("Alec Baldwin's Criminal Case Dismissed, Civil Lawsuit Looms")
    assert is_sentence("The judge dismissed the case.") and is_sentence("“We will appeal,” he said.”")
    # an interview's question asks, it does not tell: never quoted as an answer
    assert not is_sentence("Why did you choose to run in this constituency?") and not is_sentence('"Why now?"')
    assert similar("The judge dismissed the manslaughter case on Friday.", "On Friday the judge dismissed the case.")
    assert not similar("The judge dismissed the case.", "Allred announced a civil lawsuit.")


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


def test_a_story_question_gets_several_verbatim_cited_sentences(seed_assistant):
    answer = seed_assistant.ask("What happened to Halyna Hutchins?")
    assert not answer.abstained and answer.form == "story" and not answer.short
    assert 2 <= len(answer.citations) <= seed_assistant.settings.story_sentences
    text = seed_assistant.index.store.text(SEED_ID)
    for n, c in enumerate(answer.citations, start=1):
        assert c.n == n and text[c.start:c.end] == c.text and f"{' '.join(c.text.split())} [{n}]" in answer.answer
        assert is_sentence(c.text)
    assert len({c.start for c in answer.citations}) == len(answer.citations)
    assert answer.to_dict()["form"] == "story"


def test_a_reason_quotes_at_most_its_sentence_its_context_and_one_more(seed_assistant):
    from assistant.story import REASON_SENTENCES

    answer = seed_assistant.ask("Why was the case against Alec Baldwin dismissed?")
    assert not answer.abstained and answer.form == "story"
    assert 2 <= len(answer.citations) <= REASON_SENTENCES < seed_assistant.settings.story_sentences


def test_a_factoid_question_still_gets_the_short_answer(seed_assistant):
    answer = seed_assistant.ask("who represents the Hutchins family?")
    assert answer.form == "" and "Gloria Allred" in answer.short and len(answer.citations) == 1


def test_a_story_answer_shows_each_quote_with_its_chip_outlet_and_date():
    p = passage("a.txt", "The bridge closed on Monday. Engineers found cracks in two piers.", title="Bridge shut",
                outlet="Gazette", published="2024-05-06")
    cites = [Citation(1, "a.txt", "Bridge shut", "The bridge closed on Monday.", 0, 28, 0.8),
             Citation(2, "a.txt", "Bridge shut", "Engineers found cracks in two piers.", 29, 65, 0.8)]
    answer = Answer("Why did the bridge close?", "The bridge closed on Monday. [1] Engineers found cracks in two "
                    "piers. [2]", False, cites, passages=[p], form="story", confidence=0.8, band="confident")
    page = answer_html(answer, "t")
    assert page.count('class="story-sentence"') == 2 and page.count('class="cite"') == 2
    assert page.count("Gazette · 6 May 2024") >= 2 and "Confident" in page


def test_the_timeline_command_prints_one_dated_cited_sentence_per_article(seed_settings):
    import json

    from click.testing import CliRunner

    from assistant.cli import cli

    done = CliRunner().invoke(cli, ["--index", str(seed_settings.index_dir), "timeline", "What happened to Halyna Hutchins?",
                                    "--json"])
    assert done.exit_code == 0, done.output
    events = [json.loads(line) for line in done.output.splitlines()]
    assert len(events) == 1 and events[0]["citation"]["source"] == SEED_ID and events[0]["citation"]["n"] == 1
    cite = events[0]["citation"]  # the seed index holds one article: one event, quoted verbatim
    assert (ROOT / "corpus" / SEED_ID).read_text(encoding="utf-8")[cite["start"]:cite["end"]] == cite["text"]


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


@pytest.mark.parametrize("question", ["Can you tell me a joke?", "Do you ever dream?", "Could I get the summary?",
                                      "And who won the election that followed?", "When did Tom and Jerry meet?"])
def test_a_request_to_the_assistant_or_one_question_after_and_is_still_a_factoid(question):
    assert question_form(question) == FACTOID


def test_a_yes_or_no_question_quotes_the_sentence_that_decides_it_not_a_span(bridge):
    answer = bridge.ask("Did the Riverton bridge reopen?")
    assert answer.form == "story" and not answer.abstained and answer.short == ""
    assert answer.citations[0].source == "new.md" and answer.citations[0].text.startswith("The Riverton bridge reopened")


def test_a_current_office_holder_is_still_a_factoid():
    assert question_form("Who is the current mayor of Riverton?") == FACTOID


def test_the_latest_quotes_the_newest_article_of_the_story_not_a_newer_one_elsewhere(bridge):
    answer = bridge.ask("What's the latest on the Riverton bridge?")
    assert not answer.abstained and answer.form == "story"
    assert answer.citations[0].source == "new.md" and "As of 10 Jun 2024: " in answer.answer
    assert answer.citations[0].text.startswith("The Riverton bridge reopened")  # the article's lead
    assert "other.md" not in {c.source for c in answer.citations}
    assert answer.opening == "As of 10 Jun 2024:" and '<div class="story-opening">As of 10 Jun 2024:</div>' in (
        answer_html(answer, "t"))  # the chat says it too, above the quotes
    assert answer.note == ""  # the newer ferry article does not name Riverton


def test_a_later_article_belongs_to_the_story_when_it_names_it_anywhere_not_only_in_the_passage(tmp_path, embeddings):
    from assistant import Assistant, Settings

    (tmp_path / "corpus").mkdir()
    for name, date, title, body in [
            ("plan.md", "2023-01-10", "Riverton approves harbour tram",
             "Riverton's council approved a tram line to the harbour on Tuesday. It will cost 12 million pounds."),
            ("opened.md", "2023-09-02", "Riverton tram opens",  # the body never says "Riverton"; the title does
             "The tram line to the harbour opened on Saturday, eight months after the council approved it. "
             "Riders queued for the first tram at dawn."),
            ("fees.md", "2024-02-05", "Riverton raises parking fees",  # newer, names Riverton, not of the story
             "Riverton's council raised parking fees in the town centre on Monday.")]:
        (tmp_path / "corpus" / name).write_text(f"---\ntitle: {title}\ndate: {date}\n---\n{body}\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(tmp_path / "corpus")
    answer = assistant.ask("What's the latest on the Riverton harbour tram line?")
    assert not answer.abstained and answer.citations[0].source == "opened.md"
    assert answer.opening == "As of 2 Sep 2023:"
    # a newer article naming the story's names but not telling it is named after the quotes, not quoted
    assert "fees.md" not in {c.source for c in answer.citations}
    assert answer.note == "A newer article also mentions Riverton: “Riverton raises parking fees” (5 Feb 2024)."
    assert answer.answer.endswith(answer.note) and f'<div class="story-note">{text(answer.note)}</div>' in answer_html(answer)


def test_an_account_opens_with_its_article_s_first_sentences_verbatim(bridge):
    answer = bridge.ask("Tell me about the building of the Riverton bridge and what it cost")
    assert not answer.abstained and answer.citations[0].source == "old.md"
    texts = bridge.index.texts(["old.md"])
    assert [c.text for c in answer.citations[:3]] == [  # its first three sentences: what happened comes first
        "Riverton's mayor Ada Park opened the Riverton bridge over the Wend river on Monday.",
        "The bridge cost 40 million pounds and took three years to build.", "Traffic was light."]
    assert all(texts[c.source][c.start:c.end] == c.text for c in answer.citations if c.source == "old.md")


def test_an_account_of_something_the_corpus_never_names_is_refused(bridge):
    answer = bridge.ask("Tell me about the Mars colony launched by NASA in 2031")
    assert answer.abstained and not answer.citations


def test_the_latest_on_something_the_story_never_mentions_is_refused_though_its_place_is_named(bridge):
    answer = bridge.ask("What's the latest on the Riverton tram depot?")  # Riverton, but no tram, no depot
    assert answer.abstained and not answer.citations


def test_a_latest_question_reads_further_down_the_ranking(tmp_path, embeddings):
    from assistant import Assistant, Settings
    from assistant.forms import LATEST_PASSAGES

    (tmp_path / "corpus").mkdir()
    for day in range(1, 13):  # twelve short reports on one council
        (tmp_path / "corpus" / f"day{day:02d}.md").write_text(
            f"---\ntitle: Riverton council, day {day}\ndate: 2024-03-{day:02d}\n---\nOn day {day} the Riverton "
            f"council debated the bridge budget for {day + 1} hours and adjourned.\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.sync(tmp_path / "corpus")
    k = assistant.settings.k
    assert len(assistant.ask("How long did the Riverton council debate the bridge budget?").passages) == k
    latest = assistant.ask("What's the latest on the Riverton council's bridge budget?")
    assert len(latest.passages) == LATEST_PASSAGES > k  # the story's newest article may rank below the first k


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
    assert answer.answer.startswith("Not sure") and 2 <= len(answer.citations) <= 3
    assert {c.source for c in answer.citations} == {"wikinews-en-276079.md"}
    assert any("fuel efficiency" in c.text for c in answer.citations)
    texts = dreamliner.index.texts(["wikinews-en-276079.md"])
    assert all(texts[c.source][c.start:c.end] == c.text for c in answer.citations)


def test_a_reason_about_what_no_article_names_is_still_refused(dreamliner):
    answer = dreamliner.ask("Why did Boeing's 787 tram depot close?")  # Boeing and 787, but no tram, no depot
    assert answer.abstained and not answer.citations
