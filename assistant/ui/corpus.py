"""The Corpus tab: upload documents, list what is indexed, remove documents."""

from __future__ import annotations

from pathlib import Path

from ..core import Assistant
from ..documents import SUFFIXES
from ..rendering import text

DOC_COLUMNS = ["id", "title", "outlet", "published", "chunks", "indexed_at"]


def report_lines(report) -> str:
    lines = [f"**{report.summary()}**"]
    lines += [f"- added {text(d)} ({n} chunks)" for d, n in report.added]
    lines += [f"- updated {text(d)} ({n} chunks)" for d, n in report.updated]
    lines += [f"- unchanged {text(d)}" for d in report.unchanged]
    lines += [f"- removed {text(d)}" for d in report.removed]
    lines += [f"- duplicate {text(a)}: same text as {text(b)}, indexed once" for a, b in report.duplicates]
    lines += [f"- **failed**: {text(why)}" for _, why in report.failed]
    return "\n".join(lines)


def corpus_tab(gr, assistant: Assistant, outlets) -> list:
    """Build the tab inside the current Blocks; `outlets` is the chat's outlet filter, kept in step.

    Returns the upload and remove events (other parts of the app chain on them), the view refresh and its outputs.
    """
    settings = assistant.settings

    def corpus_view():
        docs = [d.to_dict() for d in assistant.corpus.documents()]
        rows = [[d.get(c) or "" for c in DOC_COLUMNS] for d in docs]
        summary = f"{len(docs)} document(s), {sum(d['chunks'] for d in docs)} chunks in `{settings.index_dir}`."
        choices = [d["id"] for d in docs]
        return rows, summary, gr.update(choices=choices, value=[]), gr.update(choices=assistant.corpus.outlets())

    def upload(files: list[str] | None, progress=gr.Progress()):
        """Check and index uploaded files; they are copied into the corpus folder so `sync` keeps them."""
        if not files:
            raise gr.Error("Choose one or more files to upload first.", print_exception=False)
        progress(0, desc="Reading files")
        report = assistant.corpus.upload([Path(f) for f in files],
                                         progress=lambda done, total: progress((done, total), desc="Indexing chunks"))
        return report_lines(report), None, *corpus_view()

    def remove(doc_ids: list[str] | None):
        if not doc_ids:
            raise gr.Error("Pick the documents to remove first.", print_exception=False)
        return report_lines(assistant.corpus.remove(doc_ids, delete_files=True)), *corpus_view()

    with gr.Row():
        with gr.Column(scale=2):
            files = gr.File(label=f"Add documents ({', '.join(SUFFIXES)}; up to {settings.max_file_mb:g} MB each)",
                            file_count="multiple", file_types=list(SUFFIXES), elem_id="upload")
            add = gr.Button("Add to the index", variant="primary", elem_id="add-docs")
        with gr.Column(scale=3):
            outcome = gr.Markdown(elem_id="corpus-report")
            summary = gr.Markdown()
            with gr.Row():
                doomed = gr.Dropdown([], multiselect=True, label="Remove documents (their files in the corpus folder go too)",
                                     scale=4, elem_id="remove-ids")
                drop = gr.Button("Remove", variant="stop", scale=1, elem_id="remove")
    table = gr.Dataframe(headers=DOC_COLUMNS, label="Documents", interactive=False, wrap=True, elem_id="documents")

    corpus_outputs = [table, summary, doomed, outlets]
    added = add.click(upload, [files], [outcome, files, *corpus_outputs], api_name="upload", concurrency_limit=1)
    removed = drop.click(remove, [doomed], [outcome, *corpus_outputs], api_name="remove", concurrency_limit=1)
    return [added, removed], corpus_view, corpus_outputs
