"""The Corpus tab: upload documents, list what is indexed, remove documents (after a confirmation, with undo)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..core import Assistant
from ..documents import SUFFIXES
from ..errors import AssistantError
from ..escaping import text
from ..rendering import human_date
from .overview import about_html

# (header, width): people's words, wide enough at 1400 px that nothing is cut and no header wraps mid-word
COLUMNS = [("Title", "34%"), ("Outlet", "14%"), ("Published", "11%"), ("Passages", "8%"), ("Added", "14%"), ("File", "19%")]


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def added_at(value: str | None) -> str:
    """'2026-12-02T10:33:05+00:00' → '2 Dec 2026, 10:33' in the server's time zone."""
    try:
        when = dt.datetime.fromisoformat(value or "").astimezone()
    except ValueError:
        return value or ""
    return f"{when.day} {when:%b %Y, %H:%M}"


def report_lines(report) -> str:
    """The outcome of an upload or removal; failures in a red box that stays on the page."""
    lines = [f"**{report.summary()}**"]
    lines += [f"- {what} {text(d)} {text(note)}".rstrip() for what, d, note in report.events() if what != "failed"]
    if report.failed:
        items = "".join(f"<li>{text(why)}</li>" for _, why in report.failed)
        lines += ["", f'<div class="upload-failed" role="alert"><b>{plural(len(report.failed), "file")} '
                      f'not added or removed:</b><ul>{items}</ul></div>']
    return "\n".join(lines)


def phone_list(docs: list[dict]) -> str:
    """The documents as a list a phone can read (the six-column table cannot be, at 390 px); CSS shows one or
    the other."""
    items = "".join(f"<li><b>{text(d['title'] or d['id'])}</b><br><small>"
                    + " · ".join(text(x) for x in (d["outlet"], human_date(d["published"]), d["id"]) if x)
                    + "</small></li>" for d in docs)
    return f'<ul class="documents-phone">{items}</ul>'


