"""The Corpus and Evaluate tabs in a real browser: friendly table, Remove that asks first and can be undone, honest progress.

The screenshots of both tabs (1400x1000) go to test-artifacts/ for the README.
"""

from helpers import SHOTS, ask, browser_tests, upload_in_the_corpus_tab

pytestmark = browser_tests

HARBOUR_DOC = """---
title: Elswick ferry timetable changes
date: 2024-11-05
source: Harbour Herald
---
The winter ferry to Elswick will leave at seven each morning, said the harbour master Ignatius Pembury.
"""


def test_the_corpus_table_speaks_plainly_and_hides_the_index_path(page, app):
    page.get_by_role("tab", name="Corpus").click()
    page.wait_for_function("document.querySelector('#documents')?.innerText.includes('fairhaven.txt')")
    headers = page.locator("#documents thead th").all_inner_texts()
    assert [h.strip() for h in headers if h.strip()][:6] == ["Title", "Outlet", "Published", "Passages", "Added", "File"]
    assert all("\n" not in h.strip() for h in headers)  # no header wraps
    body = page.locator("body").inner_text()
    assert str(app["root"]) not in body and "indexed_at" not in body and "chunks" not in page.locator("#documents").inner_text()
    assert "2 articles" in page.locator("#corpus-summary").inner_text() and "passages" in page.locator("#corpus-summary").inner_text()
    fonts = page.locator("#documents .body-cell .cell-wrap").evaluate_all("els => els.map(e => getComputedStyle(e).fontFamily)")
    assert fonts and not [f for f in fonts if "mono" in f.lower()]
    table = page.locator("#documents").bounding_box()
    assert table["x"] + table["width"] <= 1400  # the last column fits
    page.screenshot(path=str(SHOTS.parent / "corpus.png"))  # the README picture


def test_remove_asks_first_and_undo_brings_the_document_back(page, app, tmp_path):
    upload = tmp_path / "ferry.md"
    upload.write_text(HARBOUR_DOC, encoding="utf-8")
    upload_in_the_corpus_tab(page, upload)
    assert "5 Nov 2024" in page.locator("#documents").inner_text() and "Harbour Herald" in page.locator("#documents").inner_text()

    page.locator("#remove-ids input").click()
    page.get_by_role("option", name="ferry.md").click()
    page.locator("#remove").click()
    page.locator("#remove-confirm").wait_for(state="visible")
    assert "Remove 1 document?" in page.locator("#remove-confirm").inner_text()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "remove-confirm.png"))
    assert "ferry.md" in page.locator("#documents").inner_text() and (app["corpus"] / "ferry.md").exists()  # nothing yet
    page.locator("#cancel-remove").click()
    page.locator("#remove-confirm").wait_for(state="hidden")
    assert "ferry.md" in page.locator("#documents").inner_text()

    page.locator("#remove").click()
    page.locator("#confirm-remove").click()
    page.wait_for_function("document.querySelector('#corpus-report')?.innerText.includes('1 removed')", timeout=60_000)
    assert "ferry.md" not in page.locator("#documents").inner_text() and not (app["corpus"] / "ferry.md").exists()
    page.screenshot(path=str(SHOTS / "removed-undo.png"))
    page.locator("#undo-remove").click()
    page.wait_for_function("document.querySelector('#corpus-report')?.innerText.includes('Restored ferry.md')", timeout=120_000)
    assert "ferry.md" in page.locator("#documents").inner_text()
    assert (app["corpus"] / "ferry.md").read_text(encoding="utf-8") == HARBOUR_DOC
    page.get_by_role("tab", name="Chat").click()
    assert "Ignatius Pembury" in ask(page, "Who is the harbour master of Elswick?").inner_text()
    assert page.dialogs == []


