"""send_batch: claim ledger rows, hand them to their channel, record what happened.

Rows are claimed (``sending``) before the provider is called and marked ``sent`` right
after it accepts them. If the worker dies in between, the task is delivered again
(acks_late) with the same batch token; once the rows have been in flight longer than the
visibility timeout, that run re-sends exactly the in-flight batch — a repeat the README
documents — and the log says so. The other is a provider that had the request but never
answered (``DeliveryError.maybe_delivered``): its recipients are retried, and
``outcome.failed`` logs that they may get it twice. What each outcome writes is
``digest.pipeline.outcome``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from digest import links, tracking
from digest.channels.base import DeliveryChannel, Envelope
from digest.channels.registry import email_channel, telegram_channel
from digest.config import Settings
from digest.errors import (
    ChannelConfigError,
    ChatMigrated,
    ChatRefused,
    DeliveryError,
    PartiallyDelivered,
    RecipientGone,
)
from digest.models import Channel, DeliveryState, Recipient, RenderedEdition
from digest.pipeline import breaker, outcome, retrying
from digest.pipeline.outcome import BatchResult
from digest.render.personalize import greeting, local_time
from digest.store import alerts, ledger
from digest.store import editions as edition_store
from digest.store import stops as stop_store
from digest.store import subscribers as subscriber_store
from digest.store.db import DATABASE_DOWN, transaction
from digest.store.ledger import Delivery

log = logging.getLogger(__name__)


def is_group_chat(chat: str) -> bool:
    """A group, supergroup or channel (negative id or @name), not a reader's private chat."""
    return chat.startswith(("-", "@"))


def send_batch(
    edition_id: int, channel: str, delivery_ids: list[int], batch: str, settings: Settings
) -> BatchResult:
    """Send the open rows among ``delivery_ids``; ``result.retry`` lists those to try again."""
    reclaim_after = timedelta(seconds=settings.visibility_timeout)
    with transaction(settings.database_url) as conn:
        stopped = stop_store.stopped_by(conn, edition_id)
        if stopped is not None:  # an editor stopped the send: what is left is never sent
            ledger.fail_open(conn, edition_id, delivery_ids, f"stopped by {stopped}", datetime.now(UTC))
            return BatchResult()
        if channel == Channel.EMAIL and breaker.is_paused(conn, edition_id):
            return BatchResult()  # rows stay pending: an editor resumes (the sweeper re-queues) or cancels
        # Too old to be worth sending, or the channel's breaker is open: failed, with the reason.
        held = retrying.held(conn, settings, edition_id, channel, delivery_ids, datetime.now(UTC))
        if held >= 0:
            return BatchResult(failed=held)
        claim = ledger.claim(conn, delivery_ids, batch, datetime.now(UTC), reclaim_after=reclaim_after)
        info = edition_store.info(conn, edition_id)
    context = {"edition": edition_id, "channel": channel, "batch": batch}
    if claim.reclaimed:
        log.warning(
            "re-sending in-flight batch %s of edition %s (%d recipients) after an interrupted send",
            batch,
            edition_id,
            claim.reclaimed,
            extra={**context, "reclaimed": claim.reclaimed},
        )
    result = BatchResult(reclaimed=claim.reclaimed)
    if claim.rows and info is not None:
        _deliver_claimed(channel_for(channel, settings), claim.rows, info[1], settings, result, context)
    _release(settings, claim, delivery_ids, result, reclaim_after, context)
    counts = {"sent": result.sent, "failed": result.failed, "retry": len(result.retry or ())}
    log.info(
        "edition %s: %s batch %s: %d sent, %d failed, %d to retry",
        edition_id,
        channel,
        batch,
        *counts.values(),
        extra={**context, **counts},
    )
    return result


