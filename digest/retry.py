"""The one retry policy for deliveries: how long to wait before trying again, and when to stop.

Every place that decides about retrying a send asks ``RetryPolicy``: the pipeline when a
provider fails (``decide``), the send task when rows wait for another run or the database
is down (``backoff``, ``database_wait``), the wait for a database that answers again before
recording what was sent (``database_wait``), a provider's short rate-limit wait sat out in
the worker (``waits_in_place``), the sweeper and every send run (``expired``), and the
editors' in-process breaking sends.

A row is tried with exponential backoff and full jitter (5 s, 10 s, 20 s … up to 10 min) at
most ``max_attempts`` times, and never after its edition's kind's maximum age (a morning
digest delivered after noon is worse than none: 6 h for digests, 1 h for breaking news by
default). Then it is ``failed`` with the reason ``gave up after N attempts over H h: last
error …``. A wait the provider asked for (rate limits) is not a failed attempt; only the age
bounds it. ``digest retry`` re-opens an edition's failed rows on purpose, and its age counts
from then.

Pure: the clock (``now``) and the randomness (``jitter`` in [0, 1)) are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digest.config import Settings

__all__ = ["BREAKING", "DIGEST", "IN_PLACE_WAIT", "Decision", "RetryPolicy", "edition_kind"]

DIGEST = "digest"
BREAKING = "breaking"
IN_PLACE_WAIT = 5.0  # seconds: a provider's rate-limit wait this short is sat out in the worker


def edition_kind(slot: str) -> str:
    """``breaking`` for a breaking send's edition (slot ``breaking-…``), else ``digest``."""
    return BREAKING if slot.startswith("breaking") else DIGEST


@dataclass(frozen=True, slots=True)
class Decision:
    """Try again after ``wait`` seconds, or give up with ``reason``."""

    retry: bool
    wait: float = 0.0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 12
    digest_max_age: timedelta = timedelta(hours=6)
    breaking_max_age: timedelta = timedelta(hours=1)
    first_wait: float = 5.0  # seconds before the second attempt (before jitter)
    longest_wait: float = 600.0
    in_place_wait: float = IN_PLACE_WAIT
    database_longest_wait: float = 30.0
    database_task_retries: int = 40  # ~20 min of a database outage; then the sweeper takes over

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=settings.retry_max_attempts,
            digest_max_age=timedelta(hours=settings.retry_max_age_hours),
            breaking_max_age=timedelta(hours=settings.retry_breaking_max_age_hours),
        )

    def max_age(self, kind: str) -> timedelta:
        return self.breaking_max_age if kind == BREAKING else self.digest_max_age

    def deadline(self, started: datetime, kind: str) -> datetime:
        """The last moment a delivery of an edition started then may still be tried."""
        return started + self.max_age(kind)

    def expired(self, started: datetime, kind: str, now: datetime) -> bool:
        return now >= self.deadline(started, kind)

    def backoff(self, attempt: int, jitter: float) -> float:
        """Seconds to wait after the ``attempt``-th try (1-based): exponential, full jitter."""
        ceiling = min(self.longest_wait, self.first_wait * 2.0 ** max(0, attempt - 1))
        return ceiling * (0.5 + 0.5 * jitter)

    def database_wait(self, attempt: int, jitter: float = 1.0) -> float:
        """Seconds to wait for an unreachable database before the ``attempt``-th look (0-based)."""
        return min(self.database_longest_wait, 0.5 * 2.0**attempt) * (0.5 + 0.5 * jitter)

    def waits_in_place(self, retry_after: float) -> bool:
        """A provider asked for a wait short enough to sit out instead of handing it back."""
        return retry_after <= self.in_place_wait

    def decide(
        self,
        *,
        attempts: int,
        started: datetime,
        kind: str,
        now: datetime,
        error: str,
        retry_after: float | None = None,
        jitter: float = 1.0,
    ) -> Decision:
        """After a transient failure of a row tried ``attempts`` times (this one included):
        wait and retry, or give up. ``retry_after`` is the provider's own wait (rate limits),
        which is not counted as a failed attempt."""
        throttled = retry_after is not None
        wait = max(retry_after or 0.0, 0.0) if throttled else self.backoff(attempts, jitter)
        if not throttled and attempts >= self.max_attempts:
            return Decision(False, reason=self.give_up_reason(attempts, started, now, error))
        if now + timedelta(seconds=wait) >= self.deadline(started, kind):
            return Decision(False, reason=self.give_up_reason(attempts, started, now, error))
        return Decision(True, wait=wait)

    def give_up_reason(self, attempts: int, started: datetime, now: datetime, error: str) -> str:
        hours = max(0.0, (now - started).total_seconds() / 3600)
        plural = "" if attempts == 1 else "s"
        return f"gave up after {attempts} attempt{plural} over {hours:.1f} h: last error {error or 'none'}"
