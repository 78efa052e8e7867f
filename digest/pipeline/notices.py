"""One-off emails to one reader (confirmation, their own links): one envelope, one delivery."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from digest.channels.base import Envelope
from digest.channels.registry import email_channel
from digest.config import Settings
from digest.models import Recipient, RenderedEdition
from digest.render import Branding, inline_css, make_environment

__all__ = ["notice_environment", "render_notice", "send_notice"]


@functools.cache
def notice_environment(templates_dir: Path | None, language: str = "en") -> jinja2.Environment:
    """One environment per templates folder and language, made once."""
    return make_environment(templates_dir, language)


def render_notice(settings: Settings, template: str, language: str = "en", **context: Any) -> str:
    """A one-off email's HTML (``template`` extends ``email/_notice.html``), CSS inlined."""
    env = notice_environment(settings.templates_dir, language)
    page = env.get_template(template).render(branding=Branding.from_settings(settings), **context)
    return inline_css(page)


def send_notice(
    settings: Settings,
    recipient: Recipient,
    *,
    subject: str,
    preheader: str,
    html: str,
    text: str,
    category: str,
) -> None:
    """Email ``recipient`` through the configured email channel, outside any edition."""
    content = RenderedEdition(subject=subject, preheader=preheader, html=html, text=text, telegram=())
    host = urlsplit(settings.public_url).hostname or "localhost"
    envelope = Envelope(
        edition_id=0,
        list_name=category,
        content=content,
        from_email=settings.from_email,
        list_id=f"{settings.newsroom_name} {category} <{category}.{host}>",
        categories=(category,),
    )
    channel = email_channel(settings)
    try:
        channel.deliver(envelope, [recipient])
    finally:
        channel.close()