def _deliver_claimed(
    sender: DeliveryChannel,
    rows: list[Delivery],
    list_name: str,
    settings: Settings,
    result: BatchResult,
    context: dict[str, object],
) -> None:
    """Hand the claimed rows over group by group, until one must wait for a retry."""
    groups = _groups(rows, sender.max_batch)
    for n, group in enumerate(groups):
        try:
            if not _deliver_group(sender, group, list_name, settings, result):
                return
        except ChannelConfigError as exc:  # no batch of this channel can succeed: stop them all
            rest = [row for later in groups[n:] for row in later]
            retrying.trip(settings, str(context["channel"]), exc, rows[0].edition_id, rest, datetime.now(UTC))
            result.failed += len(rest)
            return
        except DATABASE_DOWN as exc:
            log.warning(
                "edition %s: database unreachable during batch %s (%s); the rest waits for a retry",
                context["edition"],
                context["batch"],
                type(exc).__name__,
                extra=context,
            )
            return


def _release(
    settings: Settings,
    claim: ledger.Claim,
    delivery_ids: list[int],
    result: BatchResult,
    reclaim_after: timedelta,
    context: dict[str, object],
) -> None:
    """Claimed rows not reached go back for the task's retry (once the database answers again,
    or they would wait for the reclaim delay); rows another live run of this task holds are
    looked at again after the reclaim delay."""

    def release() -> list[int]:
        with transaction(settings.database_url) as conn:
            return ledger.release(conn, claim.rows, delivery_ids, datetime.now(UTC))

    still_open = outcome.patiently(
        settings, release, f"edition {context['edition']}: releasing batch {context['batch']}"
    )
    result.retry = sorted({*still_open, *claim.busy}) or None
    if claim.busy and result.retry_after is None:
        result.retry_after = reclaim_after.total_seconds()


@functools.cache  # settings are frozen, so they are a key
def channel_for(channel: str, settings: Settings) -> DeliveryChannel:
    """One channel object per process and settings: connections and pools are reused."""
    return email_channel(settings) if channel == Channel.EMAIL else telegram_channel(settings)


def _groups(rows: list[Delivery], size: int) -> list[list[Delivery]]:
    groups: list[list[Delivery]] = []
    for row in rows:
        if groups and len(groups[-1]) < size and groups[-1][0].variant_id == row.variant_id:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _deliver_group(
    sender: DeliveryChannel, group: list[Delivery], list_name: str, settings: Settings, result: BatchResult
) -> bool:
    """Send one group; False when a transient error means the rest must wait for a retry."""
    with transaction(settings.database_url) as conn:
        content = edition_store.variant(conn, group[0].variant_id)
    envelope = envelope_for(settings, group[0].edition_id, list_name, content)
    recipients = _recipients(settings, group, list_name, content)
    try:
        sender.deliver(envelope, recipients)
    except ChatMigrated as exc:
        return _migrated(sender, envelope, group[0], recipients[0], exc, settings, result)
    except RecipientGone as exc:
        outcome.gone(group, exc, settings)
        result.failed += len(group)
        return True
    except ChatRefused as exc:
        outcome.refused_chat(group, exc, settings)
        result.failed += len(group)
        return True
    except PartiallyDelivered as exc:
        went = set(exc.delivered)
        outcome.finish([row for row in group if row.subscriber_id in went], DeliveryState.SENT, settings)
        result.sent += len(went)
        refused = [row for row in group if row.subscriber_id in exc.refused]
        outcome.refused(refused, exc.refused, settings, result)
        rest = [row for row in group if row.subscriber_id not in went | exc.refused.keys()]
        return outcome.failed(rest, exc, settings, result)
    except ChannelConfigError:
        raise  # the whole channel stops (see _deliver_claimed)
    except DeliveryError as exc:
        return outcome.failed(group, exc, settings, result)
    except Exception as exc:  # data no channel expected must not sink the batch
        return _isolate(sender, group, list_name, settings, result, exc)
    outcome.finish(group, DeliveryState.SENT, settings)
    result.sent += len(group)
    _chats_working(group, settings)
    return True


