"""Branding: what makes the email and the Telegram digest look like the newsroom's own.

Everything here comes from settings (``Branding.from_settings``), so a newsroom changes
its colours, logo, footer, call to action and section titles without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from digest.render.utm import Utm

if TYPE_CHECKING:
    from digest.config import Settings

__all__ = ["Branding", "CallToAction"]

_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
DEFAULT_MAX_EMAIL_BYTES = 90 * 1024


@dataclass(frozen=True, slots=True)
class CallToAction:
    """A block under the lead story, e.g. a membership drive: text, progress, a button."""

    text: str
    button_label: str = ""
    button_url: str | None = None
    progress: int | None = None
    goal: int | None = None

    @property
    def percent(self) -> int | None:
        """Progress towards the goal, 0–100, for the bar."""
        if self.progress is None or not self.goal:
            return None
        return max(0, min(100, round(100 * self.progress / self.goal)))

    @property
    def progress_label(self) -> str:
        """ "18,340 of 25,000", or "" without a goal."""
        if self.percent is None:
            return ""
        return f"{self.progress:,} of {self.goal:,}"


@dataclass(frozen=True)
class Branding:
    """The newsroom's look and the few layout choices it makes (size budget, Telegram extras)."""

    newsroom_name: str
    postal_address: str
    public_url: str
    brand_color: str = "#b3261e"
    logo_url: str | None = None
    logo_size: tuple[int, int] = (160, 40)
    footer_text: str = ""
    cta: CallToAction | None = None
    section_titles: tuple[tuple[str, str], ...] = ()
    utm: Utm = field(default_factory=Utm)
    max_email_bytes: int = DEFAULT_MAX_EMAIL_BYTES
    telegram_lead_photo: bool = False
    telegram_bot_username: str | None = None
    subject_format: str = "{top}"

    def __post_init__(self) -> None:
        # The color goes into CSS unescaped; accept only a plain hex color.
        if not _COLOR.fullmatch(self.brand_color):
            raise ValueError(f"brand_color must be a hex color like #b3261e, got {self.brand_color!r}")

    def section_title(self, name: str, title: str) -> str:
        """The configured title of section ``name``, else the one composing gave it."""
        return dict(self.section_titles).get(name.lower(), title)

    @classmethod
    def from_settings(cls, settings: Settings) -> Branding:
        cta = None
        if settings.cta_text:
            progress, goal = settings.cta_progress or (None, None)
            cta = CallToAction(
                settings.cta_text, settings.cta_button_label, settings.cta_button_url, progress, goal
            )
        return cls(
            settings.newsroom_name,
            settings.postal_address,
            settings.public_url,
            brand_color=settings.brand_color,
            logo_url=settings.logo_url,
            logo_size=settings.logo_size,
            footer_text=settings.footer_text,
            cta=cta,
            section_titles=settings.section_titles,
            utm=Utm(
                settings.utm_source, settings.utm_medium, settings.utm_campaign, settings.utm_skip_domains
            ),
            max_email_bytes=settings.email_max_kb * 1024,
            telegram_lead_photo=settings.telegram_lead_photo,
            telegram_bot_username=settings.telegram_bot_username,
            subject_format=settings.subject_format,
        )
