"""`/v1/chat/completions` and `/v1/models` in OpenAI's shape, so existing chat clients can ask the corpus.

The last user message is the question and the earlier user messages are its conversation; the reply is
the answer as plain text with its [n] sources listed under it, and the citations also come as a `citations`
field beside `choices` (as other search-backed APIs do). `model` picks the answerer (`news-assistant` is
the reader). System messages are ignored: the assistant's answers are quotes, not instructions followed.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Iterator

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from ..citations import Answer
from ..core import Assistant
from ..escaping import markdown_text
from ..options import AskOptions
from ..rendering import plain_text
from .routes import JSON_LIMIT
from .schemas import ChatBody

MODEL = "news-assistant"
ANSWERERS = {MODEL: "reader", f"{MODEL}-reader": "reader", f"{MODEL}-llama": "llama", f"{MODEL}-openai": "openai"}


def openai_router(assistant: Assistant, concurrency: threading.BoundedSemaphore) -> APIRouter:
    router = APIRouter(prefix="/v1", max_body_size=JSON_LIMIT)

    @router.get("/models", summary="The models a chat client may name (one per answerer)")
    def models() -> dict:
        return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "news-assistant"}
                                           for name in ANSWERERS]}

    @router.post("/chat/completions", summary="OpenAI-compatible chat: the answer with its citations in the text")
    def completions(body: ChatBody):
        if body.model not in ANSWERERS:
            raise HTTPException(404, f"unknown model {body.model!r}; choose one of {', '.join(ANSWERERS)}")
        asked = [m.text() for m in body.messages if m.role == "user"]
        if not asked:
            raise HTTPException(400, "the conversation has no user message to answer")
        question, history, options = asked[-1], asked[:-1][-50:], AskOptions(answerer=ANSWERERS[body.model])
        reply = Reply(body.model)
        if body.stream:
            def chunks() -> Iterator[str]:
                with concurrency:
                    answer = assistant.ask(question, options, history)
                yield from reply.chunks(answer)
            return StreamingResponse(chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        with concurrency:
            return reply.completion(assistant.ask(question, options, history))

    return router


class Reply:
    """One answer in OpenAI's completion shapes."""

    def __init__(self, model: str) -> None:
        self.id, self.model, self.created = f"chatcmpl-{uuid.uuid4().hex}", model, int(time.time())

    def completion(self, answer: Answer) -> dict:
        content = reply_text(answer)
        return self.head("chat.completion") | {
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": len(answer.question.split()), "completion_tokens": len(content.split()),
                      "total_tokens": len(answer.question.split()) + len(content.split())},
        } | extras(answer)

    def chunks(self, answer: Answer) -> Iterator[str]:
        """The stream a client expects: the role, the content, the finish, then `[DONE]`."""
        for delta, finish, more in (({"role": "assistant"}, None, {}), ({"content": reply_text(answer)}, None, {}),
                                    ({}, "stop", extras(answer))):
            chunk = self.head("chat.completion.chunk") | {
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]} | more
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"

    def head(self, kind: str) -> dict:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}


def reply_text(answer: Answer) -> str:
    """The answer, its quote and its sources as the chat's copy button gives them, safe to render as Markdown."""
    return markdown_text(plain_text(answer))


def extras(answer: Answer) -> dict:
    """What OpenAI's shape has no field for: the citations, the confidence and its band."""
    return {"citations": [answer.citation_json(c) for c in answer.citations], "confidence": answer.confidence,
            "band": answer.shown_band}
