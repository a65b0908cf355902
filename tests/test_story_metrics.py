"""Story-question metrics: key words, gold sentences, the newest article, verbatim quotes; and the set format."""

import json

import pytest
from helpers import Canned

from assistant.errors import AssistantError
from assistant.evaluation import Case, load_cases, run_cases
from assistant.story_metrics import gold_sentence_recall, key_word_recall, story_case_metrics, verbatim

GOLD = "The riots were triggered when Alexandros Grigoropoulos, a 15-year-old student, was shot by police."
TEXT = f"Athens burned for a week. {GOLD} Shops were looted."


def test_key_words_match_whole_words_ignoring_case_punctuation_and_alternatives():
    answer = "The unrest began after police shot a 15-year-old student [1]."
    assert key_word_recall(answer, ["police", "student", "killed|shot"]) == 1.0
    assert key_word_recall(answer, ["police", "Grigoropoulos"]) == 0.5
    assert key_word_recall("policeman [1]", ["police"]) == 0.0  # a word, not a substring
    assert key_word_recall("anything", []) is None


def test_a_gold_sentence_counts_when_a_quote_holds_it_or_most_of_it():
    assert gold_sentence_recall([f"“{GOLD}”"], [GOLD]) == 1.0
    half = "The riots were triggered when Alexandros Grigoropoulos, a 15-year-old student,"
    assert gold_sentence_recall([half], [GOLD]) == 1.0  # a splitter cut the sentence: most of it is quoted
    assert gold_sentence_recall(["was shot by police."], [GOLD]) == 0.0  # a fragment is not the sentence
    assert gold_sentence_recall(["Shops were looted.", GOLD], [GOLD, "Something else entirely."]) == 0.5


def test_verbatim_checks_each_quote_against_its_own_article_at_its_offsets():
    start = TEXT.index(GOLD)
    good = {"source": "a", "text": GOLD, "start": start, "end": start + len(GOLD)}
    assert verbatim([good], {"a": TEXT}) is True
    assert verbatim([{**good, "source": "b"}], {"a": TEXT, "b": "Another article."}) is False  # cited elsewhere
    assert verbatim([{**good, "text": GOLD.replace("police", "troops")}], {"a": TEXT}) is False  # altered
    assert verbatim([], {"a": TEXT}) is None


def test_a_refused_story_question_scores_zero_and_latest_wants_the_newest_article():
    citation = {"source": "old", "text": GOLD, "start": 26, "end": 26 + len(GOLD)}
    m = story_case_metrics(f"{GOLD} [1]", False, [citation], [GOLD], ["police"], "new", {"old": TEXT})
    assert m == {"key_word_recall": 1.0, "gold_sentence_recall": 1.0, "gold_sentence_hit": True,
                 "cited_newest": False, "quotes_verbatim": True}
    refused = story_case_metrics("", True, [], [GOLD], ["police"], "new", {})
    assert refused["key_word_recall"] == 0.0 and refused["cited_newest"] is False
    assert refused["gold_sentence_hit"] is None  # over answers given only


def _write(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return path


def test_story_fields_are_read_and_checked(tmp_path):
    row = {"id": "s1", "question": "Why?", "answers": [GOLD], "sources": ["a", "b"], "answerable": True,
           "kind": "latest", "key_words": ["police"], "history": ["What happened in Athens?"], "newest": "b"}
    case = load_cases(_write(tmp_path / "ok.jsonl", [row]))[0]
    assert (case.history, case.key_words, case.newest) == (("What happened in Athens?",), ("police",), "b")
    with pytest.raises(AssistantError, match="newest"):
        load_cases(_write(tmp_path / "bad.jsonl", [{**row, "newest": "c"}]))
    with pytest.raises(AssistantError, match="lists of strings"):
        load_cases(_write(tmp_path / "bad2.jsonl", [{**row, "key_words": "police"}]))


def test_a_follow_up_case_is_asked_with_its_history_and_scored_as_a_story():
    asked = []
    start = TEXT.index(GOLD)

    def ask(question, history):
        asked.append((question, history))
        citation = {"n": 1, "source": "a", "text": GOLD, "start": start, "end": start + len(GOLD)}
        return Canned(answer=f"{GOLD} [1]", abstained=False, citations=[citation], retrieved=["a"])

    cases = [Case("f", "Why did it start?", [GOLD], ["a"], True, "followup", ("What happened in Athens?",),
                  ("police", "looted"))]
    run = run_cases(ask, cases, "stories", texts=lambda ids: {"a": TEXT})
    assert asked == [("Why did it start?", ("What happened in Athens?",))]
    result = run.results[0]
    assert (result["key_word_recall"], result["gold_sentence_hit"], result["quotes_verbatim"]) == (0.5, True, True)
    assert run.summary["key_word_recall"] == 0.5 and run.summary["quotes_verbatim"] == 1.0
