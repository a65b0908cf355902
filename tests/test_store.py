"""The SQLite store: one transaction per write, lexical search inside it, and what it refuses to open."""

import pytest

from assistant.documents import Indexed, parse_document
from assistant.errors import IndexMismatchError
from assistant.ids import ChunkId
from assistant.index import Index
from assistant.store import Store

Q = "who represents the Hutchins family?"


def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    store = Store(tmp_path)
    store.create()
    doc = parse_document("a.txt", "Harbour news\n\nThe harbour master is Lena Ortiz.\n")
    with store.write() as tx:
        tx.put(Indexed(doc, [(0, len(doc.text))], [(14, 46)]), "2026-01-01")
    before, generation = store.catalog(), store.generation()
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.delete(["a.txt"])
            tx.put(Indexed(parse_document("b.txt", "Other\n\nText here.\n"), [(0, 5)], []), "2026-01-02")
            raise RuntimeError("the process fails half-way")
    assert store.catalog() == before and store.generation() == generation
    assert [c for c, _ in store.lexical_search("harbour master", 5)] == [ChunkId("a.txt", 0)]
    assert store.lexical_in_step()


def test_lexical_search_follows_every_write(tmp_path):
    store = Store(tmp_path)
    store.create()
    docs = [parse_document(f"{n}.txt", f"Story {n}\n\nThe {word} festival opened on Monday.\n")
            for n, word in enumerate(["lantern", "harvest", "lantern"])]
    with store.write() as tx:
        for d in docs:
            tx.put(Indexed(d, [(0, len(d.text))], []), "now")
    assert {c.doc_id for c, _ in store.lexical_search("lanterns", 5)} == {"0.txt", "2.txt"}  # stemmed
    assert store.document_frequencies(["lantern", "harvest", "nothing"]) == {"lantern": 2, "harvest": 1}
    with store.write() as tx:
        tx.delete(["0.txt"])
    assert [c.doc_id for c, _ in store.lexical_search("lantern", 5)] == ["2.txt"]
    assert store.document_frequencies(["lantern"]) == {"lantern": 1} and store.lexical_in_step()


def test_a_json_era_index_is_refused_with_the_way_out(tmp_path, seed_settings):
    """The documents.json era (before the store) is not carried over: opening one says how to build it anew."""
    index = tmp_path / "index"
    index.mkdir()
    (index / "documents.json").write_text("{}")
    with pytest.raises(IndexMismatchError, match="earlier version.*ingest --rebuild"):
        Index(seed_settings.model_copy(update={"index_dir": index}))
    Index.clear_folder(index)
    assert not (index / "documents.json").exists()


def test_a_store_from_a_newer_schema_is_refused_with_the_reason(tmp_path, seed_settings):
    import shutil
    import sqlite3

    from assistant.errors import AssistantError
    from assistant.index import Index

    root = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, root)
    db = sqlite3.connect(root / "store.sqlite3")
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    db.commit()
    db.close()
    with pytest.raises(AssistantError, match="newer version of the assistant .schema 99"):
        Index(seed_settings.model_copy(update={"index_dir": root}))
