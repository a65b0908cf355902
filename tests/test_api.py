"""The REST API over real HTTP: a real server process on its own index, asked with httpx and the OpenAI client."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from helpers import SEED_ID, app_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(tmp_path_factory, embeddings):
    with app_server(tmp_path_factory.mktemp("api"), embeddings, ready="/api/health") as (url, corpus):
        with httpx.Client(base_url=url, timeout=60) as client:
            client.corpus = corpus
            yield client


def test_ask_returns_the_cited_answer_with_its_confidence(api):
    answer = api.post("/api/ask", json={"question": "who represents the Hutchins family?", "passages": True}).json()
    assert answer["short"] == "Gloria Allred" and answer["band"] in ("confident", "unsure")
    cited = answer["citations"][0]
    text = api.get(f"/api/documents/{cited['source']}").json()["text"]
    assert text[cited["start"]:cited["end"]] == cited["text"]  # offsets point into the whole article
    assert answer["passages"][0]["source"] and set(answer["timings"]) >= {"retrieve_ms", "answer_ms"}
    off = api.post("/api/ask", json={"question": "What is the capital of France?"}).json()
    assert off["abstained"] is True and off["band"] == "refused" and off["citations"] == []


def test_ask_streams_drafts_then_one_answer_as_server_sent_events(api):
    with api.stream("POST", "/api/ask", json={"question": "who represents the Hutchins family?", "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [(block.split("\n")[0], json.loads(block.split("\n")[1][len("data: "):]))
                  for block in r.read().decode().strip().split("\n\n")]
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "event: answer" and set(kinds[:-1]) == {"event: draft"} and len(kinds) >= 2
    assert "Gloria Allred" in events[-1][1]["answer"] and events[-1][1]["citations"]


def test_a_stream_left_mid_draft_does_not_keep_the_model_from_the_next_question(api):
    """A client that hangs up while the llama answerer drafts: its stream is closed and the next llama answer is
    not kept waiting for the one llama context (the chat's left drafts once held it: test_generation.py)."""
    body = {"question": "who represents the Hutchins family?", "stream": True, "answerer": "llama"}
    with api.stream("POST", "/api/ask", json=body) as r:
        first = next(r.iter_lines())
        assert first == "event: draft"  # the model is generating; the client leaves now
    body = {"question": "who represents the Hutchins family?", "answerer": "llama"}
    answer = api.post("/api/ask", json=body, timeout=90).json()
    assert answer["answerer"] == "llama" and "Allred" in answer["answer"]


@pytest.mark.parametrize("body, status, says", [
    ({"question": ""}, 400, "the question is empty"),
    ({"question": "who?" * 1000}, 400, "characters"),
    ({"question": "who is Allred?", "k": 0}, 422, "k: Input should be greater than or equal to 1"),
    ({"question": "who is Allred?", "k": "five"}, 422, "k: Input should be a valid integer"),
    ({"question": "who is Allred?", "since": "last week"}, 400, "since must be a date like 2024-01-31"),
    ({"question": "who is Allred?", "since": "2024-05-01", "until": "2024-01-01"}, 400, "after the end date"),
    ({"question": ["a", "list"]}, 422, "question: Input should be a valid string"),
    ({"question": "who is Allred?", "answerer": "gpt-9"}, 422, "answerer: Input should be"),
    ({"question": "who is Allred?", "speed": "fast"}, 422, "speed: Extra inputs are not permitted"),
    ({}, 422, "question: Field required"),
])
def test_bad_input_gets_a_json_error_naming_the_problem(api, body, status, says):
    r = api.post("/api/ask", json=body)
    assert (r.status_code, r.headers["content-type"]) == (status, "application/json")
    assert says in r.json()["error"] and "Traceback" not in r.text


def test_a_body_that_is_not_json_or_is_too_large_is_refused_in_json(api):
    r = api.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "the body is not valid JSON"
    r = api.post("/api/ask", json={"question": "x" * 2_000_000})
    assert r.status_code == 413 and "limit" in r.json()["error"]

    def chunked():  # no declared size: the route's own limit stops it while it is read
        for _ in range(40):
            yield b"x" * 100_000
    r = api.post("/api/ask", content=chunked(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert api.get("/api/nowhere").status_code == 404
    assert api.get("/api/health").json()["documents"] == 2  # nothing was lost or added


def test_documents_upload_read_remove_and_restore(api):
    listed = api.get("/api/documents").json()
    assert listed["total"] == 2 and {d["id"] for d in listed["documents"]} == {SEED_ID, "fairhaven.txt"}
    assert [d["id"] for d in api.get("/api/documents", params={"q": "marmalade"}).json()["documents"]] == ["fairhaven.txt"]

    story = b"Bridge opens in Dunmore\n\nThe mayor of Dunmore, Ilse Brandt, opened the new river bridge on Monday.\n"
    files = [("files", ("dunmore.txt", story, "text/plain")), ("files", ("photo.png", b"\x89PNG\r\n\x1a\n\0\0", "image/png"))]
    report = api.post("/api/documents", files=files).json()
    assert [(e["event"], e["id"]) for e in report["events"]] == [("added", "dunmore.txt"), ("failed", "photo.png")]
    assert (api.corpus / "dunmore.txt").read_bytes() == story and not (api.corpus / "photo.png").exists()
    assert api.post("/api/ask", json={"question": "Who opened the river bridge in Dunmore?"}).json()["short"] == "Ilse Brandt"

    removed = api.delete("/api/documents/dunmore.txt")
    assert removed.status_code == 200 and removed.json()["events"][0]["event"] == "removed"
    assert not (api.corpus / "dunmore.txt").exists() and api.get("/api/documents/dunmore.txt").status_code == 404
    assert api.delete("/api/documents/dunmore.txt").status_code == 404
    restored = api.post("/api/documents/dunmore.txt/restore").json()
    assert restored["events"][0][ "event"] == "added" and (api.corpus / "dunmore.txt").read_bytes() == story
    assert api.post("/api/documents/dunmore.txt/restore").status_code == 404  # once only
    api.delete("/api/documents/dunmore.txt")


def test_health_says_how_big_the_index_is_and_verifies_on_request(api):
    quick = api.get("/api/health").json()
    assert quick["status"] == "ok" and quick["documents"] == 2 and 0 < quick["threshold"] < 1 and "healthy" not in quick
    deep = api.get("/api/health", params={"verify": "true"}).json()
    assert deep["healthy"] is True and deep["details"]["vectors_match"] is True


def test_openapi_docs_list_every_route(api):
    assert api.get("/api/docs").status_code == 200
    paths = api.get("/api/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/documents", "/api/documents/{doc_id}", "/api/documents/{doc_id}/restore",
            "/api/health", "/v1/chat/completions", "/v1/models"} <= set(paths)


def test_an_openai_client_gets_the_answer_with_citations_in_the_text(api):
    from openai import NotFoundError, OpenAI

    client = OpenAI(base_url=str(api.base_url.join("/v1")), api_key="unused")
    assert "news-assistant" in [m.id for m in client.models.list()]
    question = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "who represents the Hutchins family?"}]
    reply = client.chat.completions.create(model="news-assistant", messages=question)
    content = reply.choices[0].message.content
    assert "Gloria Allred" in content and "[1] Alec Baldwin" in content
    assert reply.model_extra["citations"][0]["source"] == SEED_ID and reply.model_extra["band"] in ("confident", "unsure")
    assert {"outlet", "published"} <= set(reply.model_extra["citations"][0])  # as /api/ask gives them
    streamed = client.chat.completions.create(model="news-assistant", messages=question, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in streamed) == content
    with pytest.raises(NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=question)


def test_corpus_markup_comes_back_as_inert_text(api):
    """A document's <script>, javascript: links and Markdown stay characters in JSON and in Markdown replies."""
    question = "Who is the harbour master of Fairhaven?"
    answer = api.post("/api/ask", json={"question": question}).json()
    assert answer["short"] == "Petra Quillfeather"
    reply = api.post("/v1/chat/completions", json={"messages": [
        {"role": "user", "content": "What did critics say the money should go to?"}]}).json()
    content = reply["choices"][0]["message"]["content"]
    # a tag or link only as escaped characters (a story answer quotes the sentences that hold them)
    assert "](javascript:" not in content and not re.search(r"(?<!\\)<(?:script|img)", content)
    assert "\\[the new library\\]\\(javascript:" in content or "Not in the corpus" in content


def test_a_rating_is_kept_and_exports_as_an_eval_set(api):
    answer = api.post("/api/ask", json={"question": "who represents the Hutchins family?"}).json()
    rated = api.post("/api/feedback", json={"answer": answer, "rating": 1})
    assert rated.status_code == 201 and rated.json()["id"] >= 1
    wrong = api.post("/api/feedback", json={"answer": answer, "rating": -1, "right_answer": "Gloria Allred's firm",
                                           "wrong_source": False})
    assert wrong.status_code == 201
    for bad in ({"answer": answer, "rating": 0}, {"answer": {}, "rating": 1}, {"rating": 1},
                {"answer": answer, "rating": -1, "right_answer": "x" * 2001}):
        r = api.post("/api/feedback", json=bad)
        assert r.status_code == 422 and r.json()["error"]


def test_an_article_page_marks_the_cited_sentence_and_runs_nothing_from_the_document(api):
    answer = api.post("/api/ask", json={"question": "Who is the harbour master of Fairhaven?"}).json()
    cited = answer["citations"][0]
    page = api.get(f"/articles/{cited['source']}", params={"start": cited["start"], "end": cited["end"]})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>The Fairhaven Marmalade Vote</h1>" in page.text and '<mark id="cited">' in page.text
    assert "<script>" not in page.text.split("</style>", 1)[1] and "<img" not in page.text and "<a href=\"javascript" not in page.text
    assert "&lt;script&gt;window.__xss" in page.text
    assert api.get("/articles/nope.txt").status_code == 404
