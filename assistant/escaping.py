"""Escaping untrusted text (corpus documents, questions) in one place, one function per output context.

    text(value)      a chat message: Gradio renders Markdown, then HTML, so both see plain characters (entities)
    attr(value)      an HTML attribute value, quotes included
    page(value)      text in a plain HTML page (no Markdown pass): HTML escaped, line breaks kept
    markdown(value)  a Markdown report read as a file: Markdown syntax backslash-escaped, then HTML escaped
    markdown_text(value)  a reply a chat client renders as Markdown (the OpenAI-compatible API): every active
                     character backslash-escaped, line breaks kept, [n] citation markers left as they are

A document holding `<script>`, `javascript:` links or Markdown must always come out as the characters it holds.
"""

from __future__ import annotations

import html
import re

# Characters Markdown would act on; the chat renders Markdown before HTML, so they become entities.
_CHAT_ACTIVE = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]()#|~!<>&\"'$"})
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#|~!])")
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]()#|~!<>&])")
_ESCAPED_MARKER = re.compile(r"\\\[(\d+)\\\]")


def text(value: str) -> str:
    """Escape untrusted text for a chat message: HTML and Markdown both see plain characters."""
    return " ".join(str(value).split()).translate(_CHAT_ACTIVE)


def attr(value: str) -> str:
    """Escape untrusted text for an attribute value (quotes included)."""
    return html.escape(str(value), quote=True).replace("\n", "&#10;")


def page(value: str) -> str:
    """Escape untrusted text for a plain HTML page, where only HTML is parsed."""
    return html.escape(str(value), quote=True)


def markdown(value: str) -> str:
    """Neutralise Markdown (links, emphasis, code) first, then HTML, so quoted corpus or user text stays text."""
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split())), quote=True)


def markdown_text(value: str) -> str:
    """Escape text for a client that renders Markdown and HTML (CommonMark's backslash escapes show each
    character as itself, and read fine as plain text too); each line break stays one, `[n]` markers stay."""
    lines = (_MARKDOWN_ACTIVE.sub(r"\\\1", line) for line in str(value).splitlines())
    return _ESCAPED_MARKER.sub(r"[\1]", "  \n".join(lines))
