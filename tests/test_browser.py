"""The real app in a real browser: Debian's Chromium driven by Playwright, on a free loopback port.

Screenshots of each step go to test-artifacts/screenshots/ (git-ignored) for a human to look at.
"""

import pytest

from conftest import SHOTS, ask, browser_tests

UPLOAD_DOC = """The Grand Otter Regatta

The Grand Otter Regatta on Lake Wendermoor was won by the rowing club from Little Pemberton on Saturday.
The winning crew was coached by Ottoline Brackenridge, who has trained rowers on the lake for thirty years.
"""

pytestmark = browser_tests


def test_headline_question_gets_an_answer_whose_citation_opens_on_click(page):
    answer = ask(page, "Who represents the Hutchins family?")
    assert "Gloria Allred" in answer.inner_text()
    card = page.locator("#chat details.citation").first
    assert card.evaluate("e => e.open") is False
    page.locator("#chat a.cite").first.click()
    page.wait_for_function("document.querySelector('#chat details.citation').open === true")
    assert "Gloria Allred" in card.locator("mark").inner_text()
    summary = card.locator("summary").inner_text()
    assert "Alec Baldwin" in summary and "support 1.00" in summary
    assert page.url.rstrip("/") + "/" == page.url and "#" not in page.url  # opened in place, no navigation
    assert page.locator("#sources details.passage.cited mark").count() >= 1  # sources panel marks the quote
    page.screenshot(path=str(SHOTS.parent / "chat.png"))  # the README picture


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
    visible = page.locator("#sources").inner_text() + page.locator("#chat").inner_text()
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
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload input[type=file]").set_input_files([str(upload)])
    page.locator("#add-docs").click()
    page.wait_for_function("document.querySelector('#corpus-report').innerText.includes('1 added')", timeout=120_000)
    assert "regatta.md" in page.locator("#documents").inner_text()
    assert (app["corpus"] / "regatta.md").read_text(encoding="utf-8") == UPLOAD_DOC  # kept by the next sync
    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "Who coached the winning crew at Lake Wendermoor?")
    assert "Ottoline Brackenridge" in answer.inner_text()
    assert "regatta.md" in page.locator("#chat details.citation").first.text_content()

    page.get_by_role("tab", name="Corpus").click()
    page.locator("#remove-ids input").click()
    page.get_by_role("option", name="regatta.md").click()
    page.locator("#remove").click()  # asks first
    page.locator("#confirm-remove").click()
    page.wait_for_function("document.querySelector('#corpus-report').innerText.includes('1 removed')", timeout=60_000)
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
    assert page.locator("#sources details.passage").count() >= 1
    page.locator("#chat button[aria-label='Clear']").first.click()
    page.wait_for_function("document.querySelectorAll('#chat .answer').length === 0")
    page.wait_for_function("document.querySelectorAll('#sources details.passage').length === 0")
    ask(page, "and who is her sister?")
    assert page.locator("#chat .rewritten").count() == 0  # searched as asked: no "(Hutchins)" carried over


def test_the_evaluate_tab_runs_its_default_set_and_shows_metrics(page):
    page.get_by_role("tab", name="Evaluate").click()
    assert page.locator("#question-set input").input_value() == "seed.jsonl"  # the set whose documents are indexed
    page.get_by_role("button", name="Run evaluation").click()
    page.wait_for_function("document.body.innerText.includes('hit@1')", timeout=120_000)
    assert "Cannot run" not in page.locator("body").inner_text()
