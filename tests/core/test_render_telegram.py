"""Telegram HTML messages: allowed tags only, escaped text, split within the length limit."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.limits import TELEGRAM_MAX_CAPTION, TELEGRAM_MAX_ENTITIES, TELEGRAM_MAX_LENGTH
from digest.models import EditionContent, RenderedEdition
from digest.render import Branding, Renderer, Utm
from digest.render.html import escape, safe_href
from digest.render.telegram import (
    TELEGRAM_ALLOWED_TAGS,
    inline_keyboard,
    is_bot_subscriber,
    render_telegram,
    split_messages,
    to_plain_text,
    truncate_html,
    utf16_len,
)

from .factories import edition, item, story

WEB_URL = "https://ledger.example/editions/7"


class TagChecker(HTMLParser):
    """Collects the tags of a message and checks that they nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.stack: list[str] = []
        self.text: list[str] = []
        self.entities = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.stack.append(tag)
        self.entities += 1
        if tag == "span":
            assert attrs == [("class", "tg-spoiler")]

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check(message: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(message)
    checker.close()
    assert not checker.stack, f"unclosed {checker.stack}"
    assert checker.tags <= TELEGRAM_ALLOWED_TAGS
    assert utf16_len(message) <= TELEGRAM_MAX_LENGTH
    assert checker.entities <= TELEGRAM_MAX_ENTITIES  # Telegram drops formatting past the 100th
    return checker


def big_edition(count: int, title: str) -> EditionContent:
    stories = [story(item(f"k{i}", f"{title} {i}", source=f"Джерело {i} 📰")) for i in range(count)]
    return edition(("News", stories[: count // 2]), ("Culture", stories[count // 2 :]))


@pytest.mark.parametrize(
    ("text", "units"),
    [("abc", 3), ("Київ", 4), ("😀", 2), ("👩‍👩‍👧", 8), ("🇺🇦", 4), ("", 0)],
)
def test_utf16_len_counts_code_units_like_telegram(text: str, units: int) -> None:
    assert utf16_len(text) == units


def test_a_small_edition_is_one_message_with_allowed_tags_only() -> None:
    s = story(item("a", "Quake", source="AP", is_video=True), item("b", source="BBC"), item("c", source="DW"))
    [message] = render_telegram(edition(("News", [s])), web_url=WEB_URL)
    check(message)
    assert message.startswith("<b>Morning briefing</b>\n5 March 2025")
    assert "<b>NEWS</b>" in message and "▶ " in message and "1 min read" in message
    assert (
        'Also in: <a href="https://bbc.example/b">BBC</a>, <a href="https://dw.example/c">DW</a>' in message
    )
    assert message.endswith(f'<a href="{WEB_URL}">Read the full edition</a>')


def test_feed_text_is_escaped() -> None:
    s = story(item("x", "<b>bold</b> & <script>", source='"Quotes" & Co', url='https://x.example/?a=1&b="2"'))
    [message] = render_telegram(edition(("News", [s])), web_url=WEB_URL)
    check(message)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in message
    assert 'href="https://x.example/?a=1&amp;b=&quot;2&quot;"' in message


def test_unsafe_links_become_plain_text() -> None:
    s = story(item("x", "Click", url="javascript:alert(1)"))
    [message] = render_telegram(edition(("News", [s])), web_url="not a url")
    assert "<a " not in message and "Click" in message


@pytest.mark.parametrize("title", ["Новини дня — великий заголовок", "🔥🇺🇦😀 " * 20, "a" * 300, "&<>" * 50])
def test_long_editions_split_between_items_within_the_limit(title: str) -> None:
    content = big_edition(200, title)
    messages = render_telegram(content, web_url=WEB_URL)
    assert len(messages) > 1
    seen = []
    for message in messages:
        check(message)
        # Splits fall between items: every story block in a message is whole.
        seen += [line for line in message.split("\n") if "min read" in line]
    assert len(seen) == 200


def test_no_message_ends_with_a_section_title_alone() -> None:
    for message in render_telegram(big_edition(200, "Заголовок 🇺🇦" * 5), web_url=WEB_URL):
        assert not re.search(r"<b>[A-Z]+</b>\s*$", message)


def test_a_single_item_longer_than_the_limit_is_truncated_safely() -> None:
    huge = story(item("x", "Дуже довгий заголовок 🇺🇦 &amp; " * 400, url="https://x.example/a"))
    messages = render_telegram(edition(("News", [huge])), web_url=WEB_URL)
    for message in messages:
        check(message)
    assert "…" in "".join(messages)


def test_short_items_are_split_by_entity_count_too() -> None:
    # 120 stories of 3 entities and ~60 characters: two messages by length, four by entities.
    stories = [story(item(f"k{i}", "Hi", source="S", url="https://s.example/")) for i in range(120)]
    messages = render_telegram(edition(("News", stories)), web_url=WEB_URL)
    assert len(messages) == 4
    for message in messages:
        check(message)


def test_a_story_covered_by_very_many_outlets_lists_a_few_and_counts_the_rest() -> None:
    outlets = [item(f"o{i}", source=f"Outlet {i}") for i in range(150)]
    [message] = render_telegram(edition(("News", [story(item("lead"), *outlets)])), web_url=WEB_URL)
    check(message)
    assert ">Outlet 4</a> and 145 more" in message


def test_truncation_respects_the_entity_cap() -> None:
    block = " ".join(f'<a href="https://x.example/{i}">{i}</a>' for i in range(150))
    cut = truncate_html(block, 4096, max_entities=100)
    assert check(cut).entities == 100 and cut.endswith("…")


@pytest.mark.parametrize(
    ("html", "limit", "expected"),
    [
        pytest.param("short", 10, "short", id="fits unchanged"),
        pytest.param("<b>abcdef</b>", 10, "<b>ab…</b>", id="closes the open tag"),
        pytest.param("ab &amp; cd", 6, "ab …", id="never cuts an entity"),
        pytest.param('ab<a href="https://x.example/">link</a>', 20, "ab…", id="drops a tag that cannot fit"),
        pytest.param("😀😀😀", 4, "😀…", id="never splits a surrogate pair"),
    ],
)
def test_truncate_html(html: str, limit: int, expected: str) -> None:
    assert truncate_html(html, limit) == expected


def test_split_messages_never_splits_a_block() -> None:
    assert split_messages(["aaaa", "bbbb", "cc"], limit=10, separator="\n") == ("aaaa\nbbbb", "cc")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ("HTTP://a.example", "HTTP://a.example"),
        ("javascript:alert(1)", None),
        ("/relative/path", None),
        ("mailto:a@b.example", None),
        ("http://[broken", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_href_accepts_only_absolute_web_links(url: str | None, expected: str | None) -> None:
    assert safe_href(url) == expected


def test_escape_handles_the_three_special_characters() -> None:
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


feed_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=400)
stories = st.lists(
    st.builds(
        lambda key, title, source, minutes, video: story(
            item(str(key), title or "x", source=source or "s", reading_minutes=minutes, is_video=video)
        ),
        st.integers(0, 10_000),
        feed_text,
        feed_text,
        st.integers(1, 60),
        st.booleans(),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(news=stories, culture=stories, title=feed_text)
def test_telegram_rendering_never_breaks_the_rules(news, culture, title) -> None:
    messages = render_telegram(edition(("News", news), ("Culture", culture), title=title), web_url=WEB_URL)
    assert messages
    for message in messages:
        check(message)


@settings(max_examples=200, deadline=None)
@given(text=feed_text, limit=st.integers(1, 300))
def test_truncation_of_any_escaped_text_stays_within_limit_and_balanced(text: str, limit: int) -> None:
    html = f'<b><a href="https://x.example/">{escape(text)}</a></b> <i>{escape(text)}</i>'
    result = truncate_html(html, limit)
    assert utf16_len(result) <= limit
    check(result)


# --- the lead photo, the buttons and the keyboard -------------------------------------------

PHOTO_BRANDING = Branding(
    "The Kyiv Ledger",
    "1 Example Street",
    "https://ledger.example",
    telegram_lead_photo=True,
    telegram_bot_username="ledger_bot",
    utm=Utm("ledger", "email", "{list}"),
)


def photo_edition(caption: str = "The stage, lit by generators") -> RenderedEdition:
    lead = story(
        item(
            "lead",
            "Опера грає попри блекаут 🎭 & more",
            source="Kyiv Ledger",
            reading_minutes=3,
            image_url="https://img.example/opera.jpg",
            image_caption=caption,
        ),
        score=9.0,
    )
    content = edition(("News", [lead, story(item("b", "Second"), score=1.0)]))
    return Renderer(PHOTO_BRANDING).render(content, edition_id=3, web_url=WEB_URL)


def test_the_lead_photo_comes_with_a_linked_headline_and_its_caption() -> None:
    result = photo_edition()
    assert result.telegram_photo == "https://img.example/opera.jpg"
    caption = check(result.telegram_caption)
    assert "".join(caption.text).startswith("Опера грає попри блекаут 🎭 & more\nKyiv Ledger · 3 min read")
    assert "The stage, lit by generators" in result.telegram_caption
    assert (
        'href="https://kyiv-ledger.example/lead?utm_source=ledger&amp;utm_medium=telegram'
        in result.telegram_caption
    )


def test_a_long_photo_caption_is_cut_within_1024_utf16_units() -> None:
    result = photo_edition(caption="Знімок 📸 " * 400)
    assert utf16_len(result.telegram_caption) <= TELEGRAM_MAX_CAPTION
    check(result.telegram_caption)
    assert result.telegram_caption.endswith("…")


def test_no_photo_unless_asked_for_and_available() -> None:
    plain = Renderer(Branding("N", "A", "https://ledger.example"))
    content = edition(("News", [story(item("a", image_url="https://img.example/a.jpg"))]))
    assert plain.render(content, edition_id=1, web_url=WEB_URL).telegram_photo is None
    no_image = edition(("News", [story(item("a"))]))
    result = Renderer(PHOTO_BRANDING).render(no_image, edition_id=1, web_url=WEB_URL)
    assert (result.telegram_photo, result.telegram_caption) == (None, "")


def test_the_buttons_read_all_and_manage_topics() -> None:
    assert photo_edition().telegram_buttons == (
        ("Read all", WEB_URL),
        ("Manage topics", "https://t.me/ledger_bot?start=topics"),
    )
    anonymous = Renderer(Branding("N", "A", "https://ledger.example"))
    result = anonymous.render(edition(("News", [story(item("a"))])), edition_id=1, web_url=WEB_URL)
    assert result.telegram_buttons == (("Read all", WEB_URL),)


@pytest.mark.parametrize(
    ("chat", "unsubscribe"),
    [("123456789", True), ("@newsroom", False), ("-1001234567890", False), ("-4242", False)],
)
def test_only_bot_subscribers_get_an_unsubscribe_button(chat: str, unsubscribe: bool) -> None:
    keyboard = inline_keyboard(photo_edition(), chat)
    assert keyboard is not None
    rows = keyboard["inline_keyboard"]
    assert rows[0] == [
        {"text": "Read all", "url": WEB_URL},
        {"text": "Manage topics", "url": "https://t.me/ledger_bot?start=topics"},
    ]
    assert (rows[1:] == [[{"text": "Unsubscribe", "callback_data": "unsubscribe"}]]) is unsubscribe
    assert is_bot_subscriber(chat) is unsubscribe


def test_a_channel_post_without_buttons_has_no_keyboard() -> None:
    assert inline_keyboard(RenderedEdition("s", "", "", "", ("m",)), "@newsroom") is None


@pytest.mark.parametrize("title", ["Рада ухвалила бюджет 🇺🇦", "قمة في الدوحة", "פסגה בירושלים", "😀" * 30])
def test_unicode_editions_split_within_4096_utf16_units_with_telegrams_tags(title: str) -> None:
    messages = render_telegram(big_edition(150, title), web_url=WEB_URL)
    assert len(messages) > 1
    for message in messages:
        check(message)
    assert f"{title} 149" in "".join(messages)


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("<b>Fish &amp; chips</b>", "Fish & chips"),
        ('<a href="https://x.org/?a=1&amp;b=2">link</a> &lt;3', "link <3"),
        ("<blockquote expandable>quote</blockquote>\n<i>x</i>", "quote\nx"),
        ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
    ],
)
def test_plain_text_drops_tags_and_decodes_entities(html: str, plain: str) -> None:
    assert to_plain_text(html) == plain
