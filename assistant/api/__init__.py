"""The REST API beside the chat, on the same server: `/api/...` (ask, documents, feedback, health), an
OpenAI-compatible `/v1/chat/completions`, and `/articles/{id}` (an article as a page, for the chat's links).
OpenAPI docs at `/api/docs`.

Same logins as the chat: HTTP basic auth with a `user:password` of the app's, or that pair as an OpenAI
client's API key (`Authorization: Bearer user:password`). Every error is JSON, `{"error": message}` with
its status code, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import threading

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..core import Assistant
from ..errors import AssistantError
from .openai import openai_router
from .pages import pages_router
from .routes import JSON_LIMIT, MAX_UPLOAD_FILES, api_router

log = logging.getLogger(__name__)


def create_api(assistant: Assistant, concurrency: threading.BoundedSemaphore) -> FastAPI:
    """The FastAPI app holding the API routes; the Gradio chat is mounted on it at `/` (see `server`)."""
    logins = assistant.settings.logins()
    app = FastAPI(title="News assistant API", version="0.1.0", docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json", description=__doc__)
    signed_in = [Depends(login_check(logins))]
    app.include_router(api_router(assistant, concurrency), dependencies=signed_in, tags=["assistant"])
    app.include_router(openai_router(assistant, concurrency), dependencies=signed_in, tags=["OpenAI-compatible"],
                       default_response_class=JSONResponse)
    app.include_router(pages_router(assistant), dependencies=signed_in, tags=["pages"])
    add_error_handlers(app)
    upload_limit = int(MAX_UPLOAD_FILES * assistant.settings.max_file_mb * 1_000_000) + JSON_LIMIT
    app.add_middleware(DeclaredSizeLimit, limit=lambda method, path: (
        upload_limit if (method, path) == ("POST", "/api/documents")
        else JSON_LIMIT if path.startswith(("/api/", "/v1/")) else None))
    return app


class DeclaredSizeLimit:
    """Refuse a request whose declared size is over its route's limit with a JSON 413, before reading the
    body. (The routes' own limits still stop a body that grows past them without declaring its size.)"""

    def __init__(self, app, limit) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and (limit := self.limit(scope["method"], scope["path"])) is not None:
            declared = dict(scope["headers"]).get(b"content-length", b"0")
            if not declared.isdigit() or int(declared) > limit:
                response = JSONResponse({"error": f"the request body is over the {limit:,}-byte limit of this route"},
                                        status_code=413)
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


def login_check(logins: list[tuple[str, str]]):
    """A dependency that lets a request through when it carries one of `logins` (always, when there are none)."""
    def check(request: Request) -> str | None:
        if not logins:
            return None
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                value = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                value = ""
        user, _, password = value.partition(":") if scheme.lower() in ("basic", "bearer") else ("", "", "")
        for known, secret in logins:  # compare every login, in constant time, so timing tells nothing
            if secrets.compare_digest(user.encode(), known.encode()) & secrets.compare_digest(password.encode(),
                                                                                              secret.encode()):
                request.state.user = user
                return user
        raise HTTPException(401, "sign in with a login of the app: HTTP basic auth, or `Bearer user:password`",
                            headers={"WWW-Authenticate": 'Basic realm="news assistant"'})
    return check


def add_error_handlers(app: FastAPI) -> None:
    """Errors as `{"error": message}` with a status code: the user's (400), HTTP's own, validation (422)."""
    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = ["the body is not valid JSON" if e["type"] == "json_invalid" else
                    f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": "; ".join(problems), "problems": problems}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s %s failed", request.method, request.url.path)
        return JSONResponse({"error": "the request failed on the server; its log says why"}, status_code=500)
