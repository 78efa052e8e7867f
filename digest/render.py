"""Rendering: an edition's content becomes email HTML and text, a subject, Telegram messages.

Pure given a Jinja environment. Each variant is rendered once: per-recipient values appear
as SendGrid-style substitution tags (``PLACEHOLDERS``) that channels fill in, SendGrid on
its servers and the outbox through ``personalize``. CSS is inlined here, once per variant.

Templates are looked up first in ``templates_dir`` (``DIGEST_TEMPLATES_DIR``), then in the
bundled ``templates/`` folder, under the same relative names (``email/edition.html`` …).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import jinja2
from markupsafe import Markup
from premailer import Premailer

from digest.group import other_sources
from digest.models import EditionContent, Item, Recipient, RenderedEdition, Section, Story
from digest.telegram_format import ALSO_IN_SHOWN, render_telegram, safe_href

__all__ = [
    "BUNDLED_TEMPLATES",
    "PLACEHOLDERS",
    "Branding",
    "Renderer",
    "inline_css",
    "make_environment",
    "personalize",
    "preheader",
    "subject_line",
    "substitutions",
]

BUNDLED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Recipient field -> the tag that stands for it in rendered html and text.
PLACEHOLDERS: Mapping[str, str] = MappingProxyType(
    {"unsubscribe_url": "-unsubscribe_url-", "preferences_url": "-preferences_url-", "name": "-name-"}
)
_PLACEHOLDER = re.compile("|".join(re.escape(tag) for tag in PLACEHOLDERS.values()))
SUMMARY_MAX_CHARS = 320
PREHEADER_HEADLINES = 3
_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


class _BrandingSettings(Protocol):
    @property
    def newsroom_name(self) -> str: ...
    @property
    def postal_address(self) -> str: ...
    @property
    def public_url(self) -> str: ...


@dataclass(frozen=True)
class Branding:
    """What makes the email look like the newsroom's own."""

    newsroom_name: str
    postal_address: str
    public_url: str
    brand_color: str = "#b3261e"
    logo_url: str | None = None
    footer_text: str = ""

    def __post_init__(self) -> None:
        # The color goes into CSS unescaped; accept only a plain hex color.
        if not _COLOR.fullmatch(self.brand_color):
            raise ValueError(f"brand_color must be a hex color like #b3261e, got {self.brand_color!r}")

    @classmethod
    def from_settings(cls, settings: _BrandingSettings) -> Branding:
        return cls(settings.newsroom_name, settings.postal_address, settings.public_url)


def make_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """Jinja environment: overrides first, bundled templates second; autoescape for html."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(BUNDLED_TEMPLATES)]
    if templates_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(templates_dir))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


class Renderer:
    """Renders edition variants with one newsroom's branding and templates."""

    def __init__(self, branding: Branding, templates_dir: Path | None = None) -> None:
        self.branding = branding
        self.env = make_environment(templates_dir)

    def render(self, content: EditionContent, *, edition_id: int | None, web_url: str) -> RenderedEdition:
        """The variant as subject, preheader, inlined HTML, plain text and Telegram messages."""
        context = self._context(content, edition_id=edition_id, web_url=web_url)
        page = self.env.get_template("email/edition.html").render(context)
        text = self.env.get_template("email/edition.txt").render(context)
        lead = context["lead"]
        return RenderedEdition(
            subject=context["subject"],
            preheader=context["preheader"],
            html=inline_css(page),
            text=text,
            telegram=render_telegram(content, web_url=web_url),
            lead_url=safe_href(lead.lead.url) if lead else None,
        )

    def _context(self, content: EditionContent, *, edition_id: int | None, web_url: str) -> dict[str, Any]:
        lead = _lead_story(content)
        return {
            "branding": self.branding,
            "content": content,
            "edition_id": edition_id,
            "list_name": content.list_name,
            "date_label": f"{content.date:%A}, {content.date.day} {content.date:%B %Y}",
            "subject": subject_line(content, self.branding.newsroom_name),
            "preheader": preheader(content),
            "lead": lead,
            "sections": _without(content.sections, lead),
            "web_url": safe_href(web_url) or "",
            "unsubscribe_url": PLACEHOLDERS["unsubscribe_url"],
            "preferences_url": PLACEHOLDERS["preferences_url"],
            "name": PLACEHOLDERS["name"],
            "href": safe_href,
            "also": other_sources,
            "also_shown": ALSO_IN_SHOWN,
            "summary_html": summary_html,
            "summary_text": summary_text,
        }


def _lead_story(content: EditionContent) -> Story | None:
    stories = content.stories
    return max(stories, key=lambda story: story.score) if stories else None


def _without(sections: list[Section], lead: Story | None) -> list[Section]:
    """The sections minus the lead story, which the masthead already shows; empty ones dropped."""
    trimmed = [Section(s.name, s.title, [st for st in s.stories if st is not lead]) for s in sections]
    return [section for section in trimmed if section.stories]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def subject_line(content: EditionContent, newsroom_name: str) -> str:
    """ "Newsroom, 5 March 2025: Lead headline" — on one line, as mail headers need."""
    date = f"{content.date.day} {content.date:%B %Y}"
    lead = _lead_story(content)
    headline = lead.lead.title if lead else content.title
    return _one_line(f"{newsroom_name}, {date}: {headline}")


def preheader(content: EditionContent) -> str:
    """The inbox preview line: the first few headlines."""
    titles = [_one_line(story.lead.title) for story in content.stories[:PREHEADER_HEADLINES]]
    return " · ".join(titles) or _one_line(content.title)


def summary_text(item: Item, limit: int = SUMMARY_MAX_CHARS) -> str:
    """The plain summary, shortened at a word boundary."""
    text = _one_line(item.summary_text)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def summary_html(item: Item) -> Markup:
    """The summary for the email: the sanitized HTML when it is short, else shortened text."""
    if item.summary_html and len(_one_line(item.summary_text)) <= SUMMARY_MAX_CHARS:
        # summary_html is sanitized by digest.collect (nh3) before it is stored.
        return Markup(item.summary_html)
    return Markup.escape(summary_text(item))


def inline_css(page: str) -> str:
    """Inline the ``<style>`` rules; media queries stay in a ``<style>`` for phones. No network."""
    inliner = Premailer(
        page,
        allow_network=False,
        allow_loading_external_files=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        strip_important=False,
    )
    result: str = inliner.transform(pretty_print=False)
    return result


def substitutions(recipient: Recipient, *, html_escape: bool = False) -> dict[str, str]:
    """Placeholder -> value for one recipient, escaped for HTML when asked."""
    values = {tag: str(getattr(recipient, field)) for field, tag in PLACEHOLDERS.items()}
    if html_escape:
        return {tag: html.escape(value, quote=True) for tag, value in values.items()}
    return values


def personalize(text: str, recipient: Recipient, *, html_escape: bool = False) -> str:
    """``text`` with the placeholders replaced by the recipient's values (pass
    ``html_escape=True`` for the HTML part)."""
    values = substitutions(recipient, html_escape=html_escape)
    # One pass, so a value that happens to look like a tag is left as it is.
    return _PLACEHOLDER.sub(lambda match: values[match.group(0)], text)
