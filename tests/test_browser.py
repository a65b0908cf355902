"""The real app in a real browser: Debian's Chromium driven by Playwright, on a free loopback port.

Screenshots of each step go to test-artifacts/screenshots/ (git-ignored) for a human to look at.
"""

import re

import pytest
from helpers import SHOTS, ask, browser_tests, upload_in_the_corpus_tab
from playwright.sync_api import expect

from assistant.citations import UNSURE_LEAD

UPLOAD_DOC = """The Grand Otter Regatta

The Grand Otter Regatta on Lake Wendermoor was won by the rowing club from Little Pemberton on Saturday.
The winning crew was coached by Ottoline Brackenridge, who has trained rowers on the lake for thirty years.
"""

pytestmark = browser_tests


def test_the_direct_answer_comes_first_and_its_chip_opens_a_popover_on_hover_and_on_focus(page):
    page.locator("#examples button.suggestion").first.wait_for()  # the landing is complete: the picture has it all
    answer = ask(page, "Who represents the Hutchins family?")
    direct = answer.locator(".direct")
    assert direct.inner_text() == "Gloria Allred"  # the answer itself, not a clipped quote
    quote = answer.locator("blockquote.evidence")
    assert direct.bounding_box()["y"] < quote.bounding_box()["y"]  # first, then the sentence it comes from
    assert quote.locator(":scope > mark").inner_text() == "Gloria Allred" and "…" not in quote.inner_text()
    assert quote.inner_text().startswith("Prominent attorney Gloria Allred, who represents")
    chip = answer.locator("a.cite").first
    assert chip.inner_text().strip() == "1" and chip.bounding_box()["height"] < 30  # a small badge
    popover = page.locator("#cite-popover")
    assert popover.is_hidden()
    chip.hover()
    popover.wait_for(state="visible")
    said = popover.inner_text()
    assert "Alec Baldwin's Criminal Case Dismissed" in said and "Gloria Allred" in popover.locator("mark").inner_text()
    page.screenshot(path=str(SHOTS.parent / "chat.png"))  # the README picture: answer, chip popover, sources
    page.mouse.move(5, 5)
    popover.wait_for(state="hidden")
    chip.focus()  # keyboard users get the same popover
    popover.wait_for(state="visible")
    page.keyboard.press("Escape")
    popover.wait_for(state="hidden")
    assert page.locator("#chat details").count() == 0  # the passage is shown once, in the Sources panel
    chip.click()
    card = page.locator("#sources details.source.cited").first
    assert card.evaluate("e => e.open") is True and "Gloria Allred" in card.locator("mark").inner_text()
    assert "#" not in page.url  # opened in place, no navigation


def test_sources_are_one_card_per_article_with_words_not_scores(page):
    ask(page, "Who represents the Hutchins family?")
    cards = page.locator("#sources details.source")
    titles = [cards.nth(i).locator(".src-title").inner_text() for i in range(cards.count())]
    assert len(set(titles)) == len(titles) >= 2  # the seed article once, though several of its passages were read
    assert "cited [1]" in cards.first.locator(".src-cited").inner_text()
    assert cards.first.locator(".gap").count() >= 1  # its passages inside the one card, in the article's order
    assert cards.first.locator("a", has_text="whole article").get_attribute("href").startswith(
        "/articles/000_cee5a0d51e26243d.txt?start=")
    panel = page.locator("#sources").inner_text()
    assert "score" not in panel and "support 1.00" not in panel
    strength = cards.nth(1).locator(".strength")
    assert strength.inner_text().split("\n")[0] in ("strong match", "partial match", "weak match")
    strength.hover()
    assert strength.locator(".tip").is_visible() and "question" in strength.locator(".tip").inner_text()
    with page.context.expect_page() as opened:
        cards.first.locator("a", has_text="whole article").click()
    article = opened.value
    article.wait_for_load_state()
    assert "Gloria Allred" in article.locator("#cited").inner_text() and article.locator("h1").inner_text().startswith("Alec")
    article.close()


