"""`/api/...`: ask (JSON or server-sent events), the documents (list, read, upload, remove to the trash,
restore) and health. Each route translates HTTP to one `Assistant` call; the rules live in the package."""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Iterator

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from ..citations import Answer
from ..core import Assistant
from ..errors import AssistantError
from ..options import AskOptions, check_question
from ..suggestions import newest
from .schemas import AskBody, FeedbackBody

MAX_UPLOAD_FILES = 20  # one request; the body limit is this many files at the largest size allowed
log = logging.getLogger(__name__)
JSON_LIMIT = 1_000_000  # bytes of a JSON request body (a question is at most a few thousand characters)


def sse(event: str, data) -> str:
    """One server-sent event; `data` as JSON on one line."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def report_dict(report) -> dict:
    """An `IngestReport` (or `Removal`) as JSON: the summary line and one event per document."""
    return {"summary": report.summary(), "undo": getattr(report, "undo", None),
            "events": [{"event": what, "id": doc_id, "note": note} for what, doc_id, note in report.events()]}


def api_router(assistant: Assistant, concurrency: threading.BoundedSemaphore) -> APIRouter:
    """The routes over one `Assistant`; `concurrency` caps questions answered at once (shared with the chat's)."""
    router = APIRouter(prefix="/api", max_body_size=JSON_LIMIT)
    settings = assistant.settings
    upload_limit = int(MAX_UPLOAD_FILES * settings.max_file_mb * 1_000_000) + JSON_LIMIT

    def options(body: AskBody) -> AskOptions:
        check_question(body.question, settings.max_question_chars)  # refused before any event is sent
        return AskOptions(k=body.k, since=body.since or None, until=body.until or None,
                          outlets=tuple(body.outlets), answerer=body.answerer)

    @router.post("/ask", summary="Answer a question, with citations",
                 responses={200: {"description": "The answer (JSON), or with `stream` a `text/event-stream` of "
                                                 "`draft` events (`{text, checking}`) and one `answer` event."}})
    def ask(body: AskBody):
        """The same answer as `assistant ask --json`: `answer` with [n] markers, `short`, `confidence` (0–1),
        `band` (confident / unsure / refused), `citations` with character offsets, `retrieved` and `timings`."""
        chosen = options(body)
        if body.stream:
            return StreamingResponse(events(body, chosen), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        with concurrency:
            return assistant.ask(body.question, chosen, body.history).to_dict(passages=body.passages)

    def events(body: AskBody, chosen: AskOptions) -> Iterator[str]:
        with concurrency:
            try:
                for item in assistant.stream(body.question, chosen, body.history):
                    if isinstance(item, Answer):
                        yield sse("answer", item.to_dict(passages=body.passages))
                    else:
                        yield sse("draft", {"text": str(item), "checking": item.checking})
            except AssistantError as exc:
                yield sse("error", {"error": str(exc), "status": 400})
            except Exception:  # noqa: BLE001 - the client gets an event, never a traceback; the log has it
                log.exception("streaming answer failed")
                yield sse("error", {"error": "the answer failed on the server; see its log", "status": 500})

    @router.get("/documents", summary="List the indexed documents")
    def documents(q: Annotated[str, Query(max_length=200, description="Only titles or ids containing this")] = "",
                  limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
                  offset: Annotated[int, Query(ge=0)] = 0) -> dict:
        """Newest first (dated by date, then undated by when indexed): id, title, outlet, published date, url,
        chunks, when indexed, near-duplicates."""
        found = assistant.documents()
        needle = q.casefold().strip()
        if needle:
            found = [d for d in found if needle in d.title.casefold() or needle in d.id.casefold()]
        found = newest(found)
        return {"total": len(found), "documents": [d.to_dict() for d in found[offset:offset + limit]]}

    @router.get("/documents/{doc_id:path}", summary="One document, with its whole text")
    def document(doc_id: str) -> dict:
        """Its metadata and `text`, the text that citations' `start`/`end` offsets point into."""
        found = assistant.corpus.document(doc_id)
        if found is None:
            raise HTTPException(404, f"{doc_id}: no such document in the index")
        record, text = found
        return record.to_dict() | {"text": text}

    @router.post("/documents", summary="Upload files to the corpus and index them", max_body_size=upload_limit)
    def upload(files: Annotated[list[UploadFile], File(description="Text, Markdown, HTML, PDF, DOCX or JSON")]) -> dict:
        """Each file is checked (type, size, readable) and indexed; a bad one is reported and changes nothing."""
        if len(files) > MAX_UPLOAD_FILES:
            raise HTTPException(413, f"at most {MAX_UPLOAD_FILES} files per upload, not {len(files)}")
        limit = int(settings.max_file_mb * 1_000_000)
        failed = []
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for upload in files:
                name = Path(upload.filename or "").name
                data = upload.file.read(limit + 1)
                if not name:
                    failed.append(("(no name)", "a file needs a name: its name becomes the document id"))
                elif len(data) > limit:
                    failed.append((name, f"{name}: larger than the {settings.max_file_mb:g} MB limit"))
                else:
                    (path := Path(tmp) / name).write_bytes(data)
                    paths.append(path)
            report = assistant.upload(paths) if paths else None
        result = report_dict(report) if report else {"summary": "nothing added", "undo": None, "events": []}
        result["events"] += [{"event": "failed", "id": d, "note": why} for d, why in failed]
        return result

    @router.delete("/documents/{doc_id:path}", summary="Remove a document (its file goes to the trash)")
    def remove(doc_id: str) -> dict:
        """Out of the index, and its file out of the corpus folder into the trash; `restore` brings it back."""
        report = assistant.remove([doc_id], delete_files=True)
        if doc_id not in report.removed:
            raise HTTPException(404, f"{doc_id}: no such document in the index")
        return report_dict(report)

    @router.post("/documents/{doc_id:path}/restore", summary="Bring back a removed document")
    def restore(doc_id: str) -> dict:
        """The newest removal of `doc_id` still in the trash is undone for this document."""
        undo = assistant.corpus.trashed(doc_id)
        if undo is None:
            raise HTTPException(404, f"{doc_id}: not in the trash (never removed, restored already, or too old)")
        return report_dict(assistant.corpus.restore(undo, only=[doc_id]))

    @router.post("/feedback", summary="Rate an answer (it becomes evaluation data)", status_code=201)
    def feedback(body: FeedbackBody, request: Request) -> dict:
        """Kept with the question, the answer, its citations and the index generation; `assistant feedback
        export` turns the ratings into an eval set."""
        user = getattr(request.state, "user", None) or ""  # the login it came with (see `api.login_check`)
        answer = body.answer.model_dump()
        return {"id": assistant.rate(answer, body.rating, body.right_answer, body.wrong_source, user)}

    @router.get("/health", summary="Is the service up, and how big is its index?")
    def health(verify: Annotated[bool, Query(description="Also check that every part of the index agrees "
                                                           "(reads every vector: slow on a large index)")] = False
               ) -> dict:
        status = assistant.status(verify)
        return {"status": "ok" if status.healthy is not False else "degraded"} | status.to_dict()

    return router
