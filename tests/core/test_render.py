"""Rendering an edition variant to email HTML, plain text and a subject."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from digest import config
from digest.errors import ConfigError
from digest.models import Recipient, RenderedEdition
from digest.render import PLACEHOLDERS, Branding, Renderer, personalize

from .factories import edition, item, story

BRANDING = Branding("The Kyiv Ledger", "1 Example Street, Kyiv, Ukraine", "https://ledger.example")
WEB_URL = "https://ledger.example/editions/7"

LEAD = story(
    item(
        "lead",
        "Magnitude 7.1 earthquake strikes off Japan",
        source="Reuters",
        summary_text="A strong quake hit the north.",
        summary_html="<p>A strong quake hit <b>the north</b>.</p>",
        image_url="https://img.example/quake.jpg",
        image_caption="A damaged road in Sendai",
        reading_minutes=4,
    ),
    item("also", "Japan quake", source="BBC"),
    score=3.0,
)
NEWS = [
    LEAD,
    story(item("xss", "<script>alert(1)</script> & friends", source="Evil & Co"), score=2.0),
    story(item("uk", "Рада ухвалила бюджет 🇺🇦", source="Суспільне"), score=1.5),
    story(item("ar", "قمة في الدوحة", source="الجزيرة"), score=1.2),
]
VIDEO = [story(item("vid", "Inside the newsroom", source="Ledger TV", is_video=True), score=1.0)]


@pytest.fixture(scope="module")
def rendered() -> RenderedEdition:
    return Renderer(BRANDING).render(edition(("News", NEWS), ("Video", VIDEO)), edition_id=7, web_url=WEB_URL)


@pytest.mark.parametrize(
    "needle",
    [
        pytest.param(PLACEHOLDERS["unsubscribe_url"], id="unsubscribe placeholder"),
        pytest.param(PLACEHOLDERS["preferences_url"], id="preferences placeholder"),
        pytest.param("1 Example Street, Kyiv, Ukraine", id="postal address"),
        pytest.param(
            "You receive this email because you subscribed to Morning briefing", id="why you get it"
        ),
        pytest.param(f'href="{WEB_URL}"', id="view in browser"),
        pytest.param('src="https://img.example/quake.jpg"', id="lead photo"),
        pytest.param(">A damaged road in Sendai</p>", id="photo caption"),
        pytest.param("4\u00a0min read", id="reading time"),
        pytest.param('href="https://bbc.example/also"', id="also in link"),
        pytest.param("▶\u00a0Video", id="video mark"),
        pytest.param("A strong quake hit <b", id="sanitized summary html kept"),
        pytest.param("Рада ухвалила бюджет 🇺🇦", id="cyrillic and emoji"),
        pytest.param("قمة في الدوحة", id="right-to-left text"),
    ],
)
def test_email_html_contains(rendered: RenderedEdition, needle: str) -> None:
    assert needle in rendered.html.replace("&#9654;", "▶")


def test_feed_text_is_escaped_in_the_html(rendered: RenderedEdition) -> None:
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in rendered.html
    assert "Evil &amp; Co" in rendered.html


def test_css_is_inlined_and_the_phone_media_query_kept(rendered: RenderedEdition) -> None:
    assert 'style="' in rendered.html and "max-width:600px" in rendered.html
    head = rendered.html.split("</head>")[0]
    # Outlook's own fallback fonts (in a conditional comment), and the phone and dark rules.
    assert head.count("<style") == 2 and "@media only screen and (max-width: 620px)" in head
    assert "<!--[if mso]>\n<noscript>" in head
    assert ".byline {" not in head  # plain rules were inlined, not left behind


def test_every_link_is_absolute_or_a_placeholder(rendered: RenderedEdition) -> None:
    import re

    hrefs = re.findall(r'(?:href|src)="([^"]*)"', rendered.html)
    assert hrefs
    assert all(h.startswith("https://") or h in PLACEHOLDERS.values() for h in hrefs)


def test_the_preheader_is_hidden_text_with_the_first_headlines(rendered: RenderedEdition) -> None:
    assert rendered.preheader.startswith("Magnitude 7.1 earthquake strikes off Japan · ")
    assert 'class="preheader" style="display:none' in rendered.html


def test_the_subject_leads_with_the_top_story(rendered: RenderedEdition) -> None:
    assert rendered.subject == "Magnitude 7.1 earthquake strikes off Japan"
    assert rendered.lead_url == "https://reuters.example/lead"


def test_the_subject_follows_the_newsrooms_format() -> None:
    branding = replace(BRANDING, subject_format="{list}, {date}: {top} and {more} more ({newsroom}, {count})")
    content = edition(("News", NEWS), ("Video", VIDEO))
    subject = Renderer(branding).render(content, edition_id=7, web_url=WEB_URL).subject
    lead = "Magnitude 7.1 earthquake strikes off Japan"
    assert subject == f"{content.title}, 5 March: {lead} and 4 more (The Kyiv Ledger, 5)"


def test_a_headline_with_braces_is_text_not_format() -> None:
    tricky = story(item("b", "Sets {newsroom} {0} {top.__class__} apart", source="Wire"), score=9)
    subject = Renderer(BRANDING).render(edition(("News", [tricky])), edition_id=1, web_url=WEB_URL).subject
    assert subject == "Sets {newsroom} {0} {top.__class__} apart"


@pytest.mark.parametrize(
    ("fmt", "problem"),
    [
        ("{title}", "unknown field {title}"),
        ("{top.__class__}", "unknown field"),
        ("{top:>99999}", "takes no format spec"),
        ("{top!r}", "takes no format spec"),
        ("no fields", "name at least one field"),
        ("{top", "not a valid format"),
    ],
)
def test_a_bad_subject_format_is_refused_naming_the_setting(fmt: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load({"DIGEST_SUBJECT_FORMAT": fmt}, dotenv=False)
    assert "DIGEST_SUBJECT_FORMAT" in str(caught.value) and problem in str(caught.value)


def test_text_part_reads_on_its_own(rendered: RenderedEdition) -> None:
    text = rendered.text
    for needle in (
        "Magnitude 7.1 earthquake strikes off Japan",
        "Reuters · 4 min read",
        "https://reuters.example/lead",
        "Also in: BBC <https://bbc.example/also>",
        "NEWS\n====",
        "[Video] Inside the newsroom",
        "<script>alert(1)</script> & friends",  # plain text is not HTML: no entities
        "Unsubscribe: -unsubscribe_url-",
        "1 Example Street, Kyiv, Ukraine",
        WEB_URL,
    ):
        assert needle in text
    assert "<p>" not in text and "\n\n\n\n" not in text


def test_the_lead_story_is_not_repeated_in_its_section(rendered: RenderedEdition) -> None:
    assert rendered.html.count('href="https://reuters.example/lead"') == 1
    assert rendered.text.count("https://reuters.example/lead") == 1


def test_telegram_messages_are_part_of_the_rendering(rendered: RenderedEdition) -> None:
    assert rendered.telegram and "Inside the newsroom" in "".join(rendered.telegram)


def test_an_empty_edition_still_renders() -> None:
    result = Renderer(BRANDING).render(edition(title="Quiet day"), edition_id=None, web_url=WEB_URL)
    assert "Nothing new" in result.text and result.subject == "Quiet day" and result.lead_url is None


def test_templates_dir_overrides_bundled_templates(tmp_path: Path) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "edition.txt").write_text("Custom {{ content.title }} {{ unsubscribe_url }}")
    result = Renderer(BRANDING, templates_dir=tmp_path).render(edition(), edition_id=1, web_url=WEB_URL)
    assert result.text == "Custom Morning briefing -unsubscribe_url-"
    assert "The Kyiv Ledger" in result.html  # not overridden: the bundled one


def test_brand_color_must_be_a_hex_color() -> None:
    with pytest.raises(ValueError, match="brand_color"):
        Branding("N", "A", "https://x.example", brand_color="red;} body{display:none")


RECIPIENT = Recipient(
    subscriber_id=1,
    address="olena@example.org",
    name="Olena <3",
    unsubscribe_url="https://ledger.example/u/abc?x=1&y=2",
    preferences_url="https://ledger.example/p/abc",
)


@pytest.mark.parametrize(
    ("template", "html_escape", "expected"),
    [
        pytest.param(
            "Hi -name-: -unsubscribe_url- -preferences_url-",
            False,
            "Hi Olena <3: https://ledger.example/u/abc?x=1&y=2 https://ledger.example/p/abc",
            id="plain text gets raw values",
        ),
        pytest.param(
            '<a href="-unsubscribe_url-">-name-</a>',
            True,
            '<a href="https://ledger.example/u/abc?x=1&amp;y=2">Olena &lt;3</a>',
            id="html gets escaped values",
        ),
    ],
)
def test_personalize_fills_the_placeholders(template: str, html_escape: bool, expected: str) -> None:
    assert personalize(template, RECIPIENT, html_escape=html_escape) == expected


def test_personalize_fills_a_rendered_edition(rendered: RenderedEdition) -> None:
    html = personalize(rendered.html, RECIPIENT, html_escape=True)
    assert not any(tag in html for tag in PLACEHOLDERS.values())
    assert 'href="https://ledger.example/p/abc"' in html


def test_a_story_from_many_outlets_names_a_few_and_counts_the_rest() -> None:
    outlets = [item(f"o{i}", source=f"Outlet {i}") for i in range(12)]
    many = story(item("lead", "Big news", source="AP"), *outlets)
    result = Renderer(BRANDING).render(edition(("News", [many])), edition_id=1, web_url=WEB_URL)
    assert "Outlet 4 <https://outlet-4.example/o4> and 7 more" in result.text
    assert ">Outlet 4</a>" in result.html and "and 7 more" in result.html and ">Outlet 5<" not in result.html


def test_personalize_leaves_a_value_that_looks_like_a_tag_alone() -> None:
    sly = Recipient(subscriber_id=2, address="a@example.org", name="-unsubscribe_url-", unsubscribe_url="U")
    assert personalize("-name- / -unsubscribe_url-", sly) == "-unsubscribe_url- / U"
