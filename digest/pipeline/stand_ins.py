"""Who an email is personalized for when no reader is: its placeholders
(``digest.render.PLACEHOLDERS``) still need a name and links.

``for_anyone`` fills them for pages anyone may see — the web view, the archive, the desk's
framed emails — with links to /manage, where a reader asks for their own.
``editor_recipient`` stands in for a test send to an editor; its links lead to no reader.
"""

from __future__ import annotations

from dataclasses import replace

from digest.config import Settings
from digest.models import Recipient
from digest.render import personalize

__all__ = ["editor_recipient", "for_anyone"]


def _anyone(settings: Settings) -> Recipient:
    """Nobody in particular."""
    manage = f"{settings.public_url}/manage"
    return Recipient(
        subscriber_id=0, address="", name="reader", unsubscribe_url=manage, preferences_url=manage
    )


def for_anyone(settings: Settings, html: str, *, local_time: str = "") -> str:
    """Email HTML as a page shows it: the neutral reader's name and links in its placeholders
    (no greeting; ``local_time``: the moment a breaking email states, as the page says it)."""
    return personalize(html, replace(_anyone(settings), local_time=local_time), html_escape=True)


def editor_recipient(settings: Settings, address: str) -> Recipient:
    """An editor getting a test send at ``address``, with links that lead to no reader."""
    public = settings.public_url
    return Recipient(0, address, "Editor", f"{public}/unsubscribe/test", f"{public}/preferences/test")
