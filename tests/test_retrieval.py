"""Fusion arithmetic and the hybrid retriever over a real index."""

import pytest

from assistant.retrieval import HybridRetriever, reciprocal_rank_fusion


def test_rrf_hand_computed():
    fused = dict(reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert [x for x, _ in reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60)] == ["a", "c", "b"]


def test_rrf_weights_and_edge_cases():
    fused = reciprocal_rank_fusion([["a"], ["b"]], k=1, weights=[1.0, 3.0])
    assert fused == [("b", pytest.approx(1.5)), ("a", pytest.approx(0.5))]
    assert reciprocal_rank_fusion([[], []]) == []
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], weights=[1.0, 2.0])


def test_hybrid_retriever_is_a_runnable_with_explained_results(seed_assistant):
    retriever: HybridRetriever = seed_assistant.retriever
    docs = retriever.invoke("who represents the Hutchins family?")
    assert 1 <= len(docs) <= seed_assistant.settings.k
    top = docs[0].metadata
    assert top["source"] == "000_cee5a0d51e26243d.txt"
    text = seed_assistant.index.documents[top["source"]]["text"]
    assert text[top["start"] : top["end"]] == docs[0].page_content
    assert "Allred" in " ".join(d.page_content for d in docs)
    assert top["dense_rank"] is not None or top["bm25_rank"] is not None
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)
    # LCEL: batch comes for free with the Runnable interface
    assert len(retriever.batch(["Baldwin", "Allred"])) == 2
