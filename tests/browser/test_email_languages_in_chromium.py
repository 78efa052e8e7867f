"""The digest email in English and Ukrainian in Chromium: 600 and 375 px, light and dark.

Screenshots land in ``test-artifacts/email-<language>-<width>-<scheme>.png``; Ukrainian words run
longer than English ones, so each must still fit the screen with its footer links readable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import open_page
from .test_email_in_chromium import CONTRAST_JS, MIN_CONTRAST, READER, email_html

FOOTER_LINKS = {
    "en": ("Unsubscribe", "Manage preferences", "View in browser"),
    "uk": ("Відписатися", "Налаштування підписки", "Відкрити в браузері"),
}


@pytest.fixture(scope="module")
def emails() -> dict[str, str]:
    return {language: email_html(language) for language in FOOTER_LINKS}


@pytest.mark.parametrize("language", sorted(FOOTER_LINKS))
@pytest.mark.parametrize(("width", "scheme"), [(600, "light"), (600, "dark"), (375, "light"), (375, "dark")])
def test_the_email_in_each_language_fits_and_its_footer_links_read_in_it(
    browser: Any, emails: dict[str, str], artifacts: Path, language: str, width: int, scheme: str
) -> None:
    page = open_page(browser, emails[language], width=width, scheme=scheme)
    try:
        shot = artifacts / f"email-{language}-{width}-{scheme}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        assert page.evaluate("document.documentElement.lang") == language
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        unsubscribe = page.locator(f'a[href="{READER.unsubscribe_url}"]')
        assert unsubscribe.inner_text().strip() == FOOTER_LINKS[language][0]
        assert unsubscribe.evaluate(CONTRAST_JS) >= MIN_CONTRAST
        for name in FOOTER_LINKS[language]:
            assert page.get_by_role("link", name=name).last.is_visible(), name
        others = [w for lang, words in FOOTER_LINKS.items() if lang != language for w in words]
        body = page.inner_text("body")
        assert not [word for word in others if word in body]
    finally:
        page.close()
