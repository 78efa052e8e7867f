"""Telegram messages (``parse_mode=HTML``) for an edition, split to fit the length limit.

Telegram accepts a handful of tags and counts length in UTF-16 code units *after* entity
parsing. We count the raw HTML instead, which is never shorter, so a message that fits
here always fits there. Telegram also silently drops the formatting of every entity after
the 100th in a message (links would turn into plain text), so messages are capped on
tags too. Messages are split between items; a single item that is over a limit on its
own is cut, never inside a tag or an entity, and its open tags are closed. The limits are
declared in ``digest.limits``; escaping and links live in ``digest.render.html``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html import unescape

from digest.group import other_sources
from digest.i18n import long_date, translate, translate_plural
from digest.limits import TELEGRAM_MAX_CAPTION, TELEGRAM_MAX_ENTITIES, TELEGRAM_MAX_LENGTH
from digest.models import EditionContent, Item, RenderedEdition, Section, Story
from digest.render.html import escape, link, safe_href, same_url

__all__ = [
    "ALSO_IN_SHOWN",
    "TELEGRAM_ALLOWED_TAGS",
    "UNSUBSCRIBE_CALLBACK",
    "entity_count",
    "inline_keyboard",
    "is_bot_subscriber",
    "render_telegram",
    "split_messages",
    "telegram_extras",
    "to_plain_text",
    "truncate_html",
    "utf16_len",
]

UNSUBSCRIBE_CALLBACK = "unsubscribe"
_ALLOWED = "b strong i em u ins s strike del a code pre blockquote tg-spoiler span"
# What parse_mode=HTML accepts; span only as <span class="tg-spoiler">.
TELEGRAM_ALLOWED_TAGS = frozenset(_ALLOWED.split())
ELLIPSIS = "…"
ALSO_IN_SHOWN = 5  # outlets named under a story; the rest are counted
_TOKEN = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|.", re.DOTALL)
_OPEN_TAG = re.compile(r"<[a-zA-Z]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][\w-]*)")
_ANY_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_EMPTY_PAIR = re.compile(r"<([a-zA-Z][\w-]*)(?:\s[^<>]*)?></\1>")
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the way Telegram counts (an emoji is usually 2)."""
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def entity_count(html: str) -> int:
    """How many formatting entities Telegram makes of ``html``: one per opening tag."""
    return len(_OPEN_TAG.findall(html))


def to_plain_text(message: str) -> str:
    """A Telegram-HTML message as plain text (tags dropped, entities decoded): what is sent
    when Telegram cannot parse the HTML."""
    return unescape(_ANY_TAG.sub("", message))


def truncate_html(html: str, limit: int, *, max_entities: int = TELEGRAM_MAX_ENTITIES) -> str:
    """``html`` cut to at most ``limit`` UTF-16 units and ``max_entities`` tags, with an
    ellipsis and balanced tags."""
    if utf16_len(html) <= limit and entity_count(html) <= max_entities:
        return html
    if limit < utf16_len(ELLIPSIS):
        raise ValueError(f"limit {limit} is too small for any text")
    budget = limit - utf16_len(ELLIPSIS)
    out: list[str] = []
    open_tags: list[str] = []
    used = opened = 0
    for token in (match.group() for match in _TOKEN.finditer(html)):
        closing = sum(len(f"</{tag}>") for tag in open_tags)
        if token.startswith("</"):
            if open_tags:
                out.append(f"</{open_tags.pop()}>")
                used += utf16_len(out[-1])
            continue
        name = _TAG_NAME.match(token) if token.startswith("<") and len(token) > 1 else None
        cost = utf16_len(token) + (len(f"</{name.group(1)}>") if name else 0)
        if used + cost + closing <= budget and (not name or opened < max_entities):
            out.append(token)
            used += utf16_len(token)
            if name:
                open_tags.append(name.group(1))
                opened += 1
            continue
        if not name and not token.startswith("&"):
            out.append(_cut_text(token, budget - used - closing))
        break
    out.append(ELLIPSIS)
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return _drop_empty_tags("".join(out))


def _cut_text(text: str, room: int) -> str:
    taken: list[str] = []
    for char in text:
        room -= utf16_len(char)
        if room < 0:
            break
        taken.append(char)
    return "".join(taken)


def _drop_empty_tags(html: str) -> str:
    # A link cut down to nothing would be an empty entity; just remove it.
    while True:
        shorter = _EMPTY_PAIR.sub("", html)
        if shorter == html:
            return html
        html = shorter


def split_messages(
    blocks: Iterable[str],
    *,
    limit: int = TELEGRAM_MAX_LENGTH,
    max_entities: int = TELEGRAM_MAX_ENTITIES,
    separator: str = "\n\n",
) -> tuple[str, ...]:
    """Pack blocks greedily into messages within ``limit`` UTF-16 units and ``max_entities``
    tags, never splitting a block between messages."""
    messages: list[str] = []
    current = ""
    for raw in blocks:
        block = truncate_html(raw, limit, max_entities=max_entities)
        candidate = f"{current}{separator}{block}" if current else block
        if utf16_len(candidate) <= limit and entity_count(candidate) <= max_entities:
            current = candidate
            continue
        messages.append(current)
        current = block
    if current:
        messages.append(current)
    return tuple(messages)


