"""Who an email is personalized for when no reader is: its placeholders
(``digest.render.PLACEHOLDERS``) still need a name and links.

``for_anyone`` fills them for pages anyone may see — the web view, the archive — with links
to /manage, where a reader asks for their own.
``for_editor`` fills them for an editor's own look at an email (the desk's framed previews)
and ``editor_recipient`` stands in for a test send or a ``digest preview`` file: both read as
a reader would — a sample greeting, the time a breaking email states in the editor's zone
(UTC where no editor is known) — with links that lead to no reader.
"""

from __future__ import annotations

from dataclasses import replace

from digest.config import Settings
from digest.i18n import translate
from digest.models import Recipient, RenderedEdition
from digest.render import personalize
from digest.render.personalize import greeting, local_time

__all__ = ["editor_recipient", "for_anyone", "for_editor"]


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


def _as_a_reader(recipient: Recipient, content: RenderedEdition, zone: str) -> Recipient:
    """``recipient`` with what a reader's copy carries: a sample name greeted the way readers
    are, and the email's moment in ``zone``."""
    name = translate(content.language, "Editor")  # editors' accounts have no name of their own
    moment = content.moment
    return replace(
        recipient,
        name=name,
        greeting=greeting(name, content.language),
        local_time=local_time(moment, zone, content.language) if moment else "",
    )


def for_editor(settings: Settings, content: RenderedEdition, zone: str = "UTC") -> str:
    """``content``'s email HTML as an editor in ``zone`` previews it: what a reader gets, with
    the neutral links of ``for_anyone``."""
    return personalize(content.html, _as_a_reader(_anyone(settings), content, zone), html_escape=True)


def editor_recipient(
    settings: Settings, address: str, content: RenderedEdition, zone: str = "UTC"
) -> Recipient:
    """An editor in ``zone`` getting ``content`` as a test at ``address``, with links that
    lead to no reader."""
    public = settings.public_url
    links = Recipient(0, address, "", f"{public}/unsubscribe/test", f"{public}/preferences/test")
    return _as_a_reader(links, content, zone)
