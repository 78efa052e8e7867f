"""What the reader-side routes (sign-up, preferences, unsubscribe, archive, keep, the click
redirect, the webhook, operations) share: ``ReaderContext``, which ``create_app`` puts in the
app's state and ``digest.web.deps.ReaderDep`` hands to each route."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from digest.config import Settings
from digest.ratelimit import RateLimiter
from digest.web.pages import Pages
from digest.web.security import Csrf

__all__ = ["ReaderContext", "reader_context"]


@dataclass(frozen=True, slots=True)
class ReaderContext:
    settings: Settings
    pages: Pages
    csrf: Csrf
    # None: the sign-up and /manage limits read from the settings (``limiter_for``).
    limiter: RateLimiter | None = None


def reader_context(request: Request) -> ReaderContext:
    """The reader routes' context, which ``digest.web.app.create_app`` puts in the app's state."""
    ctx = request.app.state.reader
    assert isinstance(ctx, ReaderContext)
    return ctx
