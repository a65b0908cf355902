"""The real Gradio app on a free loopback port, asked through gradio_client."""

import os
import sys
from pathlib import Path

import pytest

from conftest import free_port, serving

ROOT = Path(__file__).resolve().parent.parent


def _text(content) -> str:
    """Chat message content as text (gradio may return a list of typed parts)."""
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


@pytest.fixture(scope="module")
def app_url(seed_settings, tmp_path_factory):
    port = free_port()
    command = [sys.executable, str(ROOT / "app.py"), "--index", str(seed_settings.index_dir), "--port", str(port)]
    url = f"http://127.0.0.1:{port}/"
    with serving(command, url, tmp_path_factory.mktemp("app") / "app.log", cwd=ROOT,
                 env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}):
        yield url


def test_app_binds_to_loopback_and_answers_through_the_api(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict("who represents the Hutchins family?", 5, api_name="/ask")
    assert "Gloria Allred" in result["answer"]
    assert result["citations"][0]["source"] == "000_cee5a0d51e26243d.txt"
    assert "Allred" in result["citations"][0]["text"]
    off = client.predict("What is the capital of France?", 5, api_name="/ask")
    assert off["abstained"] is True


def test_chat_endpoint_streams_the_answer_with_sources(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    job = client.submit("who represents the Hutchins family?", [], api_name="/chat")
    outputs = list(job)
    _, history = job.result()
    assert len(outputs) >= 2  # placeholder first, then growing text
    reply = _text(history[-1]["content"])
    assert "Gloria Allred" in reply and "[1]" in reply and "Sources" in reply


def test_evaluate_tab_runs_a_question_set(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    table, plot, failing = client.predict("seed.jsonl", api_name="/evaluate")
    rows = {row[0]: row[1] for row in table["data"]}
    assert rows["hit@1"] == "1.000" and rows["cases"].startswith("44 ")
    assert Path(plot).read_bytes()[:4] == b"\x89PNG"
    assert "Failing cases" in failing


def test_chat_resolves_a_follow_up_and_shows_the_rewritten_query(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    _, history = client.predict("who represents the Hutchins family?", [], api_name="/chat")
    _, history = client.predict("and who is her sister?", history, api_name="/chat")
    reply = _text(history[-1]["content"])
    assert "Svetlana Zemko" in reply
    assert "Searched for: Who is her sister? \\(Hutchins\\)" in reply  # Markdown-escaped parentheses
