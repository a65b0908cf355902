"""The real app in a real browser: Debian's Chromium driven by Playwright, on a free loopback port.

Screenshots of each step go to test-artifacts/screenshots/ (git-ignored) for a human to look at.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEED_ID, free_port, serving

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
XSS_DOC = """The Fairhaven Marmalade Vote

The town council of Fairhaven voted on the marmalade levy on Tuesday. <script>window.__xss = "script"</script>
The harbour master of Fairhaven, Petra Quillfeather, said the levy would pay for a lighthouse <img src=x onerror="window.__xss='img'">.
Critics said the money should go to [the new library](javascript:window.__xss='md-link') instead of the lighthouse.
Supporters answered at <a href="javascript:window.__xss='anchor'" onclick="window.__xss='onclick'">the town hall meeting</a> on Wednesday.
"""
UPLOAD_DOC = """The Grand Otter Regatta

The Grand Otter Regatta on Lake Wendermoor was won by the rowing club from Little Pemberton on Saturday.
The winning crew was coached by Ottoline Brackenridge, who has trained rowers on the lake for thirty years.
"""

# Skipped only outside CI; in CI a missing browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian chromium is not installed (make browser installs it)")


@pytest.fixture(scope="module")
def app(tmp_path_factory, embeddings):
    """The app over its own index and corpus folder, so uploads and removals here touch nothing else."""
    from assistant import Assistant, Settings

    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / SEED_ID, corpus / SEED_ID)
    (corpus / "fairhaven.txt").write_text(XSS_DOC, encoding="utf-8")
    Assistant(Settings(index_dir=root / "index", corpus_dir=corpus), embeddings=embeddings).sync(corpus)
    port = free_port()
    command = [sys.executable, str(ROOT / "app.py"), "--index", str(root / "index"), "--port", str(port)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "ASSISTANT_CORPUS_DIR": str(corpus)}
    with serving(command, f"http://127.0.0.1:{port}/", root / "app.log", cwd=ROOT, env=env):
        yield {"url": f"http://127.0.0.1:{port}/", "corpus": corpus, "root": root}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, app, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app["url"])
    page.wait_for_selector("#question textarea")
    page.dialogs = dialogs
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def ask(page, question: str, count: int = 1):
    """Type a question, press Enter, and wait until the `count`-th answer is final (not the streaming one)."""
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    final = "#chat .answer:not(.streaming), #chat .abstain, #chat .error"
    page.wait_for_function(f"document.querySelectorAll({final!r}).length >= {count}", timeout=60_000)
    return page.locator(final).nth(count - 1)


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
    page.locator("#remove").click()
    page.wait_for_function("document.querySelector('#corpus-report').innerText.includes('1 removed')", timeout=60_000)
    assert "regatta.md" not in page.locator("#documents").inner_text()
    assert not (app["corpus"] / "regatta.md").exists()
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