def test_copy_gives_plain_text_with_the_citations(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ask(page, "Who represents the Hutchins family?")
    page.locator("#chat [data-testid=bot]").last.hover()
    page.locator("#chat button[aria-label='Copy message']").last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.removeprefix(UNSURE_LEAD).startswith("Gloria Allred\n\n“Prominent attorney Gloria Allred")
    assert "\n\n[1] Alec Baldwin's Criminal Case Dismissed, Civil Lawsuit Looms" in copied
    assert "<" not in copied and "&#" not in copied


def test_new_chat_forgets_everything_too(page):
    ask(page, "Who represents the Hutchins family?")
    page.locator("#new-chat").click()
    page.wait_for_function("document.querySelectorAll('#chat .answer').length === 0")
    page.wait_for_function("document.querySelectorAll('#sources details.source').length === 0")
    ask(page, "and who is her sister?")
    assert page.locator("#chat .rewritten").count() == 0  # searched as asked: no "(Hutchins)" carried over


def test_a_phone_sees_the_ask_button_without_scrolling(browser, app):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(app["url"])
    page.wait_for_selector("#question textarea")
    box = page.locator("#ask").bounding_box()
    assert box["y"] + box["height"] <= 844 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling either
    page.screenshot(path=str(SHOTS / "phone.png"))
    context.close()


def test_a_long_question_is_counted_then_refused_in_words(page):
    long = "Who represents the Hutchins family? " * 60  # about 2,160 characters; the limit is 2,000
    page.locator("#question textarea").fill(long)
    counter = page.locator("#question-count")
    # the counter follows the input event: wait for it (seconds under the whole suite's load on two cores)
    expect(counter).to_contain_text("/ 2000 characters", timeout=30_000)
    expect(counter).to_have_class(re.compile(r"\bover\b"), timeout=30_000)
    assert page.locator("#question textarea").input_value() == long  # nothing cut silently
    page.locator("#question textarea").press("Enter")
    page.wait_for_selector("#chat .error")
    assert "the limit is 2000" in page.locator("#chat .error").inner_text()
    assert page.locator("#question textarea").input_value() == long  # kept, so it can be shortened, not lost
    box = page.locator("#question textarea").bounding_box()
    assert box["height"] < 140  # the box does not grow over the layout


def test_a_picked_date_range_is_applied_and_said(page):
    ask(page, "Who represents the Hutchins family?")
    page.get_by_text("Answer and retrieval settings").click()
    assert page.locator("#since input").get_attribute("type") == "date"  # the browser's own date field: no free text
    # the opening accordion may mount the field again right after the first fill, losing the date (seen twice
    # here and once in CI): fill it until it holds the date, then ask
    for _ in range(3):
        page.locator("#since input").fill("2030-01-01")
        page.wait_for_timeout(500)
        if page.locator("#since input").input_value() == "2030-01-01":
            break
    expect(page.locator("#since input")).to_have_value("2030-01-01")
    box = ask(page, "Who represents the Hutchins family?", count=2)
    assert box.get_attribute("class") == "abstain"  # nothing in the corpus is that new
    said = page.locator("#chat .rewritten").last.inner_text()
    assert said.startswith("Only articles published from 2030-01-01: 0 of 2 searched.")  # and what it left out
    assert "I searched 0 articles" in box.inner_text()
    assert page.locator("#sources details.source").count() == 0  # no passages of the earlier answer left behind


def test_a_vague_question_gets_concrete_questions_to_click(page):
    box = ask(page, "What happened?")
    assert box.inner_text().startswith("Too vague to search for.")
    suggestion = box.locator("button.suggestion").first
    asked = suggestion.inner_text()
    suggestion.click()
    page.wait_for_function("document.querySelectorAll('#chat .answer:not(.streaming)').length >= 1", timeout=60_000)
    assert page.locator("#chat [data-testid=user]").last.inner_text().strip() == asked


def test_an_answer_offers_follow_up_questions_that_ask_themselves(page):
    ask(page, "Who represents the Hutchins family?")
    follow = page.locator("#chat .suggestions button.suggestion").first
    follow.wait_for(timeout=60_000)  # after the answer: each one checked with the reader first
    asked = follow.inner_text()
    assert asked and asked != "Who represents the Hutchins family?"
    follow.click()
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=user]').length >= 2", timeout=60_000)
    assert page.locator("#chat [data-testid=user]").last.inner_text().strip() == asked


def test_the_landing_page_shows_the_corpus_and_questions_about_its_newest_articles(page):
    overview = page.locator("#overview .overview")
    overview.wait_for()
    assert overview.inner_text().startswith("2 articles")
    page.locator("#examples button.suggestion").first.wait_for()
    example = page.locator("#examples button.suggestion").first
    asked = example.inner_text()
    example.click()
    answer = page.locator("#chat .answer:not(.streaming)")
    answer.first.wait_for(timeout=60_000)
    assert page.locator("#chat [data-testid=user]").last.inner_text().strip() == asked
    assert answer.first.locator(".direct").inner_text()  # an example the corpus answers


def test_abstention_looks_different_and_says_what_was_searched(page):
    box = ask(page, "What is the capital of France?")
    assert box.get_attribute("class") == "abstain"
    said = box.inner_text()
    assert said.startswith("Not in the corpus. I searched 2 articles for “What is the capital of France?”")
    assert said.count("found no passage") == 1 and "Nearest articles:" in said  # one statement, said once
    assert box.evaluate("e => getComputedStyle(e).fontStyle") == "normal"
    assert page.locator("#chat a.cite").count() == 0


def test_follow_up_shows_the_rewritten_query(page):
    ask(page, "Who represents the Hutchins family?")
    ask(page, "and who is her sister?", count=2)
    assert "Svetlana Zemko" in page.locator("#chat .answer").nth(1).inner_text()
    assert "Searched for: “Who is her sister? (Hutchins)”" in page.locator("#chat .rewritten").last.inner_text()


