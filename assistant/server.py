"""One server for everything: the REST API (`assistant.api`) with the Gradio chat (`assistant.ui`) mounted
at `/`, behind the same logins, run by uvicorn. `assistant serve` and `python app.py` call `launch`."""

from __future__ import annotations

import threading

from .core import Assistant
from .settings import Settings

CONCURRENCY = 4  # questions answered at once, in the chat's queue and over the API alike


def build_server(assistant: Assistant):
    """The FastAPI app: `/api/...`, `/v1/...`, and the chat at `/`."""
    import gradio as gr

    from .api import create_api
    from .ui import assets, build_app

    app = create_api(assistant, threading.BoundedSemaphore(CONCURRENCY))
    logins = assistant.settings.logins()
    demo = build_app(assistant).queue(default_concurrency_limit=CONCURRENCY)
    css, js = assets()
    return gr.mount_gradio_app(
        app, demo, path="/", footer_links=["api"], css=css, js=js,
        auth=logins or None, auth_message="Sign in to the news assistant." if logins else None,
        max_file_size=f"{assistant.settings.max_file_mb:g}mb",
    )


def launch(settings: Settings) -> None:
    """Open the index, start loading the model in the background, and serve until stopped."""
    import uvicorn

    assistant = Assistant(settings)
    # Load the embedder while the server starts, so the first question does not wait for it.
    threading.Thread(target=assistant.index.warm, daemon=True).start()
    assistant.follow_writers()  # documents another process adds are searchable within a second or two
    app = build_server(assistant)
    print(f"* Running on http://{settings.host}:{settings.port} (chat), REST API docs at /api/docs", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", timeout_graceful_shutdown=5)
