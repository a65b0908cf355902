"""The ONNX Runtime embedders against the sentence-transformers reference, and backends recorded per index."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import ROOT, SEED_ID, store_meta, stored

from assistant import Assistant, Settings
from assistant.chunking import sentence_spans
from assistant.embeddings import load_embeddings
from assistant.errors import IndexMismatchError


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Every sentence of the seed article and of two Normans paragraphs, plus the paragraphs themselves."""
    out = []
    for path in [ROOT / "corpus" / SEED_ID, *sorted((ROOT / "evals/corpora/normans").glob("*.txt"))[:2]]:
        text = path.read_text(encoding="utf-8")
        out += [text[a:b] for a, b in sentence_spans(text)]
        out += [p for p in text.split("\n\n") if len(p) > 200]
    return out


@pytest.fixture(scope="module")
def reference(texts) -> np.ndarray:
    s = Settings()
    torch = load_embeddings(s.model_path(), s.threads, backend="torch", cache_dir=s.onnx_cache_dir)
    assert torch.backend == "torch"
    return np.asarray(torch.embed_documents(texts))


def _cosines(backend: str, texts: list[str], reference: np.ndarray) -> np.ndarray:
    s = Settings()
    emb = load_embeddings(s.model_path(), s.threads, backend=backend, cache_dir=s.onnx_cache_dir)
    got = np.asarray(emb.embed_documents(texts))
    assert got.shape == reference.shape
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)  # normalised like the reference
    return (got * reference).sum(1)


def test_onnx_fp32_gives_the_reference_vectors(texts, reference):
    cos = _cosines("onnx", texts, reference)
    assert cos.min() >= 0.999


def test_onnx_int8_stays_within_cosine_0_99_of_the_reference(texts, reference):
    cos = _cosines("onnx-int8", texts, reference)
    assert cos.mean() >= 0.99 and cos.min() >= 0.98


def test_batching_by_length_keeps_the_order_of_the_texts(embeddings, texts):
    s = Settings()
    fp32 = load_embeddings(s.model_path(), s.threads, backend="onnx", cache_dir=s.onnx_cache_dir)
    batch = np.asarray(fp32.embed_documents(texts[:12]))
    one_by_one = np.asarray([fp32.embed_query(t) for t in texts[:12]])
    assert np.allclose(batch, one_by_one, atol=1e-4)  # padding is masked: companions change nothing
    # int8 quantises activations with one scale per batch, so companions move a vector slightly
    batch = np.asarray(embeddings.embed_documents(texts[:12]))
    one_by_one = np.asarray([embeddings.embed_query(t) for t in texts[:12]])
    assert (batch * one_by_one).sum(1).min() >= 0.98
    assert embeddings.embed_documents([]) == []


def test_the_index_records_its_backend_and_refuses_another_family(seed_settings):
    manifest = store_meta(seed_settings.index_dir, "manifest")
    assert manifest["embedder"] == "onnx-int8" and manifest["vectors"] == "int8"
    assert Assistant(seed_settings).index.backend == "onnx-int8"  # auto: what the index was built with
    with pytest.raises(IndexMismatchError, match="vectors"):
        Assistant(seed_settings.model_copy(update={"embedder": "torch"}))


def test_an_index_from_before_the_onnx_backends_opens_with_torch(tmp_path, seed_settings):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(seed_settings.index_dir, old)
    manifest = store_meta(old, "manifest")
    for key in ("embedder", "vectors"):
        del manifest[key]
    stored(old, "UPDATE meta SET value = ? WHERE key = 'manifest'", json.dumps(manifest))
    assert Assistant(Settings(index_dir=old)).index.backend == "torch"
    with pytest.raises(IndexMismatchError):
        Assistant(Settings(index_dir=old, embedder="onnx-int8"))


def test_a_new_export_version_deletes_the_old_ones_of_its_model_and_precision(tmp_path):
    from assistant.embeddings.export import EXPORT_VERSION, prune_exports

    names = ["minilm-abc-int8.onnx", "minilm-abc-int8.onnx.json", "minilm-abc-int8-v2.onnx", "minilm-abc-int8-v2.onnx.json",
             f"minilm-abc-int8-{EXPORT_VERSION}.onnx", f"minilm-abc-int8-{EXPORT_VERSION}.onnx.json",
             "minilm-abc-fp32-v2.onnx", "minilm-xyz-int8-v2.onnx", "minilm-abc-int8-v2.onnx.notes"]
    for name in names:
        (tmp_path / name).write_text("x")
    removed = prune_exports(tmp_path / f"minilm-abc-int8-{EXPORT_VERSION}.onnx")
    assert sorted(p.name for p in removed) == sorted(names[:4])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[4:])
