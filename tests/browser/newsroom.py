"""A small newsroom for the desk's browser tests: news, feeds, lists, readers, an editor of
each role and one finished breaking edition; and signing in as a person would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from digest import links
from digest.config import Settings
from digest.models import FeedSpec, Item, Subscriber
from digest.pipeline import accounts as auth
from digest.pipeline import breaking as news_desk
from digest.pipeline import subscriptions as subs
from digest.pipeline import sunset
from digest.store import feeds as feed_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store import suppressions as suppression_store
from digest.store.db import transaction
from digest.web import editor_breaking
from tests.web.conftest import add_news, binding

PASSWORD = "correct horse battery"
EDITORS = {"admin": "ada@example.org", "editor": "ed@example.org", "viewer": "vi@example.org"}


@dataclass(frozen=True)
class Newsroom:
    edition_id: int
    reader_id: int
    settings: Settings

    def reader_paths(self) -> dict[str, str]:
        """Signed links of one reader, as their emails carry them (paths on this app)."""
        s, key, now = self.settings, self.settings.signing_key(), datetime.now(UTC)
        bound = binding(s, self.reader_id)  # links verify only for the reader they were issued to
        urls = {
            "/unsubscribe/{token}": links.unsubscribe_url(s.public_url, key, self.reader_id, "daily", bound),
            "/preferences/{token}": links.preferences_url(
                s.public_url, key, self.reader_id, "daily", now, bound
            ),
            "/confirm/{token}": subs.confirm_url(s, self.reader_id, ["daily"], now, bound),
            "/keep/{token}": sunset.keep_url(s, self.reader_id),
        }
        return {route: url.removeprefix(s.public_url) for route, url in urls.items()}


HEADLINES = (
    "Winter storm closes every school in the valley",
    "Council approves the harbour budget after a long night",
    "Hospital opens a new children's wing",
    "Rail strike called for next week",
    "Local team wins the cup final on penalties",
)


def seed(settings: Settings, readers: int = 12, suppressed: int = 0) -> Newsroom:
    """The newsroom, with a breaking send to ``readers`` emails and one channel already out;
    ``suppressed`` more breaking readers are on the suppression list, so it holds them back."""
    now = datetime.now(UTC)
    add_news(settings, 6)
    with transaction(settings.database_url) as conn:
        tv, _ = feed_store.add(conn, FeedSpec("https://tv.example.org/rss", "Frontline TV"), now)
        news = [
            Item(
                key=f"tv-{n}",
                feed_id=tv.id,
                source="Frontline TV",
                url=f"https://tv.example.org/{n}",
                title=title,
                summary_text="Reported this morning.",
                published=now - timedelta(minutes=30 * n + 10),
            )
            for n, title in enumerate(HEADLINES)
        ]
        item_store.save(conn, news, now)
        broken, _ = feed_store.add(conn, FeedSpec("https://broken.example.org/" + "x" * 120, "Broken"), now)
        error = "HTTP 503 from " + "very-long-host-name." * 8
        feed_store.record_error(conn, broken.id, now=now, next_fetch_at=now + timedelta(hours=1), error=error)
        subscriber_store.ensure_list(conn, "daily", now, "The Morning Briefing")
        subscriber_store.ensure_list(conn, "breaking", now, "Breaking news", "breaking")
        reader_id, _ = subscriber_store.save(
            conn, Subscriber(email="reader@example.org", name="Rita Reader", lists=("daily",)), now
        )
        for n in range(readers):
            subscriber_store.save(conn, Subscriber(email=f"r{n}@example.org", lists=("breaking",)), now)
        subscriber_store.save(conn, Subscriber(telegram_chat_id="@newsroom_test", lists=("breaking",)), now)
        for n in range(suppressed):
            subscriber_store.save(conn, Subscriber(email=f"held{n}@example.org", lists=("breaking",)), now)
            suppression_store.suppress(conn, f"held{n}@example.org", "bounce", now)
    for role, email in EDITORS.items():
        auth.add_editor(settings, email, role, PASSWORD, "test")
    quake = news_desk.news_from_text(
        "Quake shakes the coast", "https://wire.example.org/quake", "Felt widely."
    )
    sent = news_desk.send_breaking(
        settings, quake, "breaking", editor_breaking.dispatcher(settings), actor=EDITORS["editor"]
    )
    editor_breaking.drain()
    return Newsroom(sent.edition_id, reader_id, settings)


def sign_in(page: Any, base: str, role: str = "admin") -> None:
    page.goto(f"{base}/admin/login")
    page.fill("#email", EDITORS[role])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin")
