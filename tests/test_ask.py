"""End to end: ingest the seed, ask, check the answer and that citations point at the right text."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SEED_ID

from assistant import Assistant, AssistantError, Settings
from assistant.citations import UNSURE_LEAD

ROOT = Path(__file__).resolve().parent.parent
HEADLINE_Q = "who represents the Hutchins family?"


def test_headline_question_is_answered_with_a_checkable_citation(seed_assistant):
    answer = seed_assistant.ask(HEADLINE_Q)
    assert not answer.abstained
    assert "Gloria Allred" in answer.answer
    assert "[1]" in answer.answer
    assert answer.retrieved[0] == SEED_ID
    first = answer.citations[0]
    assert first.n == 1 and first.source == SEED_ID
    document = seed_assistant.index.store.text(SEED_ID)
    assert document[first.start : first.end] == first.text
    assert "Allred" in document[first.start : first.end]
    assert first.title == "Alec Baldwin's Criminal Case Dismissed, Civil Lawsuit Looms"


def test_the_answer_and_its_quote_are_verbatim_from_the_cited_sentence(seed_assistant):
    import re

    answer = seed_assistant.ask("Who was wounded when Baldwin fired the gun?")
    assert not answer.abstained
    assert "Joel Souza" in answer.short
    from assistant.citations import UNSURE_LEAD

    text = answer.answer.removeprefix(UNSURE_LEAD) if answer.band == "unsure" else answer.answer
    short, quote = re.fullmatch(r"(.+?) — “(.+)” \[1\]", text).groups()
    cited = " ".join(answer.citations[0].text.split())
    assert short == answer.short and short in cited and quote.strip("…") in cited and short in quote


@pytest.mark.parametrize("question", ["What is the capital of France?", "Who wrote Pride and Prejudice?"])  # how-to: below
def test_off_corpus_questions_abstain(seed_assistant, question):
    answer = seed_assistant.ask(question)
    assert answer.abstained
    assert answer.answer.startswith(f"Not in the corpus: I searched 1 article for “{question}”")
    assert "Nearest articles: “Alec Baldwin" in answer.answer and answer.searched == 1
    assert answer.citations == []


@pytest.mark.parametrize("question, message", [("", "empty"), ("   \n ", "empty"), ("x" * 5000, "limit")])
def test_bad_questions_get_clear_errors(seed_assistant, question, message):
    with pytest.raises(AssistantError, match=message):
        seed_assistant.ask(question)


def test_reingesting_unchanged_and_changed_documents(tmp_path, embeddings):
    from assistant import Assistant, Settings

    corpus = tmp_path / "corpus"
    (corpus / "local").mkdir(parents=True)
    story = corpus / "local" / "story.txt"
    story.write_text("Flood in Riverton\n\nThe river rose two metres on Tuesday. Mayor Ada Park ordered an evacuation.\n")
    settings = Settings(index_dir=tmp_path / "index", chunk_tokens=32, chunk_overlap=8)
    first = Assistant(settings, embeddings=embeddings).ingest([corpus])
    assert first.added == [("local/story.txt", 1)]

    again = Assistant(settings, embeddings=embeddings).ingest([corpus])
    assert again.unchanged == ["local/story.txt"] and not again.added and not again.updated

    story.write_text("Flood in Riverton\n\nThe river fell on Friday. Mayor Ben Stone lifted the evacuation order.\n")
    assistant = Assistant(settings, embeddings=embeddings)
    changed = assistant.ingest([corpus])
    assert changed.updated == [("local/story.txt", 1)]
    assert assistant.index.vectors.count() == 1  # replaced, not duplicated
    answer = assistant.ask("Who lifted the evacuation order?")
    assert "Ben Stone" in answer.answer and "Ada Park" not in answer.answer


def test_a_bad_file_is_reported_and_the_rest_still_goes_in(tmp_path, embeddings):
    from assistant import Assistant, Settings

    (tmp_path / "good.txt").write_text("The council approved the new library budget on Monday.\n")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02binary")
    report = Assistant(Settings(index_dir=tmp_path / "idx"), embeddings=embeddings).ingest([tmp_path])
    assert report.added == [("good.txt", 1)]
    assert [doc for doc, _ in report.failed] == ["bad.txt"]


def test_index_built_with_other_chunk_settings_is_refused(seed_settings, embeddings):
    from assistant import Assistant
    from assistant.errors import IndexMismatchError

    other = seed_settings.model_copy(update={"chunk_tokens": 99})
    with pytest.raises(IndexMismatchError, match="chunk_tokens"):
        Assistant(other, embeddings=embeddings)


def _cli(*args, env=None):
    exe = Path(sys.executable).with_name("assistant")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


@pytest.mark.slow
def test_cli_ingest_then_ask_json(tmp_path, corpus_dir):
    index = tmp_path / "index"
    ingest = _cli("ingest", "--index", str(index), str(corpus_dir))
    assert ingest.returncode == 0, ingest.stderr
    assert f"added     {SEED_ID} (" in ingest.stdout
    assert "1 added, 0 updated, 0 unchanged, 0 removed, 0 failed" in ingest.stdout

    asked = _cli("--index", str(index), "ask", HEADLINE_Q, "--json", "--k", "3")
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert {"question", "answer", "abstained", "citations", "retrieved", "timings"} <= set(data)
    assert set(data) - {"question", "answer", "abstained", "citations", "retrieved", "timings"} == {
        "query", "evidence", "answerer", "short", "confidence", "band"}
    assert 0.0 <= data["confidence"] <= 1.0 and data["band"] in ("confident", "unsure")
    assert "Gloria Allred" in data["answer"] and data["abstained"] is False
    assert data["retrieved"] == [SEED_ID]
    cite = data["citations"][0]
    assert set(cite) == {"n", "source", "title", "text", "start", "end", "score", "support", "outlet", "published"}
    text = (corpus_dir / SEED_ID).read_text(encoding="utf-8")
    assert text[cite["start"] : cite["end"]] == cite["text"] and "Allred" in cite["text"]
    assert {"retrieve_ms", "answer_ms", "total_ms"} <= set(data["timings"])

    off = _cli("--index", str(index), "ask", "What is the capital of France?", "--json")
    assert json.loads(off.stdout)["abstained"] is True


@pytest.mark.slow
def test_cli_chat_keeps_the_conversation_and_ask_after_follows_one_up(seed_settings):
    """`assistant chat` reads a conversation (piped here): "Tell me more" goes on with the story, `/timeline` tells
    it, `/new` forgets it (the same request is then too vague), a bad command is told and the chat goes on."""
    index = str(seed_settings.index_dir)
    lines = ["What happened to Halyna Hutchins?", "Tell me more", "/timeline", "/bogus", "/new", "Tell me more"]
    chat = subprocess.run([str(Path(sys.executable).with_name("assistant")), "--index", index, "chat"],
                          input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=300)
    assert chat.returncode == 0, chat.stderr
    cited = re.findall(r"\((\S+:\d+-\d+)\)$", chat.stdout, re.M)  # each answer's sources: "(doc:start-end)"
    assert chat.stdout.count("likely right)") == 2 and len(cited) >= 4 and len(set(cited)) == len(cited)  # none twice
    assert "undated · " in chat.stdout  # the timeline's line
    assert "unknown command /bogus" in chat.stderr and "Traceback" not in chat.stderr
    assert chat.stdout.rstrip().splitlines()[-1].startswith("The question is too vague")  # after /new

    followed = _cli("--index", index, "ask", "and who is her sister?", "--after", HEADLINE_Q, "--json")
    data = json.loads(followed.stdout)
    assert data["query"] == "Who is her sister? (Hutchins)" and "Svetlana Zemko" in data["answer"]


@pytest.mark.slow
def test_cli_errors_are_one_clear_line(tmp_path):
    missing = _cli("ingest", "--index", str(tmp_path / "i"), str(tmp_path / "nope"))
    assert missing.returncode != 0
    assert "no such file or folder" in missing.stderr and "Traceback" not in missing.stderr
    empty = _cli("ask", "--index", str(tmp_path / "i2"), "anything?")
    assert empty.returncode != 0 and "index is empty" in empty.stderr and "Traceback" not in empty.stderr


def test_the_answer_is_the_short_span_and_the_citation_its_whole_sentence(seed_assistant):
    answer = seed_assistant.ask(HEADLINE_Q)
    body = answer.answer.removeprefix(UNSURE_LEAD)  # the band's words, then the answer
    assert answer.short == "Gloria Allred" and body.startswith("Gloria Allred — “")
    assert len(body.split()) <= 21 and answer.answer.endswith("[1]")
    cited = answer.citations[0]
    text = seed_assistant.index.store.text(SEED_ID)
    assert "Gloria Allred" in cited.text and cited.text[0].isupper() and cited.text.rstrip().endswith(".")
    assert text[cited.start:cited.end] == cited.text


def test_question_anchors_are_its_names_and_numbers_in_plain_form():
    """What a follow-up borrows from the question before it (see `conversation`)."""
    from assistant.text import question_anchors

    assert question_anchors("What did Hervé's men and Hutchins say?") == {"herve": "Hervé's", "hutchins": "Hutchins"}
    assert set(question_anchors("Who sold the rights in the 1300's, in the 14th century, or in 1066?")) == {"1300", "14th", "1066"}
    # a number keeps its separators, and an article says it so ("9,000", not 9 and 000, which any "1,000" says)
    assert set(question_anchors("Why did Delta cut 9,000 jobs for $2.5 billion?")) == {"delta", "9,000", "2.5"}


def test_an_article_says_a_name_inside_a_hyphened_word_and_a_number_whole():
    from assistant.text import plain_words

    said = plain_words("The Boeing 737-800 caught fire; Delta cut 1,000 jobs, Gutierrez-Reed said.")
    assert {"737", "800", "737-800", "gutierrez", "reed", "1,000"} <= said and not {"9,000", "000", "1"} & said


@pytest.mark.parametrize("name, text, said", [
    ("haitian", "haiti held its vote", True), ("haiti", "the haitian vote", True), ("german", "germany votes", True),
    ("germany", "the german talks", True), ("mexico", "the mexican vote", True), ("chinese", "china said", True),
    ("iraqi", "in iraq", True), ("iran", "the iranian side", True), ("2005", "in 2005", True),
    ("martin", "martinez said", False), ("paul", "paula said", False), ("cuba", "a bear cub", False),
    ("kyrgyz", "kyrgyzstan", False), ("australians", "australia said", True), ("australia", "australians queued", True),
    ("iraqis", "in iraq", True)])
def test_a_name_is_found_as_its_place_or_its_people(name, text, said):
    """A story's article says "Haiti" where the question asks about "the Haitian election" (`text.named`)."""
    from assistant.text import named

    assert bool(named({name}, set(text.split()))) == said


