"""The news development set the confidence model is fitted on: real articles, answers verbatim, never an eval's."""

from __future__ import annotations

import json

import pytest

from assistant.story_metrics import key_word_recall
from assistant.training.confidence_data import EVAL_NEWS, NEWS_DEV, news_dev_cases


def test_answers_are_verbatim_in_their_article_and_no_article_is_an_evaluation_ones():
    rows = [json.loads(line) for line in (NEWS_DEV / "questions.jsonl").read_text().splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) >= 200
    articles = {p.name: p.read_text(encoding="utf-8") for p in (NEWS_DEV / "corpus").glob("*.md")}
    assert not set(articles) & {p.name for p in EVAL_NEWS.glob("*.md")}
    for r in rows:
        assert all(s in articles for s in r["sources"])
        if r["answerable"]:
            assert any(a in articles[r["sources"][0]] for a in r["answers"]), r["id"]
        else:
            assert r["answers"] == []


def test_the_fitting_and_test_halves_share_no_article():
    halves = news_dev_cases()
    fit = {c.question for c in halves["fit"]}
    test = {c.question for c in halves["test"]}
    assert not fit & test and len(fit) + len(test) >= 240
    rows = [json.loads(line) for line in (NEWS_DEV / "questions.jsonl").read_text().splitlines()]
    side = {r["question"]: ("fit" if r["question"] in fit else "test") for r in rows}
    per_article: dict[str, set] = {}
    for r in rows:
        for s in r["sources"]:
            per_article.setdefault(s, set()).add(side[r["question"]])
    assert all(len(sides) == 1 for sides in per_article.values())
    assert {c.domain for c in halves["fit"]} == {"news", "off-corpus"}


def test_the_follow_up_conversations_quote_their_articles_and_change_subject_to_another_article():
    rows = [json.loads(line) for line in (NEWS_DEV / "followup.jsonl").read_text().splitlines()]
    articles = {f"news-dev/{p.name}": p.read_text(encoding="utf-8") for p in (NEWS_DEV / "corpus").glob("*.md")}
    assert len({r["id"] for r in rows}) == len(rows) and {r["kind"] for r in rows} == {"followup", "switch"}
    for r in rows:
        text = " ".join(articles[r["sources"][0]].split())
        assert len(r["history"]) == 1 and any(" ".join(a.split()) in text for a in r["answers"]), r["id"]
        for words in r.get("key_words", []):
            assert any(w.casefold() in text.casefold() for w in words.split("|")), (r["id"], words)


@pytest.mark.parametrize("name, kinds, least, folder", [("compare.jsonl", {"compare"}, 7, "stories"),
                                                         ("story_summary.jsonl", {"summary"}, 24, "stories"),
                                                         ("followup_stories.jsonl", {"followup"}, 30, "stories"),
                                                         ("story_more.jsonl", {"why", "how", "summary"}, 50, "more")])
def test_the_story_questions_quote_their_articles_and_say_their_key_words(name, kinds, least, folder):
    rows = [json.loads(line) for line in (NEWS_DEV / name).read_text().splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) >= least and {r["kind"] for r in rows} == kinds
    for r in rows:
        text = " ".join(" ".join((NEWS_DEV / folder / s).read_text(encoding="utf-8").split()) for s in r["sources"])
        assert all(" ".join(a.split()) in text for a in r["answers"]), r["id"]
        assert all(any(w.casefold() in text.casefold() for w in k.split("|")) for k in r["key_words"]), r["id"]
        # every key word is said, as whole words, by a gold sentence: an answer quoting it scores it
        assert all(any(key_word_recall(a, [k]) for a in r["answers"]) for k in r["key_words"]), r["id"]
