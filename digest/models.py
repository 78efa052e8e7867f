"""Plain data types shared by every layer.

The pure core (parse, normalize, rank, group, render, schedule) works only on these;
ORM objects never leave ``digest.store``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """A feed as an editor registers it."""

    url: str
    name: str = ""
    section: str = "news"
    weight: float = 1.0


@dataclass(slots=True)
class Feed:
    """A registered feed with its fetch state."""

    id: int
    url: str
    name: str
    section: str = "news"
    weight: float = 1.0
    etag: str | None = None
    last_modified: str | None = None
    last_fetched_at: datetime | None = None  # the last attempt, failed or not
    last_error: str | None = None
    error_count: int = 0
    next_fetch_at: datetime | None = None
    last_success_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What the fetcher brought back; ``body`` is None on 304 Not Modified."""

    url: str
    status: int
    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    ttl_seconds: int | None = None


@dataclass(slots=True)
class RawEntry:
    """One entry as the parser found it, before normalization."""

    guid: str | None = None
    link: str | None = None
    title: str | None = None
    summary_html: str | None = None
    content_html: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    categories: list[str] = field(default_factory=list)
    image_url: str | None = None
    image_caption: str | None = None
    media_type: str | None = None  # e.g. "video" when the entry carries a video enclosure


@dataclass(slots=True)
class ParsedFeed:
    title: str | None
    link: str | None
    entries: list[RawEntry]
    ttl_minutes: int | None = None


@dataclass(slots=True)
class Item:
    """A normalized news item, ready to store, rank and render."""

    key: str  # stable identity: feed id + guid, else canonical URL
    feed_id: int
    source: str
    url: str
    title: str
    summary_html: str = ""
    summary_text: str = ""
    author: str | None = None
    published: datetime | None = None  # UTC, aware
    categories: tuple[str, ...] = ()
    image_url: str | None = None
    image_caption: str | None = None
    reading_minutes: int = 1
    section: str = "news"
    is_video: bool = False
    id: int | None = None  # database id once stored
    source_weight: float = 1.0


@dataclass(slots=True)
class Story:
    """One event: the lead item and the same story from other outlets."""

    lead: Item
    also: list[Item] = field(default_factory=list)
    score: float = 0.0
    score_parts: dict[str, float] = field(default_factory=dict)
    updated: bool = False  # returned because it grew since last sent

    @property
    def items(self) -> list[Item]:
        return [self.lead, *self.also]

    @property
    def sources(self) -> list[str]:
        seen: list[str] = []
        for item in self.items:
            if item.source not in seen:
                seen.append(item.source)
        return seen


@dataclass(slots=True)
class Section:
    name: str
    title: str
    stories: list[Story]


@dataclass(frozen=True, slots=True)
class EditorsWords:
    """What an editor wrote for a list's next editions: a short note above the stories, and
    a subject and preheader in place of the automatic ones (each optional)."""

    note: str = ""
    subject: str = ""
    preheader: str = ""


@dataclass(slots=True)
class EditionContent:
    """What one variant of an edition says, before rendering."""

    list_name: str
    title: str
    date: datetime
    sections: list[Section]
    topics: tuple[str, ...] = ()
    words: EditorsWords = field(default_factory=EditorsWords)
    language: str = "en"  # the list's (``lists.language``): the email's words and dates

    @property
    def stories(self) -> list[Story]:
        return [story for section in self.sections for story in section.stories]


