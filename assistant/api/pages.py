"""`/articles/{id}`: one article as a readable page, the passage a citation quotes marked and scrolled to.
The Sources panel's "whole article" links here. Everything from the document is escaped."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from ..core import Assistant
from ..escaping import attr, page
from ..rendering import byline, safe_url

STYLE = """body{font:17px/1.6 system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em;color:#1f2937}
h1{font-size:1.5em;line-height:1.25}.meta{color:#6b7280;font-size:.9em}mark{background:#fde68a;padding:0 .1em}
p{margin:0 0 .9em}"""


def pages_router(assistant: Assistant) -> APIRouter:
    router = APIRouter()

    @router.get("/articles/{doc_id:path}", response_class=HTMLResponse, summary="An article as a page")
    def article(doc_id: str, start: Annotated[int | None, Query(ge=0)] = None,
                end: Annotated[int | None, Query(ge=0)] = None) -> str:
        found = assistant.corpus.document(doc_id)
        if found is None:
            raise HTTPException(404, f"{doc_id}: no such document in the index")
        record, body = found
        paragraphs, at = [], 0
        for para in body.split("\n\n"):  # each paragraph escaped; the cited range marked where it falls
            lo, hi = (start - at, end - at) if start is not None and end is not None and start < end else (-1, -1)
            lo, hi = max(lo, 0), min(hi, len(para))
            if lo < hi:
                para_html = f'{page(para[:lo])}<mark id="cited">{page(para[lo:hi])}</mark>{page(para[hi:])}'
            else:
                para_html = page(para)
            if para.strip():
                paragraphs.append(f"<p>{para_html}</p>")
            at += len(para) + 2
        paragraphs = "".join(paragraphs)
        url = safe_url(record.url)
        original = f' · <a href="{attr(url)}" rel="noopener noreferrer">original</a>' if url else ""
        line = byline(record)
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
                f'content="width=device-width,initial-scale=1"><title>{page(record.title or doc_id)}</title>'
                f'<style>{STYLE}</style></head><body><h1>{page(record.title or doc_id)}</h1>'
                f'<p class="meta">{line + " · " if line else ""}{page(doc_id)}{original}</p>{paragraphs}</body></html>')

    return router
