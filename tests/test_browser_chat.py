"""The chat's keeping and rating in a real browser: a reload keeps the conversation, earlier ones reopen, one
exports as Markdown, answers are rated (and the rating is stored), and an earlier answer's chip still works; a
story answer, its timeline, and "Tell me more" after it."""

import re

from helpers import SHOTS, ask, browser_tests

from assistant.feedback import FeedbackLog

pytestmark = browser_tests


def test_a_reload_keeps_the_conversation_and_new_chat_files_it_under_earlier_ones(page):
    ask(page, "Who represents the Hutchins family?")
    ask(page, "Who is the harbour master of Fairhaven?", 2)
    page.wait_for_timeout(1500)  # the browser's copy is written after the answer
    page.reload()
    page.wait_for_function("document.querySelectorAll('#chat .answer').length === 2", timeout=30_000)
    assert "Petra Quillfeather" in page.locator("#chat .answer").nth(1).inner_text()
    assert "Petra Quillfeather" in page.locator("#sources").inner_text()  # the latest answer's sources too
    page.locator("#new-chat").click()
    page.wait_for_function("document.querySelectorAll('#chat .answer').length === 0")
    ask(page, "and who is her sister?")  # returns once the answer event has ended (reopened before, it was left out)
    assert page.locator("#chat .rewritten").count() == 0  # a new conversation: nothing carried over
    page.locator("#history input").click()
    options = page.locator("[role=option]")
    options.first.wait_for()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d · Who represents the Hutchins family\?", options.first.inner_text())
    options.first.click()
    page.wait_for_function("document.querySelectorAll('#chat .answer').length === 2", timeout=30_000)
    page.screenshot(path=str(SHOTS / "reopened-conversation.png"), full_page=True)
    page.wait_for_timeout(1000)  # one pick fires `input` twice: the second must not find its choice gone
    assert page.locator("[data-testid=toast-body]").count() == 0
    page.locator("#question textarea").focus()
    page.locator("#history input").click()  # the one left is listed now, after the reopened one, chosen
    options.first.wait_for()  # the list opens after the click: read it once it is there
    assert [t.split(" · ")[1] for t in page.locator("[role=option]").all_inner_texts()] == [
        "Who represents the Hutchins family?", "and who is her sister?"]


def test_a_conversation_exports_as_markdown_with_the_corpus_text_inert(page):
    ask(page, "Who is the harbour master of Fairhaven?")
    page.wait_for_timeout(1500)
    with page.expect_download() as download:
        page.locator("#export").click()
    exported = open(download.value.path(), encoding="utf-8").read()
    assert exported.startswith("# Who is the harbour master of Fairhaven?")
    assert "Petra Quillfeather" in exported and "fairhaven.txt" in exported and "[1]" in exported
    unescaped = exported.replace("\\<", "").replace("\\[", "").replace("\\(", "")
    assert "<img" not in unescaped and "](javascript" not in unescaped  # the document's markup stays text


def test_answers_are_rated_and_a_thumbs_down_asks_what_was_right(page, app):
    ask(page, "Who represents the Hutchins family?")
    page.locator("#chat button[aria-label='Like']").last.click()
    page.wait_for_function("document.querySelector('#feedback-note')?.innerText.includes('Thank you')")
    assert page.locator("#feedback-row").is_hidden()
    ask(page, "Who is the harbour master of Fairhaven?", 2)
    page.locator("#chat button[aria-label='Dislike']").last.click()
    page.locator("#feedback-row").wait_for(state="visible")
    page.locator("#right-answer textarea").fill("Petra Quillfeather, since 2019")
    page.locator("#wrong-source input").check()
    page.screenshot(path=str(SHOTS / "feedback.png"), full_page=True)
    page.locator("#send-feedback").click()
    page.locator("#feedback-row").wait_for(state="hidden")
    kept = FeedbackLog(app["root"] / "index").all()[-2:]
    assert [(f.question, f.rating) for f in kept] == [("Who represents the Hutchins family?", 1),
                                                       ("Who is the harbour master of Fairhaven?", -1)]
    assert kept[1].right_answer == "Petra Quillfeather, since 2019" and kept[1].wrong_source
    assert kept[0].sources == ["000_cee5a0d51e26243d.txt"] and kept[1].sources == ["fairhaven.txt"]


def test_an_earlier_answers_chip_brings_back_its_sources(page):
    ask(page, "Who represents the Hutchins family?")
    ask(page, "Who is the harbour master of Fairhaven?", 2)
    page.wait_for_function("document.querySelector('#sources')?.innerText.includes('Fairhaven')")
    first = page.locator("#chat .answer").first.locator("a.cite").first
    card = first.get_attribute("href")[1:]
    assert page.locator(f"[id='{card}']").count() == 0  # the panel shows the latest answer's sources
    first.click()
    page.locator(f"[id='{card}']").wait_for(state="attached", timeout=10_000)
    assert "Alec Baldwin" in page.locator("#sources").inner_text()
    page.wait_for_function(f"document.getElementById({card!r}).closest('details').open")


def test_the_timeline_button_tells_the_last_questions_story_oldest_first(page):
    page.locator("#timeline").click()
    page.wait_for_function("document.querySelector('#feedback-note')?.innerText.includes('Ask a question first')")
    ask(page, "Who represents the Hutchins family?")
    page.locator("#timeline").click()
    page.wait_for_selector("#chat ol.timeline li")
    story = page.locator("#chat div.timeline").last
    assert story.inner_text().startswith("How the story unfolded, 1 article")
    assert story.locator("li .when").first.inner_text() == "undated" and "“" in story.locator("li").first.inner_text()
    link = story.locator("li a").first
    assert link.get_attribute("href").startswith("/articles/000_cee5a0d51e26243d.txt?start=")
    assert link.get_attribute("title").startswith("Alec Baldwin")


def test_a_story_question_gets_several_quoted_cited_sentences(page):
    ask(page, "What happened to Halyna Hutchins?")
    answer = page.locator("#chat .answer").last
    sentences = answer.locator(".story-sentence")
    assert sentences.count() >= 2 and answer.locator(".direct").count() == 0  # quotes, not a short span
    for i in range(sentences.count()):
        quote = sentences.nth(i)
        text = quote.inner_text()
        assert text.startswith("“") and "…" not in text  # whole sentences, quoted
        assert quote.locator("a.cite").count() == 1  # each with its own chip
    chips = [sentences.nth(i).locator("a.cite").inner_text().strip() for i in range(sentences.count())]
    assert chips == [str(n) for n in range(1, len(chips) + 1)]  # numbered in the order they are quoted
    assert "Not sure" in answer.inner_text() or "Confident" in answer.inner_text()  # how sure, in words
    sentences.first.locator("a.cite").click()  # a chip opens its article's card, the quote marked
    card = page.locator("#sources details.source.cited").first
    assert card.evaluate("e => e.open") is True and card.locator("mark").count() >= 1
    page.screenshot(path=str(SHOTS / "story-answer.png"), full_page=True)
    said = {sentences.nth(i).inner_text().rsplit("”", 1)[0] for i in range(sentences.count())}
    ask(page, "Tell me more")  # the story goes on, past what was quoted (the conversation's queries say what)
    more = page.locator("#chat .answer").last.locator(".story-sentence")
    assert more.count() >= 1 and not said & {more.nth(i).inner_text().rsplit("”", 1)[0] for i in range(more.count())}
