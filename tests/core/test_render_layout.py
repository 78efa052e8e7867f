"""The email's layout, branding, links and languages, read from the rendered HTML and text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from digest import config
from digest.errors import ConfigError
from digest.models import EditorsWords, Recipient, RenderedEdition
from digest.pipeline import planning
from digest.render import PLACEHOLDERS, Branding, CallToAction, Renderer, Utm, personalize, with_utm
from digest.render.personalize import greeting

from .factories import edition, item, story

WEB_URL = "https://ledger.example/editions/7"
BRANDING = Branding(
    "The Kyiv Ledger",
    "1 Example Street, Kyiv, Ukraine",
    "https://ledger.example",
    brand_color="#0b5394",
    logo_url="https://ledger.example/logo.png",
    logo_size=(180, 44),
    footer_text="Independent journalism since 1991",
    cta=CallToAction(
        "Help us reach 25,000 members", "Become a member", "https://ledger.example/join", 18340, 25000
    ),
    section_titles=(("news", "Top news"), ("video", "Watch")),
    utm=Utm("ledger-digest", "email", "{list}-{date}", ("partner.example",)),
)
LEAD = story(
    item(
        "lead",
        "Kyiv opera plays on through the blackout",
        source="Kyiv Ledger",
        url="https://ledger.example/opera",
        summary_text="The premiere went ahead.",
        image_url="https://img.ledger.example/opera.jpg",
        image_caption="The stage, lit by generators",
    ),
    item("also", "Opera premiere on generators", source="Partner", url="https://partner.example/opera"),
    score=5.0,
)
NEWS = [
    LEAD,
    story(item("uk", "Рада ухвалила бюджет на 2026 рік 🇺🇦", source="Суспільне"), score=2.0),
    story(item("ar", "قمة في الدوحة", source="الجزيرة"), score=1.5),
    story(item("he", "פסגה בירושלים", source="הארץ"), score=1.4),
    story(item("tagged", "Already tagged", url="https://site.example/a?utm_source=rss&x=1"), score=1.3),
]
VIDEO = [story(item("vid", "Inside the newsroom 🎥", source="Ledger TV", is_video=True), score=1.0)]


@pytest.fixture(scope="module")
def rendered() -> RenderedEdition:
    return Renderer(BRANDING).render(edition(("News", NEWS), ("Video", VIDEO)), edition_id=7, web_url=WEB_URL)


def body(html: str) -> str:
    return html.split("<body", 1)[1]


def test_the_layout_is_tables_for_every_client(rendered: RenderedEdition) -> None:
    html = rendered.html
    assert 'role="presentation"' in html and "max-width:600px" in html
    assert '<!--[if mso]><table role="presentation" width="600"' in html  # Outlook's fixed width
    assert "display:flex" not in html.replace(" ", "") and "display:grid" not in html.replace(" ", "")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_colours_follow_the_readers_light_or_dark_scheme(rendered: RenderedEdition) -> None:
    head = rendered.html.split("</head>")[0]
    assert '<meta name="color-scheme" content="light dark">' in head
    assert '<meta name="supported-color-schemes" content="light dark">' in head
    assert "@media (prefers-color-scheme: dark)" in head
    assert ".logo-chip { background-color: #ffffff !important; }" in head  # dark logos stay visible


def test_the_masthead_shows_the_logo_with_its_size_and_the_date(rendered: RenderedEdition) -> None:
    logo = re.search(r"<img[^>]*logo\.png[^>]*>", rendered.html)
    assert logo and 'width="180"' in logo.group() and 'height="44"' in logo.group()
    assert 'alt="The Kyiv Ledger"' in logo.group()
    assert "Wednesday, 5 March 2025" in rendered.html


def test_every_image_has_width_and_alt_and_the_caption_is_said_once(rendered: RenderedEdition) -> None:
    images = re.findall(r"<img\b[^>]*>", rendered.html)
    assert len(images) == 2
    for tag in images:
        assert re.search(r'\swidth="\d+"', tag) and ' alt="' in tag
    assert rendered.html.count("The stage, lit by generators") == 1  # the caption, not the alt too


def test_the_call_to_action_has_its_progress_and_a_bulletproof_button(rendered: RenderedEdition) -> None:
    html = rendered.html
    assert "Help us reach 25,000 members" in html and "18,340 of 25,000" in html
    assert 'class="bar-fill" width="73%"' in html and 'class="bar-rest" width="27%"' in html
    assert "<v:roundrect" in html and "<!--[if !mso]><!-- -->" in html  # VML for Outlook
    button = re.search(r'<a class="button" href="([^"]+)"', html)
    assert button and button.group(1).startswith("https://ledger.example/join?utm_source=ledger-digest")
    assert "Become a member: https://ledger.example/join?utm_source=" in rendered.text


def test_the_footer_has_address_reason_and_working_links(rendered: RenderedEdition) -> None:
    footer = rendered.html.split('class="footer"', 1)[1]
    for needle in (
        "1 Example Street, Kyiv, Ukraine",
        "You receive this email because you subscribed to Morning briefing from The Kyiv Ledger",
        f'href="{PLACEHOLDERS["unsubscribe_url"]}"',
        f'href="{PLACEHOLDERS["preferences_url"]}"',
        f'href="{WEB_URL}"',
        "Independent journalism since 1991",
    ):
        assert needle in footer


def test_story_links_carry_utm_parameters_but_our_own_links_do_not(rendered: RenderedEdition) -> None:
    hrefs = re.findall(r'href="([^"]+)"', rendered.html)
    story = "https://ledger.example/opera?utm_source=ledger-digest&amp;utm_medium=email&amp;utm_campaign=daily-2025-03-05"
    assert story in hrefs
    assert "https://partner.example/opera" in hrefs  # a domain left alone
    assert "https://site.example/a?utm_source=rss&amp;x=1" in hrefs  # the publisher's own tags win
    assert WEB_URL in hrefs and not any("utm_" in h for h in hrefs if h.startswith(WEB_URL))
    telegram = "".join(rendered.telegram)
    assert "utm_medium=telegram" in telegram and "utm_medium=email" not in telegram


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example/x?utm_source=s&utm_medium=m"),
        ("https://a.example/x?q=1#top", "https://a.example/x?q=1&utm_source=s&utm_medium=m#top"),
        ("https://www.skip.example/x", "https://www.skip.example/x"),
        ("https://a.example/x?UTM_source=own", "https://a.example/x?UTM_source=own"),
        ("mailto:desk@a.example", "mailto:desk@a.example"),
    ],
)
def test_with_utm(url: str, expected: str) -> None:
    assert with_utm(url, {"utm_source": "s", "utm_medium": "m"}, ("skip.example",)) == expected


def test_every_link_is_absolute_or_a_placeholder(rendered: RenderedEdition) -> None:
    links = re.findall(r'(?:href|src)="([^"]*)"', rendered.html)
    assert links and all(h.startswith("https://") or h in PLACEHOLDERS.values() for h in links)


def test_section_titles_come_from_the_settings_in_email_and_telegram(rendered: RenderedEdition) -> None:
    assert ">Top news</h2>" in rendered.html and ">Watch</h2>" in rendered.html
    assert "TOP NEWS\n========" in rendered.text
    assert "<b>TOP NEWS</b>" in "".join(rendered.telegram)


@pytest.mark.parametrize(
    "text", ["Рада ухвалила бюджет на 2026 рік 🇺🇦", "قمة في الدوحة", "פסגה בירושלים", "🎥"]
)
def test_unicode_reaches_every_part(rendered: RenderedEdition, text: str) -> None:
    assert text in rendered.html and text in rendered.text and text in "".join(rendered.telegram)


def test_text_blocks_set_their_own_direction(rendered: RenderedEdition) -> None:
    arabic = re.search(r"<a [^>]*>قمة في الدوحة</a>", rendered.html)
    assert arabic and 'dir="auto"' in arabic.group()
    assert re.search(r'<span class="source" dir="auto"[^>]*>الجزيرة</span>', rendered.html)
    assert body(rendered.html).count('dir="auto"') >= 15


def test_branding_comes_from_settings_alone() -> None:
    settings = config.load(
        {
            "DIGEST_BRAND_COLOR": "#123456",
            "DIGEST_LOGO_URL": "https://cdn.example/logo.png",
            "DIGEST_LOGO_SIZE": "200x50",
            "DIGEST_FOOTER_TEXT": "Reader-funded",
            "DIGEST_CTA_TEXT": "Help us reach 25,000 members",
            "DIGEST_CTA_PROGRESS": "18,340/25,000",
            "DIGEST_CTA_BUTTON_LABEL": "Join",
            "DIGEST_CTA_BUTTON_URL": "https://ledger.example/join",
            "DIGEST_SECTION_TITLES": "news=Top news; analysis=Analysis",
            "DIGEST_UTM_SKIP_DOMAINS": "ledger.example, partner.example",
            "DIGEST_EMAIL_MAX_KB": "80",
            "DIGEST_TELEGRAM_LEAD_PHOTO": "true",
            "DIGEST_TELEGRAM_BOT_USERNAME": "@ledger_bot",
        },
        dotenv=False,
    )
    branding = Branding.from_settings(settings)
    assert (branding.brand_color, branding.logo_url, branding.logo_size) == (
        "#123456",
        "https://cdn.example/logo.png",
        (200, 50),
    )
    assert branding.cta == CallToAction(
        "Help us reach 25,000 members", "Join", "https://ledger.example/join", 18340, 25000
    )
    assert branding.section_title("News", "News") == "Top news" and branding.section_title("x", "X") == "X"
    assert branding.utm == Utm("digest", "email", "{list}", ("ledger.example", "partner.example"))
    assert (branding.max_email_bytes, branding.telegram_lead_photo) == (80 * 1024, True)
    assert branding.telegram_bot_username == "ledger_bot" and branding.footer_text == "Reader-funded"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DIGEST_BRAND_COLOR", "red"),
        ("DIGEST_LOGO_URL", "javascript:alert(1)"),
        ("DIGEST_LOGO_SIZE", "big"),
        ("DIGEST_CTA_PROGRESS", "lots"),
        ("DIGEST_SECTION_TITLES", "news"),
        ("DIGEST_TELEGRAM_LEAD_PHOTO", "maybe"),
    ],
)
def test_a_bad_branding_setting_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        config.load({variable: value}, dotenv=False)


def test_without_a_call_to_action_or_logo_the_email_has_neither() -> None:
    plain = Branding("The Kyiv Ledger", "1 Example Street", "https://ledger.example")
    result = Renderer(plain).render(edition(("News", NEWS)), edition_id=7, web_url=WEB_URL)
    assert 'class="cta"' not in result.html and "<img" in result.html and "logo" not in body(result.html)
    assert ">The Kyiv Ledger</a></h1>" in result.html
    assert "utm_medium" not in result.html  # tagging is off unless a source is set


def test_an_override_folder_replaces_a_partial_template(tmp_path: Path) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "_story.html").write_text(
        (Path(planning.__file__).parents[2] / "templates" / "email" / "_story.html")
        .read_text()
        .replace('<h3 class="headline">', '<h3 class="headline custom-headline">')
    )
    result = Renderer(BRANDING, templates_dir=tmp_path).render(
        edition(("News", NEWS)), edition_id=1, web_url=WEB_URL
    )
    assert 'class="headline custom-headline"' in result.html


def test_the_web_view_shows_no_placeholders(tmp_path: Path, rendered: RenderedEdition) -> None:
    settings = config.load(
        {"DIGEST_OUTBOX_DIR": str(tmp_path / "outbox"), "DIGEST_PUBLIC_URL": "https://ledger.example"},
        dotenv=False,
    )
    planning._write_web_view(settings, 7, "|after=0", rendered.html)
    page = (tmp_path / "editions" / "7.html").read_text()
    assert not re.search(r"-(unsubscribe_url|preferences_url|name)(_html)?-", page)
    assert 'href="https://ledger.example/manage"' in page
    assert "Hello" not in page  # a web view greets nobody: it is anyone's


def test_personalized_html_has_no_placeholders_left(rendered: RenderedEdition) -> None:
    reader = Recipient(
        1,
        "o@example.org",
        "Олена",
        "https://ledger.example/u/t?a=1&b=2",
        "https://ledger.example/p/t",
        greeting=greeting("Олена Коваленко", "en"),
    )
    html = personalize(rendered.html, reader, html_escape=True)
    assert not any(tag in html for tag in PLACEHOLDERS.values())
    assert 'href="https://ledger.example/u/t?a=1&amp;b=2"' in html and "Hello, Олена." in html


def _text_opening(rendered: RenderedEdition, name: str) -> list[str]:
    """The plain text's lines from the web-view link to the first story's headline."""
    reader = Recipient(1, "o@example.org", name, "U", "P", greeting=greeting(name, "en"))
    lines = personalize(rendered.text, reader).splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("View in your browser:"))
    return lines[start : lines.index("TOP STORY") + 1]


@pytest.mark.parametrize(
    ("name", "opening"),
    [
        ("Olena Kovalenko", [f"View in your browser: {WEB_URL}", "", "Hello, Olena.", "", "TOP STORY"]),
        ("", [f"View in your browser: {WEB_URL}", "", "TOP STORY"]),
    ],
)
def test_the_plain_text_greets_in_a_paragraph_or_leaves_no_gap(
    rendered: RenderedEdition, name: str, opening: list[str]
) -> None:
    assert _text_opening(rendered, name) == opening


@pytest.mark.parametrize(
    ("name", "greeted"), [("Olena", ["", "Hello, Olena."]), ("", [])], ids=["named", "no name"]
)
def test_the_plain_texts_greeting_sits_above_the_editors_note_with_one_blank_line(
    name: str, greeted: list[str]
) -> None:
    content = edition(("News", NEWS))
    content.words = EditorsWords(note="Power is back in most of Kyiv.")
    with_note = Renderer(BRANDING).render(content, edition_id=7, web_url=WEB_URL)
    expected = [f"View in your browser: {WEB_URL}", *greeted, "", "Power is back in most of Kyiv.", ""]
    assert _text_opening(with_note, name) == [*expected, "TOP STORY"]


def test_the_email_shows_the_editions_total_reading_time(rendered: RenderedEdition) -> None:
    assert re.search(r"\d+ stor(y|ies) (·|&middot;) \d+(\xa0|&nbsp;)min of reading", rendered.html)
    assert re.search(r"\d+ stor(y|ies), \d+ min of reading", rendered.text)


def test_the_lead_photo_has_no_fixed_height_and_an_alt_that_does_not_repeat_the_caption(
    rendered: RenderedEdition,
) -> None:
    tag = re.search(r'<img class="lead-image"[^>]*>', rendered.html)
    assert tag, "the fixture's lead story has a photo"
    assert "height=" not in tag.group(0).replace("max-height", "")
    assert 'alt=""' in tag.group(0)


def test_the_telegram_digest_is_titled_with_the_newsroom_and_the_list(rendered: RenderedEdition) -> None:
    title = rendered.telegram[0].split("\n", 1)[0]
    assert title == "<b>The Kyiv Ledger · Morning briefing</b>"  # the list's title, not "daily"


def test_a_list_titled_like_the_newsroom_is_not_named_twice() -> None:
    content = edition(("News", NEWS), title="The Kyiv Ledger")
    first = Renderer(BRANDING).render(content, edition_id=7, web_url=WEB_URL).telegram[0]
    assert first.startswith("<b>The Kyiv Ledger</b>\n")


def test_the_plain_text_keeps_its_line_breaks_after_translated_lines(rendered: RenderedEdition) -> None:
    text = rendered.text
    assert re.search(r"min of reading\nView in your browser: ", text)
    assert re.search(r"\d+ min read\nhttps://", text)
    assert re.search(r"from The Kyiv Ledger\.\nUnsubscribe: -unsubscribe_url-\n", text)
