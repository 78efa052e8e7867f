"""The renderer: an edition variant becomes an email (HTML and text), a subject and Telegram messages.

Pure given a Jinja environment. Each variant is rendered once; per-recipient values stay
placeholders (``digest.render.personalize``). CSS is inlined here, once per variant, and the
HTML is kept within the size budget (``digest.render.budget``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from premailer import Premailer

from digest import bundled
from digest.group import other_sources
from digest.i18n import (
    DEFAULT_LANGUAGE,
    date_label,
    day_month,
    long_date,
    supported,
    translations,
    weekday_name,
)
from digest.models import EditionContent, Item, RenderedEdition, Section, Story
from digest.render.branding import Branding
from digest.render.budget import Trim, fit, strip_marks
from digest.render.html import safe_href
from digest.render.personalize import defuse, new_nonce, seal, template_marks
from digest.render.sanitize import clean_summary
from digest.render.subject import DEFAULT_SUBJECT_FORMAT, SubjectFields, format_subject
from digest.render.telegram import ALSO_IN_SHOWN, render_telegram, telegram_extras
from digest.tracking import TRAP_ITEM, LinkTracker

__all__ = [
    "BUNDLED_TEMPLATES",
    "LEAD_IMAGE_SIZE",
    "Renderer",
    "inline_css",
    "make_environment",
    "preheader",
    "subject_line",
]

log = logging.getLogger(__name__)

# Installed: digest/templates inside the package; a checkout: the top-level templates/ folder.
BUNDLED_TEMPLATES = bundled.templates_dir()
SUMMARY_MAX_CHARS = 320
PREHEADER_HEADLINES = 3
# Feeds do not say how large their photos are; 16:9 is what most news sites publish. Clients
# that honour CSS keep the photo's own ratio (height: auto); Outlook uses these numbers.
LEAD_IMAGE_SIZE = (552, 310)


def make_environment(
    templates_dir: Path | None = None, language: str = DEFAULT_LANGUAGE
) -> jinja2.Environment:
    """Jinja environment: overrides first, bundled templates second; autoescape for html; the
    readers' strings (``{% trans %}``, ``_()``) in ``language``, dates through ``date_label``."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(BUNDLED_TEMPLATES)]
    if templates_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(templates_dir))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # Whitespace inside {% trans %} is layout, not part of the message.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["language"] = supported(language)
    env.globals["weekday_name"] = functools.partial(weekday_name, language=language)
    env.globals["long_date"] = functools.partial(long_date, language=language)
    return env