def corpus_tab(gr, assistant: Assistant, outlets) -> list:
    """Build the tab inside the current Blocks; `outlets` is the chat's outlet filter, kept in step.

    Returns the upload, remove and undo events (other parts of the app chain on them), the view refresh and its outputs.
    """
    settings = assistant.settings

    def corpus_view():
        docs = [d.to_dict() for d in assistant.corpus.documents()]
        rows = [[d["title"] or "", d["outlet"] or "", human_date(d["published"]), d["chunks"], added_at(d["indexed_at"]), d["id"]]
                for d in docs]
        named = {d["outlet"] for d in docs if d["outlet"]}
        summary = plural(len(docs), "article") + (f" from {plural(len(named), 'outlet')}" if named else "")
        summary += f", {plural(sum(d['chunks'] for d in docs), 'passage')}."
        about = assistant.corpus.about()
        summary += f"\n\n{about_html(about)}" if about else ""
        summary += "\n\n" + phone_list(docs)
        # searchable by title: the picker matches what is typed against these labels
        choices = [(" · ".join(x for x in (d["title"] or d["id"], d["outlet"], human_date(d["published"])) if x)
                    + f" ({d['id']})", d["id"]) for d in docs]
        return rows, summary, gr.update(choices=choices, value=[]), gr.update(choices=assistant.corpus.outlets())

    def upload(files: list[str] | None, progress=gr.Progress()):  # noqa: B008 - how Gradio injects a progress bar
        """Check and index uploaded files; they are copied into the corpus folder so `sync` keeps them."""
        if not files:  # said in the report; the rest of the tab stays as it is
            return ("Choose one or more files to upload first.", *(gr.skip(),) * (2 + len(corpus_outputs)))
        progress(0, desc="Reading files")
        report = assistant.corpus.upload([Path(f) for f in files],
                                         progress=lambda step: progress((step.done, step.total), desc=step.label))
        return report_lines(report), None, *corpus_view(), gr.update(visible=False)

    def ask_first(doc_ids: list[str] | None):
        """The first step of Remove: say what will go and wait for a second click."""
        if not doc_ids:
            return "Choose the documents to remove first.", gr.update(visible=False), ""
        catalog = assistant.corpus.catalog()
        names = ", ".join(f"“{text(catalog[d].title)}” ({text(d)})" if d in catalog and catalog[d].title else text(d)
                          for d in doc_ids)
        return gr.skip(), gr.update(visible=True), f"**Remove {plural(len(doc_ids), 'document')}?** {names} — you can undo this."

    def remove(doc_ids: list[str] | None):
        """Remove at once (the confirmed step; API clients confirm on their side); the files go to the index's trash."""
        if not doc_ids:
            return ("Choose the documents to remove first.", *(gr.skip(),) * (len(corpus_outputs) + 3))
        report = assistant.corpus.remove(doc_ids, delete_files=True)
        return (report_lines(report), *corpus_view(), gr.update(visible=False),
                gr.update(visible=report.undo is not None), report.undo)

    def undo(token: str | None):
        try:
            report = assistant.corpus.restore(token or "")
        except AssistantError as exc:
            return f'<div class="upload-failed" role="alert">{text(str(exc))}</div>', *corpus_view(), gr.update(visible=False), None
        restored = ", ".join(text(d) for d, _ in report.added) or "nothing"
        return (f"**Restored {restored}.**\n" + "\n".join(report_lines(report).splitlines()[1:]), *corpus_view(),
                gr.update(visible=False), None)

    summary = gr.Markdown(elem_id="corpus-summary")
    with gr.Row():
        with gr.Column(scale=2):
            files = gr.File(label=f"Add documents ({', '.join(SUFFIXES)}; up to {settings.max_file_mb:g} MB each)",
                            file_count="multiple", file_types=list(SUFFIXES), elem_id="upload")
            add = gr.Button("Add to the index", variant="primary", elem_id="add-docs")
        with gr.Column(scale=3):
            outcome = gr.Markdown(elem_id="corpus-report")
            with gr.Row(visible=False, elem_id="undo-box") as undo_box:
                undo_button = gr.Button("Undo", size="sm", variant="secondary", elem_id="undo-remove", scale=0, min_width=90)
    table = gr.Dataframe(headers=[h for h, _ in COLUMNS], column_widths=[w for _, w in COLUMNS], label="Documents",
                         interactive=False, wrap=True, elem_id="documents", datatype=["str", "str", "str", "number", "str", "str"])
    with gr.Row(equal_height=True, elem_id="remove-row"):
        doomed = gr.Dropdown([], multiselect=True, label="Remove documents (type to find one by title; their files move "
                             "to the trash)",
                             scale=4, elem_id="remove-ids")
        ask_button = gr.Button("Remove…", variant="secondary", size="sm", scale=0, min_width=110, elem_id="remove")
    with gr.Row(visible=False, elem_id="remove-confirm") as confirm_box:
        question = gr.Markdown(elem_id="remove-question")
        confirm = gr.Button("Remove", variant="stop", size="sm", scale=0, min_width=90, elem_id="confirm-remove")
        cancel = gr.Button("Cancel", size="sm", scale=0, min_width=90, elem_id="cancel-remove")
    token = gr.State(None)

    corpus_outputs = [table, summary, doomed, outlets]
    added = add.click(upload, [files], [outcome, files, *corpus_outputs, undo_box], api_name="upload", concurrency_limit=1)
    ask_button.click(ask_first, [doomed], [outcome, confirm_box, question], api_visibility="private")
    cancel.click(lambda: gr.update(visible=False), None, [confirm_box], api_visibility="private")
    doomed.input(lambda: gr.update(visible=False), None, [confirm_box], api_visibility="private")  # a new choice asks again
    removed = confirm.click(remove, [doomed], [outcome, *corpus_outputs, confirm_box, undo_box, token], api_name="remove",
                            concurrency_limit=1)
    restored = undo_button.click(undo, [token], [outcome, *corpus_outputs, undo_box, token], api_visibility="private",
                                 concurrency_limit=1)
    return [added, removed, restored], corpus_view, corpus_outputs