def render_telegram(
    content: EditionContent,
    *,
    web_url: str,
    tag_link: Callable[[str], str] = same_url,
    language: str = "en",
    newsroom: str = "",
) -> tuple[str, ...]:
    """The edition as Telegram HTML messages: title, bold sections, linked headlines.

    ``tag_link`` rewrites outbound story links (UTM parameters); the web view link is ours.
    The title is the newsroom's and the list's ("Kyiv Ledger · Daily"), never a machine name."""
    return split_messages(_blocks(content, web_url, tag_link, language, newsroom))


def telegram_extras(
    lead: Item | None,
    *,
    web_url: str,
    lead_photo: bool = False,
    bot_username: str | None = None,
    tag_link: Callable[[str], str] = same_url,
    language: str = "en",
) -> tuple[str | None, str, tuple[tuple[str, str], ...]]:
    """(photo URL, caption, URL buttons) that go with the messages.

    The photo is the lead item's, when asked for and it has one; its caption is the linked
    headline with byline and the photo's own caption, within ``TELEGRAM_MAX_CAPTION``. The
    buttons: "Read all" (the web view) and, with a bot username, "Manage topics" (a deep link
    that starts the bot with ``topics``)."""
    buttons: list[tuple[str, str]] = []
    if safe_href(web_url):
        buttons.append((translate(language, "Read all"), web_url))
    if bot_username and _BOT_USERNAME.fullmatch(bot_username):
        buttons.append((translate(language, "Manage topics"), f"https://t.me/{bot_username}?start=topics"))
    photo = safe_href(lead.image_url) if lead and lead_photo else None
    if lead is None or photo is None:
        return None, "", tuple(buttons)
    caption = f"<b>{link(lead.title, lead.url, tag_link)}</b>\n{_byline(lead, language)}"
    if lead.image_caption:
        caption += f"\n\n{escape(' '.join(lead.image_caption.split()))}"
    return photo, truncate_html(caption, TELEGRAM_MAX_CAPTION), tuple(buttons)


def is_bot_subscriber(chat_id: str) -> bool:
    """A private chat with the bot (a positive id), not a group or a channel (``-100…``, ``@name``)."""
    return not chat_id.startswith(("-", "@"))


def inline_keyboard(content: RenderedEdition, chat_id: str) -> dict[str, list[list[dict[str, str]]]] | None:
    """The Bot API ``reply_markup`` for the last message to ``chat_id``: the edition's URL
    buttons, and "Unsubscribe" (``callback_data="unsubscribe"``) for a bot subscriber."""
    rows = [[{"text": label, "url": url} for label, url in content.telegram_buttons]]
    if is_bot_subscriber(chat_id):
        label = translate(content.language, "Unsubscribe")
        rows.append([{"text": label, "callback_data": UNSUBSCRIBE_CALLBACK}])
    rows = [row for row in rows if row]
    return {"inline_keyboard": rows} if rows else None


def _blocks(
    content: EditionContent, web_url: str, tag_link: Callable[[str], str], language: str, newsroom: str = ""
) -> list[str]:
    date = long_date(content.date, language)
    title = " · ".join(dict.fromkeys(t for t in (newsroom.strip(), content.title.strip()) if t))
    blocks = [f"<b>{escape(title)}</b>\n{escape(date)}"]
    if content.words.note.strip():
        blocks.append(f"<i>{escape(content.words.note.strip())}</i>")
    for section in content.sections:
        blocks.extend(_section_blocks(section, tag_link, language))
    if safe_href(web_url):
        blocks.append(link(translate(language, "Read the full edition"), web_url))
    return blocks


def _section_blocks(section: Section, tag_link: Callable[[str], str], language: str) -> list[str]:
    # The section title travels with its first story so it never ends a message alone.
    stories = [_story_block(story, tag_link, language) for story in section.stories]
    if stories:
        stories[0] = f"<b>{escape(section.title.upper())}</b>\n\n{stories[0]}"
    return stories


def _story_block(story: Story, tag_link: Callable[[str], str], language: str) -> str:
    lead = story.lead
    marks = ("▶ " if lead.is_video else "") + ("🔄 " if story.updated else "")
    line = f"{marks}<b>{link(lead.title, lead.url, tag_link)}</b>\n{_byline(lead, language)}"
    also = other_sources(story)
    if also:
        shown = ", ".join(link(item.source, item.url, tag_link) for item in also[:ALSO_IN_SHOWN])
        line += "\n" + translate(language, "Also in: %(sources)s", sources=shown)
        if len(also) > ALSO_IN_SHOWN:
            line += translate_plural(
                language, " and %(num)s more", " and %(num)s more", len(also) - ALSO_IN_SHOWN
            )
    return line


def _byline(item: Item, language: str = "en") -> str:
    read = translate_plural(language, "%(num)s min read", "%(num)s min read", item.reading_minutes)
    return f"<i>{escape(item.source)}</i> · {read}"