class Renderer:
    """Renders edition variants with one newsroom's branding and templates."""

    def __init__(
        self, branding: Branding, templates_dir: Path | None = None, tracker: LinkTracker | None = None
    ) -> None:
        self.branding = branding
        self.templates_dir = templates_dir
        self.env = make_environment(templates_dir)
        self.tracker = tracker  # None: story links lead straight to the article
        self._envs = {DEFAULT_LANGUAGE: self.env}

    def env_for(self, language: str) -> jinja2.Environment:
        """One environment per language, made once: rendering is hot (a million emails)."""
        language = supported(language)
        if language not in self._envs:
            self._envs[language] = make_environment(self.templates_dir, language)
        return self._envs[language]

    def render(self, content: EditionContent, *, edition_id: int | None, web_url: str) -> RenderedEdition:
        """The variant as subject, preheader, inlined HTML, plain text and Telegram messages."""
        content = self._titled(content)
        stories = content.stories
        lead = _lead_story(content)
        lead_index = next((i for i, s in enumerate(stories) if s is lead), None)
        # Feed text is data: only the template's own marks become per-reader tags (see personalize).
        nonce = new_nonce()
        marks = template_marks(nonce)
        context = self._context(
            content, lead, edition_id=edition_id, web_url=web_url, reader=marks["click_key"]
        )
        context.update(marks)
        env = self.env_for(content.language)

        def email_html(trim: Trim) -> str:
            page = env.get_template("email/edition.html").render(_trimmed(context, stories, trim))
            return seal(inline_css(page), nonce, html=True)

        html, trim = fit(email_html, stories, lead_index, self.branding.max_email_bytes)
        text = env.get_template("email/edition.txt").render(_trimmed(context, stories, trim))
        text = seal(text, nonce, html=False)
        notes = _notes(stories, trim, self.branding.max_email_bytes)
        for note in notes:
            log.info("edition %s: %s", edition_id, note)
        utm_tagger = self.branding.utm.tagger(content.list_name, content.date, medium="telegram")
        tagger = self._tracked(utm_tagger, content, edition_id, "telegram", marks["click_key"])
        photo, caption, buttons = telegram_extras(
            lead.lead if lead else None,
            web_url=web_url,
            lead_photo=self.branding.telegram_lead_photo,
            bot_username=self.branding.telegram_bot_username,
            tag_link=utm_tagger,  # the caption and buttons are not personalized per chat
            language=content.language,
        )
        telegram = render_telegram(
            content,
            web_url=web_url,
            tag_link=tagger,
            language=content.language,
            newsroom=self.branding.newsroom_name,
        )
        return RenderedEdition(
            subject=defuse(context["subject"], html=False),
            preheader=defuse(context["preheader"], html=False),
            html=strip_marks(html),
            text=text,
            telegram=tuple(seal(message, nonce, html=True) for message in telegram),
            lead_url=safe_href(lead.lead.url) if lead else None,
            telegram_photo=photo,
            telegram_caption=defuse(caption, html=True),
            telegram_buttons=buttons,
            notes=notes,
            headlines=tuple((s.lead.title, s.lead.url) for s in stories),
            language=supported(content.language),
        )

    def _titled(self, content: EditionContent) -> EditionContent:
        """The content with the newsroom's own section titles."""
        sections = [
            Section(s.name, self.branding.section_title(s.name, s.title), s.stories) for s in content.sections
        ]
        return replace(content, sections=sections)

    def _context(
        self,
        content: EditionContent,
        lead: Story | None,
        *,
        edition_id: int | None,
        web_url: str,
        reader: str = "",
    ) -> dict[str, Any]:
        utm_tag = self.branding.utm.tagger(content.list_name, content.date)
        tag = self._tracked(utm_tag, content, edition_id, "email", reader)
        cta = self.branding.cta
        return {
            "branding": self.branding,
            "content": content,
            "edition_id": edition_id,
            "list_name": content.list_name,
            "date_label": date_label(content.date, content.language),
            "subject": _one_line(content.words.subject)
            or subject_line(content, self.branding.newsroom_name, self.branding.subject_format),
            "preheader": _one_line(content.words.preheader) or preheader(content),
            "note": content.words.note,
            "lead": lead,
            "lead_image_size": LEAD_IMAGE_SIZE,
            "cta": cta,
            "cta_url": _outbound(cta.button_url, tag) if cta else None,
            "web_url": safe_href(web_url) or "",
            "home_url": safe_href(self.branding.public_url) or safe_href(web_url) or "",
            "href": safe_href,
            "out": lambda url: _outbound(url, tag),
            "also": other_sources,
            "also_shown": ALSO_IN_SHOWN,
            "summary_html": lambda item: summary_html(item, utm_tag),
            "trap_url": self._trap_url(edition_id, reader),
            "summary_text": summary_text,
        }

    def _tracked(
        self,
        tag: Callable[[str], str],
        content: EditionContent,
        edition_id: int | None,
        channel: str,
        reader: str,
    ) -> Callable[[str], str]:
        """``tag`` followed, when clicks are tracked, by the signed redirect for that story;
        ``reader`` is the template's private mark for the reader's click key (see personalize)."""
        tracker = self.tracker
        if tracker is None or edition_id is None:
            return tag
        # Every outlet's link of a story counts for the story (its lead item).
        story_of = {item.url: story.lead.id or 0 for story in content.stories for item in story.items}

        def tracked(url: str) -> str:
            item_id = story_of.get(url, 0)
            return tracker.track(
                tag(url), edition_id=edition_id, channel=channel, item_id=item_id, reader=reader
            )

        return tracked

    def _trap_url(self, edition_id: int | None, reader: str) -> str | None:
        """The hidden link no person sees: whoever follows it is a machine (digest.machine_clicks)."""
        if self.tracker is None or edition_id is None:
            return None
        home = safe_href(self.branding.public_url) or self.tracker.public_url
        return self.tracker.track(
            home, edition_id=edition_id, channel="email", item_id=TRAP_ITEM, reader=reader
        )


