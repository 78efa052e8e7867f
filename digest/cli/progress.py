"""Progress bars: run tasks in-process one by one, or follow them through the ledger."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from digest import config
from digest.models import DeliveryState
from digest.pipeline.desk import delivery_counts
from digest.pipeline.planning import SendPlan

DONE = (DeliveryState.SENT, DeliveryState.FAILED)


def bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


def eager(settings: config.Settings) -> bool:
    return settings.broker_url is None


def run_each(
    description: str,
    ids: list[int],
    enqueue: Callable[[int], object],
    settings: config.Settings,
    done: Callable[[], int] | None = None,
    timeout: float = 600,
) -> None:
    """Enqueue one task per id; in-process they run as we go, with a broker we poll ``done``."""
    with bar() as progress:
        task = progress.add_task(description, total=len(ids))
        for one in ids:
            enqueue(one)
            if eager(settings):
                progress.advance(task)
        if not eager(settings) and done is not None:
            _poll(progress, task, done, len(ids), timeout)


def send(
    plan: SendPlan, settings: config.Settings, *, follow: bool = True, timeout: float = 3600
) -> dict[str, int]:
    """Queue the plan's batches and show delivery progress; return the ledger counts."""
    from digest.tasks import send_batch

    total = plan.deliveries
    with bar() as progress:
        task = progress.add_task(f"sending {plan.list_name}", total=total)
        for channel, ids in plan.batches:
            send_batch.delay(plan.edition_id, channel, ids, uuid.uuid4().hex)
            if eager(settings):
                progress.advance(task, len(ids))
        if follow and not eager(settings) and plan.edition_id is not None:
            edition = plan.edition_id
            _poll(progress, task, lambda: _finished(settings, edition, total), total, timeout)
    return counts(settings, plan.edition_id) if plan.edition_id else {}


def counts(settings: config.Settings, edition_id: int) -> dict[str, int]:
    return delivery_counts(settings, edition_id)


def _finished(settings: config.Settings, edition_id: int, total: int) -> int:
    found = counts(settings, edition_id)
    return min(total, sum(found[str(state)] for state in DONE))


def _poll(progress: Progress, task: object, done: Callable[[], int], total: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        finished = done()
        progress.update(task, completed=finished)  # type: ignore[arg-type]
        if finished >= total:
            return
        time.sleep(0.5)
