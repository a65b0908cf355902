"""The real Gradio app on a free loopback port, asked through gradio_client."""

import os
import re
import sys
from pathlib import Path

import pytest
from helpers import free_port, serving

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
    assert 0.0 < result["confidence"] <= 1.0 and result["band"] in ("confident", "unsure")
    off = client.predict("What is the capital of France?", 5, api_name="/ask")
    assert off["abstained"] is True and off["band"] == "refused"


def test_chat_endpoint_streams_the_answer_with_clickable_citations(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    job = client.submit("who represents the Hutchins family?", [], api_name="/chat")
    outputs = list(job)
    _, history, sources = job.result()
    assert len(outputs) >= 2  # placeholder first, then growing text
    reply = _text(history[-1]["content"])
    assert "Gloria Allred" in reply
    assert re.search(r'<div class="direct( unsure)?">Gloria Allred</div>', reply)  # the direct answer first
    assert 'class="cite"' in reply and 'class="cite-pop"' in reply and "<mark>Gloria Allred</mark>" in reply
    assert "<details" not in reply  # the passage is shown once, in the sources panel
    assert "<mark>" in sources and "cited [1]" in sources and "quoted" in sources  # words, not scores


def test_a_typed_date_that_is_not_a_date_is_named_in_words(app_url):
    from gradio_client import Client

    _, history, _ = Client(app_url, verbose=False).predict(
        "who represents the Hutchins family?", [], "reader", 5, "last tuesday", "", [], api_name="/chat")
    said = _text(history[-1]["content"])
    assert "“last tuesday” in “Published from” is not a date: pick one from the calendar" in said and "--since" not in said


def test_documents_endpoint_lists_the_corpus(app_url):
    from gradio_client import Client

    docs = Client(app_url, verbose=False).predict(api_name="/documents")
    assert [d["id"] for d in docs] == ["000_cee5a0d51e26243d.txt"]
    assert docs[0]["chunks"] > 0 and docs[0]["title"].startswith("Alec Baldwin")


def test_overlong_and_empty_questions_get_a_clear_message(app_url):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(app_url, verbose=False)
    with pytest.raises(AppError, match="the limit is 2000"):
        client.predict("why? " * 1000, 5, api_name="/ask")
    box, history, _ = client.predict("   ", [], api_name="/chat")
    assert history == [] and box == ""  # an empty Ask adds no bubble
    with pytest.raises(AppError, match="the question is empty"):
        client.predict("   ", 5, api_name="/ask")


def test_evaluate_tab_runs_a_question_set(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    table, plot, failing, progress = client.predict("seed.jsonl", api_name="/evaluate")
    rows = {row[0]: row[1] for row in table["data"]}
    assert rows["hit@1"] == "1.000" and rows["cases"].startswith("44 ")
    assert all(row[2] for row in table["data"])  # every metric says what it means
    assert '<progress max="44" value="44">' in progress and "44 of 44 questions" in progress
    assert Path(plot).read_bytes()[:4] == b"\x89PNG"
    assert "Failing cases" in failing


def test_a_set_whose_documents_are_not_indexed_says_so_on_the_page(app_url):
    from gradio_client import Client

    table, plot, failing, progress = Client(app_url, verbose=False).predict("normans.jsonl", api_name="/evaluate")
    assert table["data"] in ([], [[None, None]], [["", ""]]) or not any(any(r) for r in table["data"])
    assert plot is None
    assert "Cannot run normans.jsonl" in failing and "not in the index" in failing and "ingest them first" in failing
    assert progress == ""


def test_chat_resolves_a_follow_up_and_shows_the_rewritten_query(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    _, history, _ = client.predict("who represents the Hutchins family?", [], api_name="/chat")
    _, history, _ = client.predict("and who is her sister?", history, api_name="/chat")
    reply = _text(history[-1]["content"])
    assert "Svetlana Zemko" in reply
    assert "Searched for: “Who is her sister? &#40;Hutchins&#41;”" in reply  # entity-escaped parentheses


@pytest.mark.slow
def test_login_is_required_when_auth_is_set(seed_settings, tmp_path):
    """ASSISTANT_AUTH=user:password puts the app and its API behind a login."""
    from gradio_client import Client

    port = free_port()
    command = [sys.executable, str(ROOT / "app.py"), "--index", str(seed_settings.index_dir), "--port", str(port)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "ASSISTANT_AUTH": "reader:s3cret words"}
    with serving(command, f"http://127.0.0.1:{port}/", tmp_path / "app.log", cwd=ROOT, env=env):
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error types differ between its versions
            Client(f"http://127.0.0.1:{port}/", verbose=False).predict("who represents the Hutchins family?", 5, api_name="/ask")
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error types differ between its versions
            Client(f"http://127.0.0.1:{port}/", auth=("reader", "wrong"), verbose=False)
        client = Client(f"http://127.0.0.1:{port}/", auth=("reader", "s3cret words"), verbose=False)
        assert "Gloria Allred" in client.predict("who represents the Hutchins family?", 5, api_name="/ask")["answer"]
        # the REST API: the same login, as HTTP basic auth or as an OpenAI client's key
        import httpx
        from openai import AuthenticationError, OpenAI

        url, body = f"http://127.0.0.1:{port}", {"question": "who represents the Hutchins family?"}
        for auth in (None, ("reader", "wrong"), ("someone", "s3cret words")):
            refused = httpx.post(f"{url}/api/ask", json=body, auth=auth)
            assert refused.status_code == 401 and "sign in" in refused.json()["error"]
        assert httpx.get(f"{url}/api/documents", headers={"authorization": "Basic !!!"}).status_code == 401
        assert "Gloria Allred" in httpx.post(f"{url}/api/ask", json=body, auth=("reader", "s3cret words")).json()["answer"]
        with pytest.raises(AuthenticationError):
            OpenAI(base_url=f"{url}/v1", api_key="reader:wrong").models.list()
        reply = OpenAI(base_url=f"{url}/v1", api_key="reader:s3cret words").chat.completions.create(
            model="news-assistant", messages=[{"role": "user", "content": body["question"]}])
        assert "Gloria Allred" in reply.choices[0].message.content


def test_logins_come_from_the_setting_and_a_file(tmp_path):
    from assistant import Settings
    from assistant.errors import AssistantError

    users = tmp_path / "users.txt"
    users.write_text("# editors\nada:pass:with:colons\n\nben: spaced out \n", encoding="utf-8")
    settings = Settings(auth="reader:s3cret", auth_file=users)
    assert settings.logins() == [("reader", "s3cret"), ("ada", "pass:with:colons"), ("ben", " spaced out")]
    assert Settings().logins() == []
    with pytest.raises(AssistantError, match="user:password"):
        Settings(auth="nobody").logins()
