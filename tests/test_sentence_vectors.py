"""Contextual sentence vectors: one encoder pass per chunk, sentence vectors pooled from its token states."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from helpers import SEED_ID

from assistant import Assistant, Settings
from assistant.documents import parse_document
from assistant.errors import AssistantError, IndexMismatchError
from assistant.ids import ChunkId, SentenceId
from assistant.vectors import owners


def test_each_sentence_belongs_to_the_first_chunk_that_holds_it_whole():
    chunks = [(0, 100), (80, 200), (180, 260)]
    sentences = [(0, 40), (40, 90), (90, 150), (150, 195), (195, 260), (300, 320)]
    assert owners(chunks, sentences) == [0, 0, 1, 1, 2, None]


@pytest.fixture(scope="module")
def contextual(tmp_path_factory, corpus_dir, embeddings) -> Assistant:
    settings = Settings(index_dir=tmp_path_factory.mktemp("contextual"), sentence_vectors="contextual")
    assistant = Assistant(settings, embeddings=embeddings)
    assistant.ingest([corpus_dir])
    return assistant


def _pieces(index) -> tuple[dict, dict]:
    """Chunk and sentence ids of the seed article with their texts."""
    text = index.store.text(SEED_ID)
    chunks = {ChunkId(SEED_ID, i): text[a:b] for i, (a, b) in enumerate(index.store.chunk_spans(SEED_ID))}
    sentences = {SentenceId(SEED_ID, i): text[a:b] for i, (a, b) in enumerate(index.store.sentence_spans(SEED_ID))}
    return chunks, sentences


def test_every_sentence_gets_a_vector_from_its_chunk_pass_not_on_its_own(contextual, embeddings):
    index = contextual.index
    assert index.store.meta("manifest")["sentence_vectors"] == "contextual"
    chunks, sentences = _pieces(index)
    stored = index.sentence_vectors(list(sentences))
    assert set(stored) == set(sentences)
    ids = list(sentences)
    alone = np.asarray(embeddings.embed_documents([sentences[i] for i in ids]))
    pooled = np.stack([stored[i] for i in ids])
    cos = (alone * pooled).sum(1)
    # the same meaning, but shaped by the neighbours: not the standalone vectors
    assert cos.mean() > 0.6 and cos.max() < 0.995
    # mostly nearest its own standalone vector (11 of 13 here; chance would be 1 in 13), sometimes a neighbour's
    assert (np.argmax(pooled @ alone.T, axis=1) == np.arange(len(ids))).mean() >= 0.75
    chunk_vectors = index.chunk_vectors(list(chunks))
    alone_chunks = np.asarray(embeddings.embed_documents([chunks[i] for i in chunks]))
    assert (np.stack([chunk_vectors[i] for i in chunks]) * alone_chunks).sum(1).min() >= 0.98  # chunks: the usual vectors


def test_a_contextual_index_answers_with_citations(contextual):
    answer = contextual.ask("Who represents the Hutchins family?")
    assert not answer.abstained and "Allred" in answer.answer and answer.citations[0].source == SEED_ID


def test_the_choice_is_kept_by_the_index_and_a_different_one_refused(contextual):
    root = contextual.index.root
    assert Assistant(Settings(index_dir=root)).index.sentence_mode == "contextual"  # auto: what it was built with
    with pytest.raises(IndexMismatchError, match="sentence_vectors"):
        Assistant(Settings(index_dir=root, sentence_vectors="standalone"))


@pytest.mark.slow  # loads torch and sentence-transformers (15 s)
def test_torch_cannot_make_contextual_vectors_and_nothing_is_stored(tmp_path):
    settings = Settings(index_dir=tmp_path / "index", embedder="torch", sentence_vectors="contextual")
    assistant = Assistant(settings)
    with pytest.raises(AssistantError, match="ONNX"):
        assistant.index.add([parse_document("a.txt", "Title\n\nOne sentence here. And a second one.")])
    assert not assistant.index.catalog and not assistant.index.store.meta("write_in_progress")


def test_an_interrupted_write_is_repaired_with_contextual_vectors(contextual, tmp_path, embeddings):
    root = tmp_path / "copy"
    shutil.copytree(contextual.index.root, root)
    index = Assistant(Settings(index_dir=root), embeddings=embeddings).index
    chunks, sentences = _pieces(index)
    before = index.chunk_vectors(list(chunks))
    lost = list(sentences)[3:9]
    index.store.db.executemany("UPDATE sentences SET vector = NULL WHERE doc_id = ? AND ordinal = ?", lost)
    index.vectors.delete([ChunkId(SEED_ID, 1)])
    index.vectors.upsert([ChunkId("gone.txt", 0)], before[ChunkId(SEED_ID, 0)][None], ["a write that never committed"])
    with index.store.write() as tx:
        tx.set_meta("write_in_progress", {"started": "test"})  # as a write killed half-way leaves it
    fixed = index.repair_if_interrupted()
    assert fixed == {"chunks_orphans_deleted": 1, "chunks_re_embedded": 1, "sentences_embedded": len(lost)}
    after = index.chunk_vectors(list(chunks))
    assert set(after) == set(chunks) and float(before[ChunkId(SEED_ID, 1)] @ after[ChunkId(SEED_ID, 1)]) >= 0.98
    assert set(index.sentence_vectors(list(sentences))) == set(sentences)
    assert not index.store.meta("write_in_progress")
