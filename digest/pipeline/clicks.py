"""A reader follows a tracked link: record the click (judged as it arrives) and say where to go."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from digest import tracking
from digest.config import Settings
from digest.machine_clicks import ClickRequest, request_reason
from digest.render.html import safe_href
from digest.store import clicks as click_store
from digest.store import reach
from digest.store import sunset as sunset_store
from digest.store.db import transaction

__all__ = ["follow"]


def follow(
    settings: Settings,
    token: str,
    *,
    method: str,
    user_agent: str,
    headers: Mapping[str, str],
    now: datetime | None = None,
) -> str | None:
    """The destination of a genuine token (recording the click when it names a reader and
    clicks are tracked), or None for a token we did not sign."""
    target = tracking.read_token(settings.signing_key(), token)
    if target is None:
        return None
    destination = safe_href(target.url)
    if destination is None:
        return None
    if settings.track_clicks and target.subscriber_id is not None:
        _record(settings, target, method, user_agent, headers, now or datetime.now(UTC))
    return destination


def _record(
    settings: Settings,
    target: tracking.LinkTarget,
    method: str,
    user_agent: str,
    headers: Mapping[str, str],
    now: datetime,
) -> None:
    assert target.subscriber_id is not None
    with transaction(settings.database_url) as conn:
        accepted = reach.accepted_at(conn, target.edition_id, target.subscriber_id, target.channel)
        seconds = (now - _aware(accepted)).total_seconds() if accepted is not None else None
        request = ClickRequest(
            method=method,
            user_agent=user_agent,
            headers={name.lower(): value for name, value in headers.items()},
            seconds_after_accept=seconds,
            trap=target.item_id == tracking.TRAP_ITEM,
        )
        reason = request_reason(request, min_seconds=settings.human_click_min_seconds)
        click_store.add(
            conn,
            click_store.StoredClick(
                edition_id=target.edition_id,
                subscriber_id=target.subscriber_id,
                channel=target.channel,
                item_id=target.item_id or None,
                url=target.url,
                method=method.upper(),
                machine_reason=reason,
                at=now,
            ),
        )
        if reason is None:  # a reader: any question sunsetting asked is answered
            sunset_store.engaged(conn, [target.subscriber_id], now)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