UPLOADED = {
    "mural.txt": "Town hall mural restored\n\nThe best known work in the town hall is the Harbour Mural, a long painting "
                 "of the old fishing port and its boats. It was commissioned by Margaret Ellison, the mayor at the time. "
                 "Visitors come from across the region to see it, and the hall is open every weekday.\n",
    "bridge.md": "---\ntitle: Council approves the new harbour bridge\n---\nThe council voted 7 to 4 on Tuesday to build "
                 "a new bridge across the harbour. Opponents, led by councillor Tomas Rudd, said the cost of 40 million "
                 "euros was too high. Construction is due to start in March.\n",
}


@pytest.mark.parametrize("name, question, answer, sentence", [
    # "It was commissioned by ...": only the sentence before names the mural
    ("mural.txt", "Who commissioned the Harbour Mural?", "Margaret Ellison", "It was commissioned by Margaret Ellison"),
    ("bridge.md", "Who opposed the bridge?", "Tomas Rudd", "Opponents, led by councillor Tomas Rudd"),
    ("bridge.md", "How much will the bridge cost?", "40 million euros", "Opponents, led by councillor Tomas Rudd"),
])
def test_a_new_article_is_answered_with_the_span_and_its_sentence(tmp_path, embeddings, name, question, answer, sentence):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / name).write_text(UPLOADED[name], encoding="utf-8")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.ingest([tmp_path / "corpus"])
    result = assistant.ask(question)
    assert not result.abstained and answer in result.short
    assert result.answer.removeprefix(UNSURE_LEAD).startswith(result.short)  # the band, then the direct answer
    assert result.citations[0].text.startswith(sentence)


