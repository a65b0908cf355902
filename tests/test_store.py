"""The SQLite store: one transaction per write, lexical search inside it, and the move from a JSON-era index."""

import json
import shutil

import chromadb
from chromadb.config import Settings as ChromaSettings
import numpy as np
import pytest

from assistant import Assistant
from assistant.documents import parse_document
from assistant.ids import ChunkId, SentenceId
from assistant.store import Indexed, Store
from conftest import SEED_ID, stored

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


def test_a_json_era_index_is_moved_into_the_store_on_open(tmp_path, seed_settings, embeddings):
    """An index of the documents.json era (its chunk vectors in Chroma, sentence vectors in a second collection)
    opens as a store: documents, spans, links, manifest and calibration carried over, the old sentence vectors
    kept, the old files and collection gone, and the answer unchanged."""
    index = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index)
    current = Assistant(seed_settings.model_copy(update={"index_dir": index}), embeddings=embeddings)
    answer = current.ask(Q).answer
    store = current.index.store
    text = store.text(SEED_ID)
    spans = store.sentence_spans(SEED_ID)
    vectors = store.sentence_vectors([SentenceId(SEED_ID, i) for i in range(len(spans))])
    record = current.index.catalog[SEED_ID]
    legacy = {SEED_ID: {"title": record.title, "sha256": record.sha256, "text": text, "indexed_at": record.indexed_at,
                        "chunks": [list(c) for c in store.chunk_spans(SEED_ID)], "sentences": [list(s) for s in spans],
                        "near_duplicates": []}}
    manifest = store.meta("manifest")
    client = chromadb.PersistentClient(path=str(index / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    old = client.get_or_create_collection(seed_settings.collection + "_sentences", embedding_function=None)
    old.upsert(ids=[str(s) for s in vectors], embeddings=np.stack(list(vectors.values())))
    client.clear_system_cache()
    store.close()
    for name in ("store.sqlite3", "store.sqlite3-wal", "store.sqlite3-shm"):
        (index / name).unlink(missing_ok=True)
    (index / "documents.json").write_text(json.dumps(legacy))
    (index / "manifest.json").write_text(json.dumps(manifest))
    (index / "calibration.json").write_text(json.dumps({"threshold": -3.5, "abstention_precision": None,
                                                        "abstention_recall": None, "false_abstention_rate": None,
                                                        "n_answerable": 1, "n_unanswerable": 1, "fitted_on": ["x.jsonl"],
                                                        "max_false_abstention": 0.1}))
    (index / "bm25").mkdir()

    moved = Assistant(seed_settings.model_copy(update={"index_dir": index}), embeddings=embeddings)
    assert [d.id for d in moved.documents()] == [SEED_ID]
    assert moved.index.store.text(SEED_ID) == text and moved.index.store.sentence_spans(SEED_ID) == spans
    again = moved.index.sentence_vectors(list(vectors))
    assert all(np.allclose(again[s], vectors[s], atol=1e-3) for s in vectors)  # carried over, not re-made
    from assistant import calibration

    assert calibration.load(moved.index).threshold == -3.5  # carried over; on the old raw score, so not in force:
    assert moved.questions.threshold() == (moved.questions.reader.default_threshold, "model card")
    assert not any((index / name).exists() for name in ("documents.json", "manifest.json", "calibration.json", "bm25"))
    assert moved.index.vectors.legacy_collections() == []
    assert moved.ask(Q).answer == answer
    assert stored(index, "SELECT count(*) FROM lexical") == [(len(legacy[SEED_ID]["chunks"]),)]


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
