"""The size budget: an email stays under the limit (Gmail clips past ~102 KB), and says what it left out."""

from __future__ import annotations

import logging

import pytest

from digest.models import Recipient, RenderedEdition, Story
from digest.render import Branding, Renderer, email_size, expansion_margin, personalize

from .factories import edition, item, story

WEB_URL = "https://ledger.example/editions/9"
LIMIT = 90 * 1024
WORDS = "Officials said the talks would continue next week as negotiators weigh the latest proposal. "


def long_story(n: int, score: float) -> Story:
    summary = (WORDS * 3)[:300]
    lead = item(
        f"s{n}",
        f"Story {n}: a long headline about the negotiations that went on late into the night in the capital",
        source=f"Outlet {n % 7}",
        url=f"https://outlet-{n % 7}.example/news/2025/03/05/a-long-path-for-story-{n}",
        summary_text=summary,
        summary_html=f"<p>{summary} <a href='https://outlet.example/more/{n}'>More</a></p>",
    )
    also = [item(f"a{n}-{k}", source=f"Other {k}") for k in range(3)]
    return story(lead, *also, score=score)


def big_edition(count: int) -> object:
    stories = [long_story(n, score=1000.0 - n) for n in range(count)]
    return edition(("News", stories[: count // 2]), ("World", stories[count // 2 :]))


@pytest.fixture(scope="module")
def huge(request: pytest.FixtureRequest) -> RenderedEdition:
    branding = Branding("The Kyiv Ledger", "1 Example Street, Kyiv", "https://ledger.example")
    return Renderer(branding).render(big_edition(200), edition_id=9, web_url=WEB_URL)  # type: ignore[arg-type]


def test_an_edition_of_200_long_stories_fits_the_budget_with_room_for_each_readers_links(
    huge: RenderedEdition,
) -> None:
    assert email_size(huge.html) <= LIMIT
    reader = Recipient(
        1,
        "r@example.org",
        "R" * 100,
        "https://ledger.example/u/" + "x" * 180,
        "https://ledger.example/p/" + "y" * 180,
    )
    assert len(personalize(huge.html, reader, html_escape=True).encode()) <= LIMIT


def test_it_says_what_it_left_out(huge: RenderedEdition) -> None:
    assert len(huge.notes) == 2
    assert huge.notes[0].startswith("left out the summaries of ") and "within 90 KB" in huge.notes[0]
    assert huge.notes[1].startswith("left out the ") and "lowest-ranked stories" in huge.notes[1]
    assert "Story 199:" in huge.notes[1] and "Story 1:" not in huge.notes[1]


def test_the_highest_ranked_stories_and_the_footer_stay(huge: RenderedEdition) -> None:
    assert "Story 0:" in huge.html and "Story 1:" in huge.html and "Story 199:" not in huge.html
    assert "-unsubscribe_url-" in huge.html and "1 Example Street, Kyiv" in huge.html
    assert "Story 199:" not in huge.text  # the text part carries the same stories


def test_the_budget_marks_are_not_sent(huge: RenderedEdition) -> None:
    assert "<!--s:" not in huge.html and "<!--m:" not in huge.html and "<!--/s-->" not in huge.html


def test_summaries_go_before_any_story() -> None:
    branding = Branding("N", "A", "https://ledger.example", max_email_bytes=60 * 1024)
    result = Renderer(branding).render(big_edition(40), edition_id=1, web_url=WEB_URL)  # type: ignore[arg-type]
    assert email_size(result.html) <= 60 * 1024
    assert result.notes and all("summaries" in note for note in result.notes)
    assert "Story 39:" in result.html


def test_a_small_edition_is_left_whole_and_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    branding = Branding("N", "A", "https://ledger.example")
    with caplog.at_level(logging.INFO, logger="digest.render"):
        result = Renderer(branding).render(big_edition(6), edition_id=1, web_url=WEB_URL)  # type: ignore[arg-type]
    assert result.notes == () and not caplog.records
    assert result.html.count(">More</a>") == 6


def test_trimming_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    branding = Branding("N", "A", "https://ledger.example", max_email_bytes=40 * 1024)
    with caplog.at_level(logging.INFO, logger="digest.render"):
        Renderer(branding).render(big_edition(60), edition_id=5, web_url=WEB_URL)  # type: ignore[arg-type]
    assert "edition 5: left out" in caplog.text


def test_the_margin_counts_every_placeholder_at_its_largest() -> None:
    assert expansion_margin("a -unsubscribe_url- b -preferences_url- -name-") == (220 - 17) + (220 - 17) + (
        100 - 6
    )
    assert email_size("-name-") == 6 + 94


def test_tags_written_by_a_feed_add_no_expansion_margin_and_only_the_templates_count():
    """Feed text is data: its tag look-alikes are never filled, so they need no room."""
    branding = Branding("The Kyiv Ledger", "1 Example Street, Kyiv", "https://ledger.example")
    bait = " ".join(["-unsubscribe_url- -preferences_url- -name-"] * 20)
    plain = item("p1", "Council approves the budget", summary_text="A summary.")
    hostile = item(
        "h1",
        f"Council approves the budget {bait}",
        summary_text=f"A summary. {bait}",
        url="https://evil.example/?u=-unsubscribe_url-&p=-preferences_url-",
    )
    renderer = Renderer(branding)
    clean = renderer.render(edition(("News", [story(plain)])), edition_id=1, web_url=WEB_URL)
    baited = renderer.render(edition(("News", [story(hostile)])), edition_id=1, web_url=WEB_URL)
    assert expansion_margin(baited.html) == expansion_margin(clean.html) > 0
    assert email_size(baited.html) - len(baited.html.encode()) == expansion_margin(clean.html)