def _trimmed(context: dict[str, Any], stories: list[Story], trim: Trim) -> dict[str, Any]:
    """The template context for one trim: sections without dropped stories, summaries hidden."""
    index = {id(story): i for i, story in enumerate(stories)}
    dropped = {id(stories[i]) for i in trim.dropped}
    lead = context["lead"]
    sections = [
        Section(s.name, s.title, [st for st in s.stories if st is not lead and id(st) not in dropped])
        for s in context["content"].sections
    ]
    shown = [*([lead] if lead else []), *(st for s in sections for st in s.stories)]
    return {
        **context,
        "sections": [section for section in sections if section.stories],
        "stories_shown": len(shown),
        "reading_minutes": sum(story.lead.reading_minutes for story in shown),
        "sid": lambda story: index[id(story)],
        "show_summary": lambda story: index[id(story)] not in trim.no_summary and _has_summary(story.lead),
    }


def _notes(stories: list[Story], trim: Trim, limit: int) -> tuple[str, ...]:
    notes = []
    budget = f"to keep the email within {limit // 1024} KB"
    if trim.no_summary:
        notes.append(f"left out the summaries of {len(trim.no_summary)} stories {budget}")
    if trim.dropped:
        titles = "; ".join(stories[i].lead.title for i in sorted(trim.dropped))
        notes.append(f"left out the {len(trim.dropped)} lowest-ranked stories {budget}: {titles}")
    return tuple(notes)


def _outbound(url: str | None, tag: Callable[[str], str]) -> str | None:
    href = safe_href(url)
    return tag(href) if href else None


def _lead_story(content: EditionContent) -> Story | None:
    stories = content.stories
    return max(stories, key=lambda story: story.score) if stories else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _has_summary(item: Item) -> bool:
    return bool(item.summary_html or item.summary_text.strip())


def subject_line(content: EditionContent, newsroom_name: str, fmt: str = DEFAULT_SUBJECT_FORMAT) -> str:
    """The subject from ``fmt`` (``DIGEST_SUBJECT_FORMAT``), on one line as mail headers need;
    by default the top story's headline, so the news comes first."""
    lead = _lead_story(content)
    count = len(content.stories)
    fields = SubjectFields(
        top=lead.lead.title if lead else content.title,
        list=content.title,
        newsroom=newsroom_name,
        date=day_month(content.date, content.language),
        count=count,
        more=max(0, count - 1),
    )
    return _one_line(format_subject(fmt, fields))


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


def summary_html(item: Item, tag_link: Callable[[str], str] = lambda url: url) -> Markup:
    """The summary for the email: the feed's HTML, cleaned again, when it is short; else
    shortened text. Never feed markup marked safe without cleaning."""
    if item.summary_html and len(_one_line(item.summary_text)) <= SUMMARY_MAX_CHARS:
        cleaned = clean_summary(item.summary_html, tag_link)
        if cleaned:
            return cleaned
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
        # Keep the template's own width/height attributes: they are what Outlook sizes images by.
        disable_basic_attributes=["width", "height"],
    )
    result: str = inliner.transform(pretty_print=False)
    return result