def test_a_failed_upload_is_shown_as_an_error(page, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload input[type=file]").set_input_files([str(empty)])
    page.locator("#add-docs").click()
    box = page.locator("#corpus-report .upload-failed")
    box.wait_for(timeout=60_000)
    assert "empty.txt" in box.inner_text()
    assert box.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"


def test_the_evaluate_tab_shows_honest_progress_and_explained_metrics(page):
    page.get_by_role("tab", name="Evaluate").click()
    page.get_by_role("button", name="Run evaluation").click()
    bar = page.locator("#eval-progress progress")
    bar.wait_for(timeout=60_000)
    seen = []
    while "done in" not in page.locator("#eval-progress").inner_text():
        value, top = bar.evaluate("e => [e.value, e.max]")
        said = page.locator("#eval-progress .count").inner_text()
        if f"{value:.0f} of {top:.0f} questions" in said:
            seen.append(value)
        page.wait_for_timeout(200)
    assert seen and "44 of 44 questions" in page.locator("#eval-progress").inner_text()
    assert page.locator(".progress-text, .eta-bar").count() == 0  # Gradio's own overlay is off
    page.wait_for_function("document.querySelector('#metrics')?.innerText.includes('hit@1')", timeout=60_000)
    metrics = page.locator("#metrics").inner_text()
    assert "what it means" in metrics and "Mean reciprocal rank" in metrics and "Exact match" in metrics
    assert "44 (30 answerable, 14 unanswerable)" in metrics  # not cut off
    assert page.locator("#eval-plot img").count() == 1 and page.locator("#eval-plot .icon-button-wrapper button").count() == 0
    page.screenshot(path=str(SHOTS.parent / "evaluate.png"))  # the README picture


def test_the_remove_endpoint_still_removes_at_once_with_its_outputs(app, tmp_path):
    """API clients confirm on their side: /remove removes, and returns (report, table, summary, choices, outlets)."""
    from gradio_client import Client, handle_file

    note = tmp_path / "api-note.txt"
    note.write_text("Api note\n\nThe Elswick lighthouse was painted white on Monday.\n", encoding="utf-8")
    client = Client(app["url"], verbose=False)
    client.predict([handle_file(str(note))], api_name="/upload")
    outputs = client.predict(["api-note.txt"], api_name="/remove")
    assert len(outputs) == 5 and "1 removed" in outputs[0] and "removed api-note.txt" in outputs[0]
    assert "api-note.txt" not in [d["id"] for d in client.predict(api_name="/documents")]


def test_ratings_become_a_question_set_that_the_evaluate_tab_runs(page):
    ask(page, "Who represents the Hutchins family?")
    page.locator("#chat button[aria-label='Like']").last.click()
    page.wait_for_function("document.querySelector('#feedback-note')?.innerText.includes('Thank you')")
    page.get_by_role("tab", name="Evaluate").click()
    page.get_by_text("Make a question set for this corpus").click()
    page.locator("#make-from-ratings").click()
    page.wait_for_function("document.querySelector('#set-made')?.innerText.includes('feedback.jsonl')")
    assert page.locator("#question-set input").input_value() == "feedback.jsonl"
    page.get_by_role("button", name="Run evaluation").click()
    page.wait_for_function("document.querySelector('#eval-progress')?.innerText.includes('done in')", timeout=60_000)
    page.wait_for_function("document.querySelector('#metrics')?.innerText.includes('hit@1')", timeout=60_000)
    assert "feedback.jsonl" in page.locator("#eval-progress").inner_text()


def test_the_corpus_tab_says_what_is_missing_and_finds_documents_by_title(page):
    about = page.locator("#overview .about-corpus")
    assert about.inner_text().startswith("About this corpus: Test articles, CC BY 2.5")
    assert about.locator("a").get_attribute("href") == "https://creativecommons.org/licenses/by/2.5/"
    assert about.locator("img").count() == 0 and page.evaluate("window.__xss") is None
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#add-docs").click()  # no file chosen
    page.wait_for_function("document.querySelector('#corpus-report')?.innerText.includes('Choose one or more files')")
    assert page.locator("#corpus-tab .error, .block .error").count() == 0 and page.locator("#documents").is_visible()
    assert "Alec Baldwin" in page.locator("#documents").inner_text()  # the table is still there, no error overlay
    page.locator("#remove-ids input").fill("baldwin")
    option = page.get_by_role("option").first
    assert option.inner_text() == "Alec Baldwin's Criminal Case Dismissed, Civil Lawsuit Looms (000_cee5a0d51e26243d.txt)"
    option.click()
    page.locator("#remove").click()
    assert "“Alec Baldwin's Criminal Case Dismissed" in page.locator("#remove-confirm").inner_text()
    page.locator("#cancel-remove").click()


def test_a_phone_reads_the_documents_as_a_list(browser, app):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(app["url"])
    page.wait_for_selector("#question textarea")
    page.get_by_role("tab", name="Corpus").click()
    listed = page.locator(".documents-phone li")
    listed.first.wait_for()
    assert "Alec Baldwin's Criminal Case Dismissed" in page.locator(".documents-phone").inner_text()
    assert page.locator("#documents").is_hidden() and page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "corpus-phone.png"), full_page=True)
    context.close()
