"""A chat assistant that answers questions about a corpus of news articles, with citations.

Pipeline, one module per step: documents → chunking → embeddings/vectors → store + index
→ retrieval → reader/answering → citations, composed as one chain (`chain`); `core.Assistant`
gives the CLI (`cli`), the Gradio app (`ui`) and the eval runner its corpus, questions and
evaluation services.
"""

from .core import Assistant
from .errors import AssistantError
from .settings import Settings

__all__ = ["Assistant", "AssistantError", "Settings"]
__version__ = "0.1.0"
