"""The rendered email in a real browser engine: phone and desktop widths, light and dark.

Nothing may overflow sideways on a 375px phone, and the unsubscribe link must be there,
on screen and readable. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from digest.models import Recipient
from digest.render import Branding, CallToAction, Renderer, Utm, personalize
from tests.core.factories import edition, item, story

from .conftest import open_page

BRANDING = Branding(
    "The Kyiv Ledger",
    "1 Example Street, Kyiv 01001, Ukraine",
    "https://ledger.example",
    logo_url="https://ledger.example/logo.png",
    logo_size=(160, 40),
    footer_text="Independent, reader-funded journalism",
    cta=CallToAction(
        "Help us reach 25,000 members", "Become a member", "https://ledger.example/join", 18340, 25000
    ),
    section_titles=(("news", "Top news"),),
    utm=Utm("ledger", "email", "{list}"),
)
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung" * 2
READER = Recipient(
    1,
    "olena@example.org",
    "Олена",
    "https://ledger.example/unsubscribe/" + "t" * 140,
    "https://ledger.example/preferences/" + "p" * 140,
)
# The contrast check: text that anyone can read (WCAG asks 4.5:1 for small text).
MIN_CONTRAST = 4.5
CONTRAST_JS = """
(el) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0)) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def email_html(language: str = "en") -> str:
    stories = [
        story(
            item(
                "lead",
                "Kyiv's National Opera stages a premiere on generator power after the blackout",
                source="The Kyiv Ledger",
                summary_text="The premiere went ahead despite the outage.",
                summary_html=f"<p>The premiere went ahead despite the outage. {LONG_WORD}</p>",
                image_url="https://img.ledger.example/opera.jpg",
                image_caption="The cast takes a bow at the National Opera in Kyiv",
                reading_minutes=4,
            ),
            item("b", source="Black Sea Wire"),
            item("c", source="Lviv Signal"),
            score=9.0,
        ),
        story(
            item(
                "uk",
                "Рада ухвалила бюджет на 2026 рік 🇺🇦",
                source="Суспільне",
                summary_text="Депутати ухвалили.",
            ),
            score=3,
        ),
        story(
            item(
                "ar",
                "قمة في الدوحة لبحث وقف إطلاق النار",
                source="الجزيرة",
                summary_text="اجتمع القادة في الدوحة.",
            ),
            score=2,
        ),
        story(item("he", "פסגה בירושלים", source="הארץ"), score=1.5),
        story(item("url", "A " + LONG_WORD, source="Wire", url="https://wire.example/" + "x" * 300), score=1),
        story(item("vid", "Inside the newsroom 🎥", source="Ledger TV", is_video=True), score=0.5),
    ]
    content = replace(edition(("News", stories[:4]), ("Video", stories[4:])), language=language)
    rendered = Renderer(BRANDING).render(content, edition_id=7, web_url="https://ledger.example/editions/7")
    return personalize(rendered.html, READER, html_escape=True)


@pytest.fixture(scope="module")
def html() -> str:
    return email_html()


def check_unsubscribe_link(page: Any, width: int) -> None:
    link = page.locator(f'a[href="{READER.unsubscribe_url}"]')
    assert link.count() == 1 and link.inner_text().strip() == "Unsubscribe"
    assert link.is_visible()
    box = link.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert link.evaluate(CONTRAST_JS) >= MIN_CONTRAST


@pytest.mark.parametrize(
    ("width", "scheme"),
    [(600, "light"), (375, "light"), (375, "dark"), (600, "dark")],
)
def test_the_email_fits_the_screen_and_the_unsubscribe_link_is_readable(
    browser: Any, html: str, artifacts: Path, width: int, scheme: str
) -> None:
    page = open_page(browser, html, width=width, scheme=scheme)
    try:
        page.screenshot(path=str(artifacts / f"email-{width}-{scheme}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        check_unsubscribe_link(page, width)
        for name in ("Manage preferences", "View in browser"):
            assert page.get_by_role("link", name=name).last.is_visible()
    finally:
        page.close()


def test_on_a_phone_the_layout_is_one_column(browser: Any, html: str) -> None:
    page = open_page(browser, html, width=375)
    try:
        name = page.locator(".masthead-name").bounding_box()
        meta = page.locator(".masthead-meta").bounding_box()
        assert name and meta and meta["y"] >= name["y"] + name["height"] - 1  # stacked, not side by side
        image = page.locator("img.lead-image").bounding_box()
        assert image and image["width"] <= 375 and image["height"] > 100  # scaled, ratio kept
    finally:
        page.close()


def test_headlines_and_text_in_any_script_read_in_their_own_direction(browser: Any, html: str) -> None:
    page = open_page(browser, html, width=600)
    try:
        arabic = page.get_by_role("link", name="قمة في الدوحة لبحث وقف إطلاق النار")
        hebrew = page.get_by_role("link", name="פסגה בירושלים")
        assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert hebrew.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert (
            page.get_by_role("link", name="Рада ухвалила бюджет на 2026 рік 🇺🇦").evaluate(
                "e => getComputedStyle(e).direction"
            )
            == "ltr"
        )
    finally:
        page.close()


def test_the_call_to_action_shows_its_progress_bar_and_button(browser: Any, html: str) -> None:
    page = open_page(browser, html, width=375)
    try:
        fill = page.locator(".bar-fill").bounding_box()
        bar = page.locator("table.bar").bounding_box()
        assert fill and bar and 0.6 < fill["width"] / bar["width"] < 0.85  # 18,340 of 25,000 is 73%
        button = page.get_by_role("link", name="Become a member")
        assert button.is_visible() and button.evaluate(CONTRAST_JS) >= MIN_CONTRAST
    finally:
        page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_section_titles_stay_readable_in_light_and_dark_mode(browser: Any, html: str, scheme: str) -> None:
    page = open_page(browser, html, width=600, scheme=scheme)
    try:
        titles = page.locator("h2.section-title")
        assert titles.count() >= 1
        # Large, bold-ish text: WCAG asks 3:1.
        assert min(titles.nth(i).evaluate(CONTRAST_JS) for i in range(titles.count())) >= 3.0
    finally:
        page.close()
