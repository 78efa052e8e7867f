"""The one interface every channel implements.

A channel takes one rendered edition (an ``Envelope``) and up to ``max_batch``
recipients, and either returns (all of them were accepted) or raises a
``DeliveryError`` whose ``permanent`` flag tells the caller whether a retry can help.
Channels never render: per-recipient values reach them only as ``Recipient`` fields,
which they substitute for the placeholders of ``digest.render.PLACEHOLDERS``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from digest.models import Channel as Medium
from digest.models import Recipient, RenderedEdition


@dataclass(frozen=True, slots=True)
class Envelope:
    """Everything about one send that is the same for every recipient."""

    edition_id: int
    list_name: str
    content: RenderedEdition
    from_email: str
    list_id: str  # the List-Id header value, e.g. "Daily <daily.digest.example.org>"
    unsubscribe_mailto: str = ""  # e.g. "mailto:unsubscribe@example.org?subject=unsubscribe"
    categories: tuple[str, ...] = ()
    test: bool = False  # a test send (preview to an editor): same headers, marked in the subject
    extra: dict[str, str] = field(default_factory=dict)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def display_name(name: str) -> str:
    """A recipient's name as a header can carry it: control characters (CR, LF …) that a
    stored name may hold become spaces, so they cannot break or inject a header."""
    return " ".join(_CONTROL.sub(" ", name).split())


class DeliveryChannel(ABC):
    """A way out: email through SendGrid or the outbox, Telegram through the Bot API or the outbox."""

    name: ClassVar[str]
    medium: ClassVar[Medium]
    max_batch: ClassVar[int] = 1  # recipients per deliver() call

    @abstractmethod
    def deliver(self, envelope: Envelope, recipients: Sequence[Recipient]) -> None:
        """Deliver to every recipient or raise DeliveryError."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default has none."""