def test_a_paraphrased_question_is_answered(seed_assistant):
    """The article says "fatally shot", the question "deadly shooting"."""
    answer = seed_assistant.ask("When did the deadly shooting on the set happen?")
    assert not answer.abstained and "October 21, 2021" in answer.answer


def test_filters_say_how_many_articles_they_searched_and_what_they_left_out(tmp_path, embeddings):
    from assistant.options import AskOptions

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "dated.md").write_text("---\ntitle: Mill reopens\ndate: 2024-03-02\nsource: The Gazette\n---\n"
                                     "The mill in Dunmore reopened on Monday under its new owner, Ilse Brandt.\n")
    (folder / "undated.txt").write_text("Harbour news\n\nThe harbour master of Dunmore is Lena Ortiz.\n")
    assistant = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=embeddings)
    assistant.ingest([folder])
    assert assistant.ask("Who owns the mill in Dunmore?").scope == ""  # no filter, nothing to say
    dated = assistant.ask("Who is the harbour master of Dunmore?", AskOptions(since="2024-01-01"))
    assert dated.scope == ("Only articles published from 2024-01-01: 1 of 2 searched. "
                           "1 undated article left out by the date filter.")
    assert dated.abstained and "I searched 1 article" in dated.answer and dated.to_dict()["scope"] == dated.scope
    outlet = assistant.ask("Who owns the mill in Dunmore?", AskOptions(outlets=("the gazette",)))
    assert outlet.scope == "Only articles from the gazette: 1 of 2 searched." and outlet.short == "Ilse Brandt"