@dataclass(frozen=True, slots=True)
class RenderedEdition:
    """One variant rendered once; per-recipient parts are placeholders.

    ``html`` and ``text`` contain the substitution tags of ``digest.render.PLACEHOLDERS``
    (``-unsubscribe_url-`` …) which channels fill per recipient.
    """

    subject: str
    preheader: str
    html: str
    text: str
    telegram: tuple[str, ...]  # Telegram HTML messages, each within the length limit
    lead_url: str | None = None
    # Sent with sendPhoto before the messages when set; the caption fits limits.TELEGRAM_MAX_CAPTION.
    telegram_photo: str | None = None
    telegram_caption: str = ""
    # URL buttons (label, url) under the last message; channels add per-chat ones (unsubscribe).
    telegram_buttons: tuple[tuple[str, str], ...] = ()
    # What the email size budget left out ("summaries of 12 stories", …), for `digest preview`.
    notes: tuple[str, ...] = ()
    # (title, url) of the stories it shows, in order: the archive's table of contents.
    headlines: tuple[tuple[str, str], ...] = ()
    language: str = "en"  # of its words: channels label per-chat buttons in it
    # The moment the email states (a breaking send's), shown in each reader's zone (-local_time-).
    moment: datetime | None = None

    @property
    def telegram_parts(self) -> int:
        """Messages a chat receives: the photo (if any) counts as the first."""
        return len(self.telegram) + (1 if self.telegram_photo else 0)


class SubscriberStatus(StrEnum):
    ACTIVE = "active"
    UNCONFIRMED = "unconfirmed"
    UNSUBSCRIBED = "unsubscribed"
    INACTIVE = "inactive"  # sunset: asked "still want this?" and did not answer; not sent to


@dataclass(slots=True)
class Subscriber:
    email: str | None = None
    telegram_chat_id: str | None = None
    name: str = ""
    timezone: str = "UTC"
    send_hour: int = 7
    topics: tuple[str, ...] = ()
    lists: tuple[str, ...] = ("daily",)
    status: SubscriberStatus = SubscriberStatus.ACTIVE
    attributes: dict[str, str] = field(default_factory=dict)
    frequency: str = "daily"  # "daily" or "weekly:<weekday 0-6>"
    id: int | None = None

    def fields(self, *, separator: str | None = None) -> dict[str, Any]:
        """The subscriber's fields by name (the CSV columns, status and id): the one mapping
        the API, the reader form, the CSV export and the CLI show. With ``separator``, all as
        text: topics and lists joined by it, numbers and the status as strings, no address "".
        """
        values: dict[str, Any] = {
            "id": self.id,
            "email": self.email,
            "telegram_chat_id": self.telegram_chat_id,
            "name": self.name,
            "timezone": self.timezone,
            "send_hour": self.send_hour,
            "frequency": self.frequency,
            "topics": list(self.topics),
            "lists": list(self.lists),
            "status": str(self.status),
        }
        if separator is None:
            return values
        return {
            key: separator.join(value) if isinstance(value, list) else "" if value is None else str(value)
            for key, value in values.items()
        }


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"


@dataclass(frozen=True, slots=True)
class Recipient:
    """One addressee of one delivery, with the links personalized for them."""

    subscriber_id: int
    address: str  # an email address or a Telegram chat id
    name: str = ""
    unsubscribe_url: str = ""
    preferences_url: str = ""
    parts_sent: int = 0  # messages of a multi-message send already delivered: resume after them
    click_key: str = ""  # the reader half of tracked links (digest.tracking); "": counted for nobody
    greeting: str = ""  # "Hello, Olena." in the list's language; "": no greeting line
    local_time: str = ""  # the moment a breaking email states, in the reader's zone

    @property
    def greeting_text(self) -> str:
        """The plain-text email's greeting paragraph: a blank line, then the greeting; nothing
        at all without one, so no empty line stands where a greeting would be."""
        return f"\n{self.greeting}\n" if self.greeting else ""


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    RETRYING = "retrying"


@dataclass(slots=True)
class SubscriberChange:
    """A subscriber to add or update, and which of its fields were given.

    An update writes only the given fields (an empty form field or CSV cell is not given);
    a new subscriber takes the defaults of ``Subscriber`` for the others.
    """

    subscriber: Subscriber
    given: frozenset[str]


@dataclass(frozen=True, slots=True)
class ArchivedEdition:
    """An edition as a list's public archive shows it (``headlines``: (title, url) pairs)."""

    id: int
    title: str
    subject: str
    preheader: str
    created_at: datetime
    breaking: bool
    headlines: tuple[tuple[str, str], ...]