def _isolate(
    sender: DeliveryChannel,
    group: list[Delivery],
    list_name: str,
    settings: Settings,
    result: BatchResult,
    exc: Exception,
) -> bool:
    """A channel raised something unexpected: find the recipient it belongs to by halving the
    group, so that one recipient's row fails alone, with its reason, and the rest goes out."""
    if len(group) == 1:
        log.exception(
            "edition %s: delivery %s to %r failed: %s",
            group[0].edition_id,
            group[0].id,
            group[0].address,
            exc,
            extra={"edition": group[0].edition_id, "channel": group[0].channel, "failed": 1},
        )
        outcome.finish(group, DeliveryState.FAILED, settings, f"{type(exc).__name__}: {exc}")
        result.failed += 1
        return True
    half = len(group) // 2
    if not _deliver_group(sender, group[:half], list_name, settings, result):
        return False
    return _deliver_group(sender, group[half:], list_name, settings, result)


def _migrated(
    sender: DeliveryChannel,
    envelope: Envelope,
    row: Delivery,
    recipient: Recipient,
    exc: ChatMigrated,
    settings: Settings,
    result: BatchResult,
) -> bool:
    """A group became a supergroup: record its new id and send there once."""
    with transaction(settings.database_url) as conn:
        subscriber_store.set_chat_id(conn, row.subscriber_id, exc.new_chat_id)
        ledger.set_address(conn, row.id, exc.new_chat_id)
    moved = replace(recipient, address=exc.new_chat_id, parts_sent=max(recipient.parts_sent, exc.sent_count))
    try:
        sender.deliver(envelope, [moved])
    except DeliveryError as again:
        return outcome.failed([row], again, settings, result)
    outcome.finish([row], DeliveryState.SENT, settings)
    result.sent += 1
    return True


def _chats_working(group: list[Delivery], settings: Settings) -> None:
    """Groups and channels that took the edition are no longer failing."""
    chats = [row.address for row in group if row.channel == Channel.TELEGRAM and is_group_chat(row.address)]
    if chats:
        with transaction(settings.database_url) as conn:
            alerts.chats_working(conn, chats)


def _recipients(
    settings: Settings, group: list[Delivery], list_name: str, content: RenderedEdition
) -> list[Recipient]:
    key, now, public = settings.signing_key(), datetime.now(UTC), settings.public_url
    moment = content.moment

    @functools.cache  # one string per zone, not per reader; the batch stays one request
    def times(zone: str) -> str:
        return local_time(moment, zone, content.language) if moment else ""

    return [
        Recipient(
            subscriber_id=row.subscriber_id,
            address=row.address,
            name=row.name,
            unsubscribe_url=links.unsubscribe_url(public, key, row.subscriber_id, list_name, row.link_token),
            preferences_url=links.preferences_url(
                public, key, row.subscriber_id, list_name, now, row.link_token
            ),
            parts_sent=row.parts_sent,
            click_key=tracking.reader_key(key, row.subscriber_id, row.edition_id, row.channel),
            greeting=greeting(row.name, content.language),
            local_time=times(row.timezone),
        )
        for row in group
    ]


def envelope_for(settings: Settings, edition_id: int, list_name: str, content: object) -> Envelope:
    assert isinstance(content, RenderedEdition)
    host = urlsplit(settings.public_url).hostname or "localhost"
    sender_domain = parseaddr(settings.from_email)[1].rpartition("@")[2] or host
    return Envelope(
        edition_id=edition_id,
        list_name=list_name,
        content=content,
        from_email=settings.from_email,
        list_id=f"{settings.newsroom_name} {list_name} <{list_name}.{host}>",
        unsubscribe_mailto=f"mailto:unsubscribe@{sender_domain}?subject=unsubscribe%20{list_name}",
        categories=("digest", list_name),
    )


def envelope_for_test_send(settings: Settings, list_name: str, rendered: RenderedEdition) -> Envelope:
    """The envelope of an editor's test send: as readers would get it, marked as a test (the
    subject says so), for edition 0 (no ledger row)."""
    return replace(envelope_for(settings, 0, list_name, rendered), test=True)
