"""Shared fixtures: one real embedder per test session, one real index built from corpus/, the app and a browser.

Helpers that tests import are in `helpers.py`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import CHROMIUM, ROOT, SEED_ID, SHOTS, app_server

from assistant import Assistant, Settings

# Two tiers: `pytest -m "not slow"` (under a minute) runs the code in process against the real store, Chroma,
# embedder and reader; `slow` is what starts a process, a server or a browser, loads the LLM or trains. A test
# is slow by its fixtures or its module (below), or by an explicit `@pytest.mark.slow`. `make test` runs both.
SLOW_FIXTURES = {"app", "app_url", "browser", "page", "llama_server", "site", "store", "reference"}
SLOW_MODULES = {"test_browser", "test_browser_chat", "test_browser_tabs", "test_concurrency", "test_crash", "test_faults", "test_load",
                "test_server_mode", "test_web"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.module.__name__ in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def embeddings():
    """The packaged MiniLM, loaded once (about 5 s) and shared by every test that embeds."""
    from assistant.embeddings import load_embeddings

    settings = Settings()
    return load_embeddings(settings.model_path(), settings.threads)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(ROOT / "corpus" / SEED_ID, folder / SEED_ID)
    return folder


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, corpus_dir, embeddings) -> Settings:
    """Settings for an index built once from the seed article."""
    settings = Settings(index_dir=tmp_path_factory.mktemp("index"))
    report = Assistant(settings, embeddings=embeddings).ingest([corpus_dir])
    assert [doc for doc, _ in report.added] == [SEED_ID]
    return settings


@pytest.fixture()
def seed_assistant(seed_settings, embeddings) -> Assistant:
    return Assistant(seed_settings, embeddings=embeddings)


@pytest.fixture(scope="session")
def app(tmp_path_factory, embeddings):
    """The app over its own index and corpus folder, so uploads and removals here touch nothing else; one per
    worker for all the browser modules (each test leaves the corpus as it found it)."""
    root = tmp_path_factory.mktemp("browser")
    about = ("Test articles, CC BY 2.5 (https://creativecommons.org/licenses/by/2.5/). "
             "<img src=x onerror=\"window.__xss='about'\">")
    with app_server(root, embeddings, files={".about.md": about}) as (url, corpus):
        yield {"url": f"{url}/", "corpus": corpus, "root": root}


@pytest.fixture(scope="session")
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
    page.wait_for_selector("#cite-popover", state="attached")  # the page's script has run: its listeners are on
    page.dialogs = dialogs
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


BRIDGE = [("old.md", "2023-02-01", "Riverton's mayor Ada Park opened the Riverton bridge over the Wend river on "
           "Monday. The bridge cost 40 million pounds and took three years to build. Traffic was light."),
          ("mid.md", "2023-11-05", "Engineers found cracks in two piers of the Riverton bridge, and the council "
           "limited it to one lane. Mayor Ada Park said the builder would pay for the repairs."),
          ("new.md", "2024-06-10", "The Riverton bridge reopened to all traffic on Friday after the repairs to its "
           "piers were finished. Mayor Ada Park thanked the engineers."),
          ("other.md", "2025-01-20", "The Elmford ferry across the Wend stopped running after a storm damaged "
           "its pier. Elmford's harbour master said it would return in spring.")]


@pytest.fixture(scope="session")
def bridge(tmp_path_factory, embeddings) -> Assistant:
    """Four dated articles: three on the Riverton bridge (opened, cracks found, reopened), one on a ferry."""
    root = tmp_path_factory.mktemp("bridge")
    (root / "corpus").mkdir()
    for name, date, text in BRIDGE:
        (root / "corpus" / name).write_text(f"---\ntitle: Bridge news {date}\ndate: {date}\n---\n{text}\n")
    assistant = Assistant(Settings(index_dir=root / "index"), embeddings=embeddings)
    assistant.sync(root / "corpus")
    return assistant
