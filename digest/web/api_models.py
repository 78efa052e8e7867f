"""What ``/api/v1`` takes and returns, as pydantic models, so that its OpenAPI document
describes every answer (and the fuzzing test can hold the API to it).

``Input`` is the base of every request body: no string may hold a lone surrogate or a NUL,
no integer may pass what the database holds, and the error names the field.
"""

from __future__ import annotations

import builtins
from typing import Any

from pydantic import BaseModel, Field, field_validator

from digest.web.bad_values import checked_int, checked_text

__all__ = [
    "ERROR_RESPONSES",
    "ApiError",
    "BreakingPreviewOut",
    "BreakingSentOut",
    "DuplicateOut",
    "EarlierSend",
    "EditionProgress",
    "EditionStatsOut",
    "Input",
    "ItemOut",
    "ListOut",
    "StoppedProgress",
    "SubscriberOut",
]


class Input(BaseModel):
    @field_validator("*")
    @classmethod
    def storable(cls, value: Any) -> Any:
        return checked_int(checked_text(value))


class ApiError(BaseModel):
    error: str = Field(description="What was wrong, in a sentence.")
    problems: list[str] | None = Field(None, description="For an invalid request: each field's problem.")


class EarlierSend(BaseModel):
    edition: int
    at: str = Field(description="When it was sent (ISO 8601).")
    by: str


class DuplicateOut(ApiError):
    earlier: list[EarlierSend]


class BreakingPreviewOut(BaseModel):
    list: str
    counts: dict[str, int] = Field(description="Recipients by audience.")
    total: int
    subject: str
    email_html: str
    email_text: str
    telegram: str
    already_sent: builtins.list[EarlierSend]  # `list` is a field's name here


class BreakingSentOut(BaseModel):
    edition: int
    counts: dict[str, int]
    progress: str = Field(description="Where to follow the send.")


class EditionProgress(BaseModel):
    edition: int
    list: str
    title: str
    counts: dict[str, int] = Field(description="Deliveries by state.")
    total: int
    done: int
    percent: float
    finished: bool = Field(description="Nothing is left to send.")
    stopped_by: str | None
    suppressed: int = Field(description="Recipients the suppression list held back (not in total).")


class StoppedProgress(EditionProgress):
    stopped: int = Field(description="Deliveries stopped by this request.")


class StoryFigures(BaseModel):
    title: str
    url: str
    clicks: int = Field(description="Unique human clickers.")
    click_rate: float = Field(description="Clicks over delivered.")


class ChannelFigures(BaseModel):
    email: dict[str, int]
    telegram: dict[str, int]


class EditionStatsOut(BaseModel):
    """What an edition did; the README's "Edition figures" says how each is counted."""

    recipients: int
    delivered: int
    bounced: int
    dropped: int
    deferred: int
    opened: int = Field(description="Unique openers, machine opens excluded.")
    machine_opens: int
    clicked: int = Field(description="Unique human clickers.")
    machine_clicks: int
    unsubscribed: int
    complaints: int
    by_channel: ChannelFigures
    stories: builtins.list[StoryFigures]


class ListOut(BaseModel):
    name: str
    title: str
    active: int = Field(description="Active members.")


class ItemOut(BaseModel):
    id: int | None
    title: str
    url: str
    source: str
    published: str | None


class SubscriberOut(BaseModel):
    id: int | None
    email: str | None
    telegram_chat_id: str | None
    name: str
    timezone: str
    send_hour: int
    frequency: str
    topics: list[str]
    lists: list[str]
    status: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ApiError, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("The request cannot be carried out as given."),
    401: _error("No API token, or an unknown or revoked one."),
    403: _error("The token's editor lacks the role."),
    404: _error("No such edition or subscriber."),
    413: _error("The request body is too large."),
    422: _error("A field is missing or invalid."),
}
