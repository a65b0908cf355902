"""The REST API's request bodies: typed, checked by FastAPI before a route runs, and shown in /api/docs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..settings import MAX_K


class AskBody(BaseModel):
    """One question, with the same options as the chat and `assistant ask`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "Who represents the Hutchins family?", "k": 5, "since": "2024-01-01"}]})

    question: str = Field(description="The question, in plain words.")
    k: int | None = Field(None, ge=1, le=MAX_K, description="Passages to retrieve (default: the settings').")
    since: str | None = Field(None, description="Only articles published on or after this date (YYYY-MM-DD).")
    until: str | None = Field(None, description="Only articles published on or before this date (YYYY-MM-DD).")
    outlets: list[str] = Field(default_factory=list, description="Only articles from these outlets.")
    answerer: Literal["reader", "llama", "openai"] | None = Field(None, description="Who phrases the answer.")
    history: list[str] = Field(default_factory=list, max_length=50,
                               description="The conversation's earlier questions, oldest first, for follow-ups.")
    passages: bool = Field(False, description="Include the passages that were read, with their metadata.")
    stream: bool = Field(False, description="Answer as server-sent events: `draft` events, then one `answer`.")


class Message(BaseModel):
    """One chat message in OpenAI's shape; content as a string or as a list of text parts."""

    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatBody(BaseModel):
    """OpenAI's chat completion request; the fields this assistant uses, the rest accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field("news-assistant", description="`news-assistant` (the reader), or an answerer's name.")
    messages: list[Message] = Field(min_length=1, max_length=200)
    stream: bool = False


class CitedText(BaseModel):
    source: str
    start: int | None = None
    end: int | None = None
    text: str = ""


class RatedAnswer(BaseModel):
    """The answer being rated, as `/api/ask` returned it (the fields a rating keeps; others are ignored)."""

    question: str = Field(max_length=20_000)
    answer: str = Field("", max_length=100_000)
    short: str = ""
    abstained: bool = False
    band: str = ""
    confidence: float | None = None
    citations: list[CitedText] = Field(default_factory=list, max_length=50)


class FeedbackBody(BaseModel):
    """👍 (1) or 👎 (-1) on an answer, optionally with the right answer and whether the source was wrong."""

    model_config = ConfigDict(extra="forbid")

    answer: RatedAnswer
    rating: Literal[1, -1]
    right_answer: str = Field("", max_length=2000, description="What the answer should have been.")
    wrong_source: bool = Field(False, description="The cited article is not where the answer is.")
