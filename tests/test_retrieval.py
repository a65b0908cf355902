"""Fusion arithmetic and the hybrid retriever over a real index."""

import pytest

from assistant.ask import Request
from assistant.ids import ChunkId
from assistant.langchain_adapters import AskRunnable, HybridRetriever
from assistant.options import AskOptions
from assistant.retrieval import Retriever, reciprocal_rank_fusion


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
    retriever = HybridRetriever.of(seed_assistant)
    docs = retriever.invoke("who represents the Hutchins family?")
    assert 1 <= len(docs) <= seed_assistant.settings.k
    top = docs[0].metadata
    assert top["source"] == "000_cee5a0d51e26243d.txt"
    text = seed_assistant.index.store.text(top["source"])
    assert text[top["start"] : top["end"]] == docs[0].page_content
    assert "Allred" in " ".join(d.page_content for d in docs)
    assert top["dense_rank"] is not None or top["bm25_rank"] is not None
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)
    # LCEL: batch comes for free with the Runnable interface
    assert len(retriever.batch(["Baldwin", "Allred"])) == 2
    assert len(HybridRetriever.of(seed_assistant, AskOptions(k=1)).invoke("Allred")) == 1


def test_the_question_path_as_a_langchain_runnable(seed_assistant):
    """`.invoke` gives the same answer as `ask`, options come from the config, `.stream` ends with the answer."""
    runnable = AskRunnable.of(seed_assistant)
    answer = runnable.invoke(Request("who represents the Hutchins family?"), config={"configurable": {"k": 2}})
    assert answer.short == seed_assistant.ask("who represents the Hutchins family?", AskOptions(k=2)).short
    assert len(answer.passages) <= 2
    items = list(runnable.stream(Request("who represents the Hutchins family?")))
    assert items[-1].short == answer.short
    assert [a.short for a in runnable.batch([Request("Who is Gloria Allred?"), Request("who represents the Hutchins family?")])]


def test_query_coverage_weights_rare_words_more():
    import numpy as np

    from assistant.evidence import Query

    df = {"hutchin": 1, "famili": 9}.get
    q = Query.build("Hutchins family?", np.zeros(3), lambda t: df(t, 0), n_docs=9)
    w_rare, w_common = np.log(1 + 10 / 2), np.log(1 + 10 / 10)
    assert q.weights == {"hutchin": pytest.approx(w_rare), "famili": pytest.approx(w_common)}
    assert q.coverage({"hutchin"}) == pytest.approx(w_rare / (w_rare + w_common))
    assert q.coverage({"famili", "hutchin", "other"}) == pytest.approx(1.0)


def test_every_indexed_sentence_has_a_stored_vector(seed_assistant):
    index = seed_assistant.index
    spans = index.store.sentence_spans("000_cee5a0d51e26243d.txt")
    text = index.store.text("000_cee5a0d51e26243d.txt")
    assert spans and not index.store.missing_sentence_vectors()
    for a, b in spans:
        assert text[a:b].strip() == text[a:b]
    chunk = index.chunks([ChunkId.parse("000_cee5a0d51e26243d.txt#1")])[ChunkId.parse("000_cee5a0d51e26243d.txt#1")]
    inside = index.sentences_in(chunk)
    assert inside and all(chunk.start <= a < b <= chunk.end for _, a, b in inside)


@pytest.mark.parametrize("fusion", ["evidence", "rrf"])
def test_both_fusions_return_sentence_evidence(seed_assistant, fusion):
    retriever = seed_assistant.questions.retriever.with_options(fusion=fusion, k=3)
    passages = retriever.retrieve("Who was wounded in the shooting?")
    assert len(passages) == 3
    best = max((s for p in passages for s in p.sentences), key=lambda s: s.similarity + s.coverage)
    text = seed_assistant.index.store.text(passages[0].source)
    assert "Joel Souza" in text[best.start : best.end]
    assert all(0.0 <= s.coverage <= 1.0 for p in passages for s in p.sentences)


def test_a_follow_up_s_search_puts_the_conversation_s_article_first(bridge):
    """A follow-up ("What did the mayor say?") is about the article the earlier question found: its passages are
    candidates however the follow-up's own words rank them, and come first when they score within the bonus."""
    plain = Retriever(bridge.index).retrieve("What did the mayor say?")
    story = Retriever(bridge.index, story=("new.md",)).retrieve("What did the mayor say?")
    assert plain[0].source == "mid.md" and story[0].source == "new.md"
    new = next(p for p in plain if p.source == "new.md")
    assert story[0].score == pytest.approx(new.score + Retriever.story_weight)
    few = Retriever(bridge.index, candidates=1, story=("other.md",)).retrieve("Who will pay for the repairs?")
    assert "other.md" in {p.source for p in few}  # searched though the ferry is no candidate of these words


def test_a_compare_side_is_searched_with_the_articles_the_whole_question_found(bridge):
    pipeline = bridge.questions.pipeline
    condensed = pipeline.condense(Request("What did the mayor say?", story=("new.md",)))
    assert condensed.story == ("new.md",) and pipeline.retrieve(condensed).passages[0].source == "new.md"
    assert pipeline.retrieve(pipeline.condense(Request("What did the mayor say?"))).passages[0].source == "mid.md"