def test_xss_document_and_question_stay_inert(page):
    answer = ask(page, "Who is the harbour master of Fairhaven?")
    assert "Petra Quillfeather" in answer.inner_text()
    ask(page, "<img src=x onerror=\"window.__xss='question'\"> <script>window.__xss='q'</script> who voted?", count=2)
    page.evaluate("document.querySelectorAll('#chat details, #sources details').forEach(d => { d.open = true; })")
    page.locator("#chat a.cite").last.hover()  # the popover shows the document's words as text too
    visible = page.locator("#sources").inner_text() + page.locator("#chat").inner_text() + page.locator("#cite-popover").inner_text()
    assert "<script>" in visible  # shown as text, not run
    assert page.evaluate("window.__xss") is None
    assert page.locator("#chat img[onerror], #sources img[onerror], #chat script, #sources script").count() == 0
    hrefs = page.eval_on_selector_all("#chat a, #sources a", "els => els.map(e => e.getAttribute('href') || '')")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript")]
    page.get_by_text("the town hall meeting").locator("visible=true").first.click()
    page.get_by_text("the new library").locator("visible=true").first.click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None and page.dialogs == []


def test_upload_a_document_then_ask_about_it_then_remove_it(page, app, tmp_path):
    upload = tmp_path / "regatta.md"
    upload.write_text(UPLOAD_DOC, encoding="utf-8")
    upload_in_the_corpus_tab(page, upload)
    assert "regatta.md" in page.locator("#documents").inner_text()
    assert (app["corpus"] / "regatta.md").read_text(encoding="utf-8") == UPLOAD_DOC  # kept by the next sync
    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "Who coached the winning crew at Lake Wendermoor?")
    assert "Ottoline Brackenridge" in answer.inner_text()
    assert "regatta.md" in page.locator("#sources details.source.cited").first.text_content()

    page.get_by_role("tab", name="Corpus").click()
    page.locator("#remove-ids input").click()
    page.get_by_role("option", name="regatta.md").click()
    page.locator("#remove").click()  # asks first
    page.locator("#confirm-remove").click()
    page.wait_for_function("document.querySelector('#corpus-report')?.innerText.includes('1 removed')", timeout=60_000)
    assert "regatta.md" not in page.locator("#documents").inner_text()
    assert not (app["corpus"] / "regatta.md").exists()  # moved to the index's trash, so Undo can bring it back
    page.get_by_role("tab", name="Chat").click()
    assert "Ottoline" not in ask(page, "Who coached the winning crew at Lake Wendermoor?", count=2).inner_text()


def test_upload_checks_type_size_and_content_on_the_server(app, tmp_path):
    """The browser's file picker filters types; the server checks again, since a client can post anything."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    client = Client(app["url"], verbose=False)
    before = client.predict(api_name="/documents")
    exe = tmp_path / "payload.exe"
    exe.write_bytes(b"MZ\x90\x00binary")
    with pytest.raises(AppError, match="Invalid file type"):
        client.predict([handle_file(str(exe))], api_name="/upload")
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"word " * 4_400_000)  # 22 MB, over the 20 MB limit
    with pytest.raises(Exception, match="(?i)file size|too large|exceeds"):
        client.predict([handle_file(str(huge))], api_name="/upload")
    empty, binary = tmp_path / "empty.txt", tmp_path / "renamed.txt"
    empty.write_text("", encoding="utf-8")
    binary.write_bytes(bytes(range(256)) * 40)
    report = client.predict([handle_file(str(empty)), handle_file(str(binary))], api_name="/upload")[0]
    assert "2 failed" in report and "empty.txt" in report and "renamed.txt" in report
    assert client.predict(api_name="/documents") == before
    for name in ("payload.exe", "huge.txt", "empty.txt", "renamed.txt"):
        assert not (app["corpus"] / name).exists()


def test_the_trash_icon_also_forgets_the_sources_and_the_follow_up_context(page):
    ask(page, "Who represents the Hutchins family?")
    assert page.locator("#sources details.source").count() >= 1
    page.locator("#chat button[aria-label='Clear']").first.click()
    page.wait_for_function("document.querySelectorAll('#chat .answer').length === 0")
    page.wait_for_function("document.querySelectorAll('#sources details.source').length === 0")
    ask(page, "and who is her sister?")
    assert page.locator("#chat .rewritten").count() == 0  # searched as asked: no "(Hutchins)" carried over


def test_the_evaluate_tab_runs_its_default_set_and_shows_metrics(page):
    page.get_by_role("tab", name="Evaluate").click()
    assert page.locator("#question-set input").input_value() == "seed.jsonl"  # the set whose documents are indexed
    page.get_by_role("button", name="Run evaluation").click()
    page.wait_for_function("document.body.innerText.includes('hit@1')", timeout=120_000)
    assert "Cannot run" not in page.locator("body").inner_text()
