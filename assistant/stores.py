"""The Chroma side of the index: an embedded store in the index folder, or a Chroma server.

Two collections per index, both in cosine space and both embedded by us (Chroma's default
embedding function would try to download a model): chunks, and their sentences
(`<name>_sentences`). With `ASSISTANT_CHROMA_URL` the same code talks to a server through
`chromadb.HttpClient`; BM25 and the document store stay in the local index folder.
"""

from __future__ import annotations

from pathlib import Path

from .errors import AssistantError
from .settings import Settings


def chroma_client(settings: Settings, root: Path):
    """The Chroma client: a server at `settings.chroma_url` (HttpClient), else the embedded store in `root/chroma`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.chroma_url:
        return chromadb.PersistentClient(path=str(root / "chroma"), settings=chroma_settings)
    from urllib.parse import urlsplit

    url = urlsplit(settings.chroma_url if "://" in settings.chroma_url else "http://" + settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise AssistantError(f"ASSISTANT_CHROMA_URL must look like http://host:port, not {settings.chroma_url!r}")
    token = settings.chroma_token.get_secret_value()
    headers = {"Authorization": f"Bearer {token}", "X-Chroma-Token": token} if token else None
    try:
        return chromadb.HttpClient(host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                                   ssl=url.scheme == "https", headers=headers, settings=chroma_settings)
    except Exception as exc:  # the client checks the server at once
        raise AssistantError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from None


def open_stores(settings: Settings, root: Path, embeddings, drop_stale: bool = False) -> tuple:
    """(chunk store, sentence store) as LangChain `Chroma` objects; `drop_stale` first deletes what the
    server holds under their names (vectors of an earlier index that no longer exists)."""
    from langchain_chroma import Chroma

    client = chroma_client(settings, root)
    names = (settings.collection, settings.collection + "_sentences")
    if drop_stale:
        existing = {getattr(c, "name", c) for c in client.list_collections()}
        for name in names:
            if name in existing:
                client.delete_collection(name)
    return tuple(
        Chroma(client=client, collection_name=name, embedding_function=embeddings,
               collection_configuration={"hnsw": {"space": "cosine"}})
        for name in names
    )