@pytest.mark.parametrize("question", ["How do I hire Gloria Allred?", "How do I bake sourdough bread?", "Should I buy Tesla shares now?",
                                      "What can I do to help the Hutchins family?", "How are you feeling about the Baldwin case?",
                                      "What's your favourite film?", "Why do I need a lawyer?"])
def test_a_request_for_advice_or_a_chat_is_refused_in_words(seed_assistant, question):
    """The articles report; they do not advise. Refused at once, on every answerer, and said plainly."""
    from assistant.rendering import abstention_html

    answer = seed_assistant.ask(question)
    assert answer.abstained and answer.abstain_reason == "advice" and not answer.citations
    assert answer.answer.startswith("Not a question the articles answer:")
    assert answer.answer.endswith("the 1 article searched only reports the news.")
    assert "asks for advice, instructions or a chat" in abstention_html(answer)
    assert answer.to_dict()["abstained"] is True and answer.to_dict()["band"] == "refused"  # as a client shows it


@pytest.mark.parametrize("question", ["Where can you see the dismissed case's documents?", "Which road does I-25 follow?",
                                      "Can you tell me who represents the Hutchins family?", "Who was Osman I?",
                                      "What did Allred say after World War I ended?", "Are you sure the case was dismissed?"])
def test_generic_you_titles_and_polite_questions_are_not_taken_for_advice(question):
    from assistant.answering import asks_for_advice

    assert not asks_for_advice(question)


def test_a_quote_never_leaves_out_just_a_word_or_two_behind_an_ellipsis():
    from assistant.answering import window

    after = " will be $199 when it ships in the United States next month, Apple said on Monday."
    assert window("The price for the ", "iPhone", after, 8) == "The price for the iPhone will be $199 when…"
    assert window("Reports say that the price for the ", "iPhone", after, 8) == "…price for the iPhone will be $199 when…"
    assert window("The ", "iPhone", " costs $199 today.", 3) == "The iPhone costs $199 today."
