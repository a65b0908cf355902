"""Fetch an article URL for ingest: HTML only, bounded in size and time, errors in one line."""

from __future__ import annotations

import httpx

from .errors import AssistantError

HTML_TYPES = ("text/html", "application/xhtml+xml")


def fetch_html(url: str, max_bytes: int, timeout: float) -> tuple[str, str]:
    """`(html, final url)` of a page; refuses non-HTML, HTTP errors, and pages over `max_bytes`."""
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True,
                          headers={"User-Agent": "news-assistant/0.1 (+ingest)"}) as response:
            if response.status_code != 200:
                raise AssistantError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind not in HTML_TYPES:
                raise AssistantError(f"{url}: not an HTML page (content type {kind or 'missing'})")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise AssistantError(f"{url}: page is larger than {max_bytes / 1e6:.0f} MB")
            return body.decode(response.encoding or "utf-8", errors="replace"), str(response.url)
    except httpx.HTTPError as exc:
        raise AssistantError(f"{url}: could not fetch ({type(exc).__name__}: {exc})") from None
