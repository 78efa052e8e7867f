"""Sending an edition's rest from the desk: resume a stopped send, retry failed deliveries.

Both put ledger rows that were never handed to a provider back to pending and queue them
the way breaking news is queued (``dispatch``), Telegram first. Rows already sent are never
touched, so nobody gets the edition twice; the claim in ``digest.pipeline.delivering`` keeps
two clicks from sending a row twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Connection

from digest.config import Settings
from digest.errors import DigestError
from digest.models import Channel
from digest.pipeline.breaking import Dispatch, email_batch, email_batch_sizes
from digest.pipeline.planning import SendPlan, open_batches
from digest.store import audit as audit_store
from digest.store import desk as desk_store
from digest.store import editions as edition_store
from digest.store import stops as stop_store
from digest.store.db import transaction

__all__ = ["NothingToSend", "resume", "retry_failed"]

log = logging.getLogger(__name__)


class NothingToSend(DigestError):
    """The edition has no row to resume or retry."""


def resume(settings: Settings, edition_id: int, actor: str, dispatch: Dispatch) -> int:
    """Lift the stop and send what the stop held back; how many rows were reopened."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        list_name = _list_name(conn, edition_id)
        if not desk_store.clear_stop(conn, edition_id):
            raise NothingToSend(f"edition {edition_id} is not stopped")
        reopened = desk_store.reopen_failed(conn, edition_id, stopped=True, now=now)
        audit_store.audit(conn, actor, "edition.resume", str(edition_id), {"reopened": reopened}, now)
    _queue(settings, edition_id, list_name, dispatch)
    log.warning("edition %s resumed by %s: %d deliveries reopened", edition_id, actor, reopened)
    return reopened


def retry_failed(settings: Settings, edition_id: int, actor: str, dispatch: Dispatch) -> int:
    """Try the deliveries that failed (not those an editor stopped) once more."""
    now = datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        list_name = _list_name(conn, edition_id)
        if stop_store.stopped_by(conn, edition_id) is not None:
            raise NothingToSend(f"edition {edition_id} is stopped: resume it first")
        reopened = desk_store.reopen_failed(conn, edition_id, stopped=False, now=now)
        if not reopened:
            raise NothingToSend(f"edition {edition_id} has no failed delivery to retry")
        audit_store.audit(conn, actor, "edition.retry", str(edition_id), {"reopened": reopened}, now)
    _queue(settings, edition_id, list_name, dispatch)
    return reopened


def _list_name(conn: Connection, edition_id: int) -> str:
    info = edition_store.info(conn, edition_id)
    if info is None:
        raise NothingToSend(f"there is no edition {edition_id}")
    return info[1]


def _queue(settings: Settings, edition_id: int, list_name: str, dispatch: Dispatch) -> None:
    telegram_first = (str(Channel.TELEGRAM), str(Channel.EMAIL))
    sizes = email_batch_sizes(email_batch(settings))
    batches = open_batches(settings, edition_id, telegram_first, email_sizes=sizes)
    plan = SendPlan(list_name, edition_id, batches=batches)
    plan.recipients = plan.deliveries
    if plan.batches:
        dispatch(plan)
