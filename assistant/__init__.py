"""A chat assistant that answers questions about a corpus of news articles, with citations.

Pipeline, one module per step: documents → chunking → embeddings + bm25 → index
→ retrieval → answering → citations; `core.Assistant` ties them together for
the CLI (`cli`), the Gradio app (`ui`) and the eval runner.
"""

from .core import Assistant
from .errors import AssistantError
from .settings import Settings

__all__ = ["Assistant", "AssistantError", "Settings"]
__version__ = "0.1.0"
