"""End to end: ingest the seed, ask, check the answer and that citations point at the right text."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant, AssistantError, Settings
from conftest import SEED_ID

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
    document = seed_assistant.index.documents[SEED_ID]["text"]
    assert document[first.start : first.end] == first.text
    assert "Allred" in document[first.start : first.end]
    assert first.title == "Alec Baldwin's Criminal Case Dismissed, Civil Lawsuit Looms"


def test_every_answer_sentence_carries_a_marker_that_resolves(seed_assistant):
    answer = seed_assistant.ask("Who was wounded when Baldwin fired the gun?")
    assert not answer.abstained
    assert "Joel Souza" in answer.answer
    for c in answer.citations:
        assert f"[{c.n}]" in answer.answer
    # every quoted piece is verbatim from the sentence its marker cites
    import re

    for quote, n in re.findall(r"(.+?)\s*\[(\d+)\]\s*", answer.answer):
        cited = answer.citations[int(n) - 1].text
        assert quote.strip("… ") in " ".join(cited.split())


@pytest.mark.parametrize("question", ["What is the capital of France?", "How do I bake sourdough bread?"])
def test_off_corpus_questions_abstain(seed_assistant, question):
    answer = seed_assistant.ask(question)
    assert answer.abstained
    assert answer.answer.startswith("The corpus does not say")
    assert answer.citations == []
    if "France" in question:  # a named thing no passage mentions is the stated reason
        assert "never mention 'France'" in answer.answer


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
    assert assistant.index.vectorstore._collection.count() == 1  # replaced, not duplicated
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
    assert set(data) - {"question", "answer", "abstained", "citations", "retrieved", "timings"} == {"query", "evidence", "answerer"}
    assert "Gloria Allred" in data["answer"] and data["abstained"] is False
    assert data["retrieved"] == [SEED_ID]
    cite = data["citations"][0]
    assert set(cite) == {"n", "source", "title", "text", "start", "end", "score", "support"}
    text = (corpus_dir / SEED_ID).read_text(encoding="utf-8")
    assert text[cite["start"] : cite["end"]] == cite["text"] and "Allred" in cite["text"]
    assert {"retrieve_ms", "answer_ms", "total_ms"} <= set(data["timings"])

    off = _cli("--index", str(index), "ask", "What is the capital of France?", "--json")
    assert json.loads(off.stdout)["abstained"] is True


def test_cli_errors_are_one_clear_line(tmp_path):
    missing = _cli("ingest", "--index", str(tmp_path / "i"), str(tmp_path / "nope"))
    assert missing.returncode != 0
    assert "no such file or folder" in missing.stderr and "Traceback" not in missing.stderr
    empty = _cli("ask", "--index", str(tmp_path / "i2"), "anything?")
    assert empty.returncode != 0 and "index is empty" in empty.stderr and "Traceback" not in empty.stderr


def test_a_question_wanting_a_number_the_passages_lack_abstains_and_says_why(seed_assistant):
    answer = seed_assistant.ask("How much money does the Hutchins family want from Baldwin?")
    assert answer.abstained and answer.abstain_reason == "no-answer-type"
    assert "gives no number or amount" in answer.answer
    kept = seed_assistant.ask("How long is Gutierrez-Reed's prison sentence?")
    assert not kept.abstained and "1.5-year" in kept.answer


def test_a_possessive_in_the_text_counts_as_mentioning_the_name():
    from assistant.answering import _words_in
    from assistant.spans import question_anchors

    words = _words_in(t for t in ["Alec Baldwin’s legal battles", "Hutchins' sister"])
    assert set(question_anchors("What did Baldwin and Hutchins say?")) <= words


def test_an_anchor_is_known_without_its_accents_or_in_another_form_of_an_ordinary_word():
    """ "Herve" is the "Hervé" of the article; "Marry", capitalised by the asker, is its "married"."""
    from assistant.answering import _unknown

    text = "One of the first Norman mercenaries was Hervé. Emma married King Ethelred II of England."
    assert _unknown({"herve": "Herve", "marry": "Marry", "emma": "Emma"}, [text]) == []
    assert _unknown({"harold": "Harold", "england": "England"}, [text]) == ["Harold"]
    assert _unknown({"marry": "Marry"}, ["Marry Smith spoke."]) == []
    assert _unknown({"married": "Married"}, ["Emma and Ethelred."]) == ["Married"]


def test_a_decade_or_an_ordinal_the_articles_never_mention_is_not_answered_around(seed_assistant):
    from assistant.spans import question_anchors

    assert set(question_anchors("Who sold the rights in the 1300's, in the 14th century, or in 1066?")) == {"1300", "14th", "1066"}
    answer = seed_assistant.ask("Who represented the Hutchins family in the 1990's?")
    assert answer.abstained and answer.abstain_reason == "unknown-terms" and "1990's" in answer.answer
    kept = seed_assistant.ask("What happened to Hutchins in 2021?")  # 2021 is in the article
    assert not kept.abstained and "2021" in kept.answer


def test_a_sentence_that_continues_the_one_before_can_answer(tmp_path, embeddings):
    """ "It was commissioned by ..." answers "who commissioned the mural?" though only the sentence before names it."""
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "mural.txt").write_text(
        "Town hall mural restored\n\nThe best known work in the town hall is the Harbour Mural, a long painting of the "
        "old fishing port and its boats. It was commissioned by Margaret Ellison, the mayor at the time. Visitors come "
        "from across the region to see it, and the hall is open every weekday.\n", encoding="utf-8")
    assistant = Assistant(Settings(index_dir=tmp_path / "index", abstain_threshold=0.1), embeddings=embeddings)
    assistant.ingest([tmp_path / "corpus"])
    answer = assistant.ask("Who commissioned the Harbour Mural?")
    assert not answer.abstained and "Margaret Ellison" in answer.answer


def test_a_continuing_sentence_without_the_asked_date_is_quoted_with_the_sentence_that_has_it(tmp_path, embeddings):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "fleet.txt").write_text(
        "The harbour fleet\n\nIn April 1954 the fishing fleet left the old harbour for the northern grounds. But a "
        "storm scattered the boats along the coast. The town hall keeps a painting of the harbour.\n", encoding="utf-8")
    assistant = Assistant(Settings(index_dir=tmp_path / "index", abstain_threshold=0.1), embeddings=embeddings)
    assistant.ingest([tmp_path / "corpus"])
    answer = assistant.ask("What year did the storm scatter the boats?")
    assert not answer.abstained and "1954" in answer.answer and "storm scattered" in answer.answer
    cited = answer.citations[0]
    assert cited.text.startswith("In April 1954") and cited.text.endswith("along the coast.")


def test_a_year_the_answering_article_never_mentions_is_not_answered_around(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mural.txt").write_text(
        "Town hall mural restored\n\nThe Harbour Mural in the town hall was commissioned by Margaret Ellison in 1954. "
        "It shows the old fishing port.\n", encoding="utf-8")
    (corpus / "bridge.txt").write_text(
        "New bridge opens\n\nThe harbour bridge, planned since 1960, opened on Monday after years of delay.\n",
        encoding="utf-8")
    assistant = Assistant(Settings(index_dir=tmp_path / "index", abstain_threshold=0.1), embeddings=embeddings)
    assistant.ingest([corpus])
    answer = assistant.ask("Who commissioned the Harbour Mural in 1960?")
    assert answer.abstained and answer.abstain_reason == "number-not-in-article" and "'1960'" in answer.answer
    kept = assistant.ask("Who commissioned the Harbour Mural in 1954?")
    assert not kept.abstained and "Margaret Ellison" in kept.answer


def test_a_paraphrased_question_is_answered(seed_assistant):
    """The article says "fatally shot", the question "deadly shooting": word vectors tell they agree."""
    answer = seed_assistant.ask("When did the deadly shooting on the set happen?")
    assert not answer.abstained and "October 21, 2021" in answer.answer


def test_word_vectors_tell_a_paraphrase_from_an_unrelated_word(embeddings):
    from assistant.evidence import WordVectors

    words = WordVectors(embeddings)
    assert words.closest("lawyer", ["press", "attorney"], 0.65) >= 0.8
    assert words.closest("deadly", ["family", "press", "conference"], 0.65) == 0.0
    assert words.closest("deadly", [], 0.65) == 0.0
