"""Email through SendGrid's v3 Mail Send API, one request for up to 1,000 recipients.

The edition goes out once per request; each recipient is a personalization carrying their
own substitutions (``-unsubscribe_url-`` …), ``List-Unsubscribe`` headers and ``custom_args``
(edition, subscriber and list, for the event webhook). Errors are mapped in one place,
``SendGridChannel.raise_for_response``:

====================  =====================================================================
2xx                   accepted
400                   ``DeliveryError(permanent=True)`` naming SendGrid's fields; when every
                      error names a personalization, only those recipients are refused
                      (``PartiallyDelivered.refused``) and the others are sent again
401, 403              ``ChannelConfigError`` (the key is wrong or lacks Mail Send)
404, 405              ``ChannelConfigError`` (``DIGEST_SENDGRID_API_URL`` is wrong)
413                   ``BatchTooLarge``: ``deliver`` halves the batch and sends both halves
429                   ``DeliveryError(retry_after=seconds until X-RateLimit-Reset, >= 1)``;
                      ``deliver`` waits it out once itself when that is at most ``max_wait``
5xx, timeout, reset   ``DeliveryError(permanent=False)``; ``maybe_delivered`` when SendGrid had
                      the whole request (no answer in time, the connection dropped waiting)
====================  =====================================================================

Retrying with backoff is the caller's job. When a batch was split and only some halves got
through, ``deliver`` raises ``PartiallyDelivered`` listing who did get the email, so a retry
can skip them. The API key never reaches a log record or an exception message.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import time
import urllib.error
from collections.abc import Callable, Mapping, Sequence
from email.message import Message
from email.utils import parseaddr
from typing import Any, ClassVar, Protocol

import python_http_client.exceptions
import sendgrid

from digest import logs
from digest.channels.base import DeliveryChannel, Envelope, display_name
from digest.channels.outbox import list_unsubscribe, subject_for
from digest.config import Settings
from digest.errors import ChannelConfigError, ConfigError, DeliveryError, PartiallyDelivered
from digest.limits import SENDGRID_MAX_PERSONALIZATIONS
from digest.models import Channel, Recipient
from digest.ratelimit import LimiterUnavailable, RateLimited, RateLimiter, limiter_for
from digest.render import PLACEHOLDERS, substitutions
from digest.retry import IN_PLACE_WAIT, RetryPolicy

__all__ = ["BatchTooLarge", "PartiallyDelivered", "SendGridChannel", "SharedRate"]

log = logging.getLogger(__name__)

MAX_CATEGORIES = 10
MAX_CATEGORY_LENGTH = 255
# SendGrid substitutes plain strings into every part alike, so the HTML part carries its own
# tags (-name- becomes -name_html-) whose values are escaped: "<b>Eve</b>" stays text.
HTML_TAGS = {tag: f"{tag[:-1]}_html-" for tag in PLACEHOLDERS.values()}


class MessageRefused(DeliveryError):
    """SendGrid answered 400. ``recipients`` maps the index of each personalization its errors
    name to what was wrong; empty when an error is about the message itself."""

    def __init__(self, message: str, recipients: dict[int, str] | None = None, **_: object) -> None:
        super().__init__(message, permanent=True)
        self.recipients = dict(recipients or {})


class BatchTooLarge(DeliveryError):
    """SendGrid answered 413: the request body is too large; send fewer recipients at once."""

    def __init__(self, message: str, **_: object) -> None:
        super().__init__(message, permanent=False)


class Waiter(Protocol):
    def wait(self) -> object: ...


Throttle = Callable[[], object] | Waiter


class SharedRate:
    """A throttle: one slot of the account-wide request rate per request, waiting up to ``max_wait``.

    A longer wait raises a transient ``DeliveryError`` with ``retry_after``, so the Celery task
    re-schedules itself instead of holding a worker.
    """

    key = "sendgrid:mail-send"

    def __init__(self, limiter: RateLimiter, rate_per_sec: float, *, max_wait: float = 5.0) -> None:
        self._limiter = limiter
        self._rate = rate_per_sec
        self._max_wait = max_wait

    def wait(self) -> None:
        try:
            self._limiter.acquire(self.key, self._rate, 1, max_wait=self._max_wait)
        except RateLimited as exc:
            raise DeliveryError(
                f"sendgrid: request rate reached, next slot in {exc.wait:.1f}s", retry_after=exc.wait
            ) from None
        except LimiterUnavailable as exc:
            raise DeliveryError(f"sendgrid: {exc}", retry_after=self._max_wait) from None


class SendGridChannel(DeliveryChannel):
    """Email through SendGrid; ``throttle`` is called before every request (the shared rate limit)."""

    name: ClassVar[str] = "sendgrid"
    medium: ClassVar[Channel] = Channel.EMAIL
    max_batch: ClassVar[int] = SENDGRID_MAX_PERSONALIZATIONS  # one personalization per recipient

    def __init__(
        self,
        api_key: str,
        *,
        host: str = "https://api.sendgrid.com",
        timeout: float = 20.0,
        throttle: Throttle | None = None,
        max_wait: float = IN_PLACE_WAIT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api_key = api_key
        logs.protect(api_key)  # python_http_client logs request headers at DEBUG
        self._api = sendgrid.SendGridAPIClient(api_key=api_key, host=host)
        # python_http_client passes this to urlopen() for every request it builds.
        self._api.client.timeout = timeout
        self._throttle: Callable[[], object] = (
            (lambda: None) if throttle is None else throttle if callable(throttle) else throttle.wait
        )
        self.max_wait = max_wait
        self._policy = RetryPolicy(in_place_wait=max_wait)  # the one retry policy decides the wait
        self._sleep = sleep
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, throttle: Throttle | None = None) -> SendGridChannel:
        """The channel with ``DIGEST_SENDGRID_RATE`` shared by every worker (through Redis if set)."""
        if not settings.sendgrid_api_key:
            raise ConfigError("SENDGRID_API_KEY", "required when DIGEST_EMAIL_CHANNEL=sendgrid")
        if throttle is None:
            throttle = SharedRate(limiter_for(settings), settings.sendgrid_rate)
        return cls(settings.sendgrid_api_key, host=settings.sendgrid_api_url, throttle=throttle)

    def deliver(self, envelope: Envelope, recipients: Sequence[Recipient]) -> None:
        batch = self._unique(recipients)
        delivered: list[int] = []
        refused: dict[int, str] = {}
        try:
            for start in range(0, len(batch), self.max_batch):
                self._send_halving(envelope, batch[start : start + self.max_batch], delivered, refused)
        except ChannelConfigError:
            raise
        except DeliveryError as exc:
            if not delivered and not refused:
                raise
            raise PartiallyDelivered(
                f"sendgrid: {len(delivered)} of {len(batch)} recipients accepted, then {exc.message}",
                tuple(delivered),
                permanent=exc.permanent,
                retry_after=exc.retry_after,
                refused=refused,
                maybe_delivered=exc.maybe_delivered,
            ) from exc
        if refused:
            raise PartiallyDelivered(
                f"sendgrid: {len(refused)} of {len(batch)} recipients refused",
                tuple(delivered),
                permanent=True,
                refused=refused,
            )

    def request_body(self, envelope: Envelope, recipients: Sequence[Recipient]) -> dict[str, Any]:
        """The JSON of one Mail Send request (public so tests and tools can inspect it)."""
        from_name, from_address = parseaddr(envelope.from_email)
        sender = {"email": from_address, "name": from_name} if from_name else {"email": from_address}
        html = envelope.content.html
        for tag, html_tag in HTML_TAGS.items():
            html = html.replace(tag, html_tag)
        parts = (("text/plain", envelope.content.text), ("text/html", html))
        body: dict[str, Any] = {
            "personalizations": [self._personalization(envelope, r) for r in recipients],
            "from": sender,
            "subject": subject_for(envelope),
            # SendGrid requires text/plain before text/html.
            "content": [{"type": kind, "value": value} for kind, value in parts if value],
            "headers": {"List-Id": envelope.list_id, "X-Digest-Edition": str(envelope.edition_id)},
        }
        categories = _categories(envelope.categories)
        if categories:
            body["categories"] = categories
        return body

    def raise_for_response(
        self, status: int, body: bytes | str | None, headers: Mapping[str, str] | Message | None
    ) -> None:
        """Return on 2xx; otherwise raise the DeliveryError that says whether a retry helps."""
        if 200 <= status < 300:
            return
        errors = self._redact(_describe_errors(body))
        if status == 400:
            log.warning("sendgrid refused the message: %s", errors)
            raise MessageRefused(
                f"sendgrid: the message was refused (400): {errors}", _per_recipient(body, self._redact)
            )
        if status in (401, 403):
            log.error("sendgrid refused the API key (%s): %s", status, errors)
            raise ChannelConfigError(f"SendGrid refused the API key: {status} {errors}")
        if status in (404, 405):
            raise ChannelConfigError(f"sendgrid: {status} from the API, check DIGEST_SENDGRID_API_URL")
        if status == 413:
            raise BatchTooLarge(f"sendgrid: the request is too large (413): {errors}")
        if status == 429:
            retry_after = self._seconds_until_reset(headers)
            when = f", retry in {retry_after:.0f}s" if retry_after is not None else ""
            raise DeliveryError(f"sendgrid: rate limited (429){when}", retry_after=retry_after)
        raise DeliveryError(f"sendgrid: {status} from the API: {errors}", permanent=400 <= status < 500)

    def _send_halving(
        self, envelope: Envelope, batch: Sequence[Recipient], delivered: list[int], refused: dict[int, str]
    ) -> None:
        try:
            self._send(self.request_body(envelope, batch))
        except MessageRefused as exc:
            named = {i: why for i, why in exc.recipients.items() if 0 <= i < len(batch)}
            if not named or len(named) != len(exc.recipients):
                raise  # about the message itself: nobody can get it
            for index, why in named.items():
                recipient = batch[index]
                refused[recipient.subscriber_id] = f"sendgrid refused {recipient.address!r} (400): {why}"
            rest = [recipient for index, recipient in enumerate(batch) if index not in named]
            log.warning("sendgrid: %d recipients refused, sending the other %d", len(named), len(rest))
            if rest:
                self._send_halving(envelope, rest, delivered, refused)
        except BatchTooLarge as exc:
            if len(batch) == 1:
                raise DeliveryError(
                    "sendgrid: the message is too large even for one recipient (413)", permanent=True
                ) from exc
            half = len(batch) // 2
            log.info("sendgrid: 413 for %d recipients, sending them in two halves", len(batch))
            self._send_halving(envelope, batch[:half], delivered, refused)
            self._send_halving(envelope, batch[half:], delivered, refused)
        else:
            delivered.extend(recipient.subscriber_id for recipient in batch)

    def _send(self, body: dict[str, Any]) -> None:
        """One request; a 429 due within ``max_wait`` seconds is waited out once, here."""
        self._throttle()
        try:
            self._post(body)
        except DeliveryError as exc:
            # Only a 429 carries retry_after out of _post.
            if exc.retry_after is None or not self._policy.waits_in_place(exc.retry_after):
                raise
            log.info("sendgrid: rate limited, waiting %ss", exc.retry_after)
            self._sleep(exc.retry_after)
            self._throttle()
            self._post(body)

    def _post(self, body: dict[str, Any]) -> None:
        try:
            response = self._api.send(body)
        except python_http_client.exceptions.HTTPError as exc:
            # Mapped and dropped: library exceptions do not survive Celery's pickling.
            self.raise_for_response(exc.status_code, exc.body, exc.headers)
            raise DeliveryError(f"sendgrid: unexpected {exc.status_code} from the API") from None
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets
            reason = getattr(exc, "reason", None) or exc
            # urllib wraps what fails while connecting or writing the request in URLError;
            # anything else failed while SendGrid had the whole request, and may have sent it.
            raise DeliveryError(
                f"sendgrid: request failed: {self._redact(str(reason))}",
                maybe_delivered=not isinstance(exc, urllib.error.URLError),
            ) from None
        self.raise_for_response(response.status_code, response.body, response.headers)

    def _personalization(self, envelope: Envelope, recipient: Recipient) -> dict[str, Any]:
        name = display_name(recipient.name)  # whatever the stored name holds, never a broken header
        to = (
            {"email": recipient.address.strip(), "name": name}
            if name
            else {"email": recipient.address.strip()}
        )
        values = substitutions(recipient)
        for tag, value in substitutions(recipient, html_escape=True).items():
            values[HTML_TAGS[tag]] = value
        headers = list_unsubscribe(envelope, recipient)
        headers["X-Digest-Subscriber"] = str(recipient.subscriber_id)
        return {
            "to": [to],
            "substitutions": values,
            "headers": headers,
            # Top-level custom_args is typed as a string in SendGrid's spec, so the list goes here.
            "custom_args": {
                "edition_id": str(envelope.edition_id),
                "subscriber_id": str(recipient.subscriber_id),
                "list": envelope.list_name,
            },
        }

    def _unique(self, recipients: Sequence[Recipient]) -> list[Recipient]:
        """SendGrid refuses a request naming one address twice; the first subscriber wins."""
        seen: set[str] = set()
        unique: list[Recipient] = []
        for recipient in recipients:
            key = recipient.address.strip().lower()
            if key in seen:
                log.warning("sendgrid: subscriber %s repeats an address; skipped", recipient.subscriber_id)
                continue
            seen.add(key)
            unique.append(recipient)
        return unique

    def _seconds_until_reset(self, headers: Mapping[str, str] | Message | None) -> float | None:
        reset = headers.get("X-RateLimit-Reset") if headers is not None else None
        try:
            return max(1.0, float(reset) - self._clock()) if reset is not None else None
        except ValueError:
            return None

    def _redact(self, text: str) -> str:
        return logs.redact(text)  # the key is protected in __init__


def _describe_errors(body: bytes | str | None) -> str:
    """SendGrid's ``{"errors": [{"field", "message"}]}`` as ``field: message; …``."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        errors = json.loads(body or "")["errors"]
        described = [
            f"{error['field']}: {error.get('message')}"
            if error.get("field") not in (None, "null")
            else str(error.get("message"))
            for error in errors
        ]
    except (ValueError, KeyError, TypeError):
        return (body or "no details")[:300]
    return "; ".join(described) or "no details"


_PERSONALIZATION = re.compile(r"^personalizations\.(\d+)\b")


def _per_recipient(body: bytes | str | None, redact: Callable[[str], str]) -> dict[int, str]:
    """Personalization index -> its errors, when every error of a 400 names one; else {}."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        errors = json.loads(body or "")["errors"]
        named = [(_PERSONALIZATION.match(str(e.get("field") or "")), str(e.get("message"))) for e in errors]
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}
    if not named or any(match is None for match, _ in named):
        return {}
    found: dict[int, str] = {}
    for match, message in named:
        assert match is not None
        index = int(match.group(1))
        found[index] = redact(f"{found[index]}; {message}" if index in found else message)
    return found


def _categories(categories: Sequence[str]) -> list[str]:
    """At most 10 distinct, non-empty names of at most 255 characters, as SendGrid allows."""
    unique = dict.fromkeys(c[:MAX_CATEGORY_LENGTH] for c in categories if c.strip())
    return list(unique)[:MAX_CATEGORIES]
