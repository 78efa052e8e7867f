"""preview_edition: the next edition of a list as the scheduler would build it, stored nowhere.

It reads what planning reads — the recent items, the list's layout, the editor actions in
force, what the list's latest edition carried — and composes and renders one variant the
same way (``digest.compose``, the planning renderer), but creates no edition, variant or
ledger row and sends nothing. ``write_preview`` puts the parts in files for a browser,
a mail client or a reviewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.compose import ComposeOptions, Composition, compose
from digest.config import Settings
from digest.editorial import EditorAction, active_actions
from digest.models import Recipient, RenderedEdition
from digest.pipeline import editors_words
from digest.pipeline.planning import UnknownList, renderer_for
from digest.render import personalize
from digest.store import editions as edition_store
from digest.store import editorial as editorial_store
from digest.store import items as item_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction
from digest.telegram_format import utf16_len

__all__ = ["Preview", "preview_edition", "write_preview"]


@dataclass(slots=True)
class Preview:
    """One variant of a list's next edition, composed and rendered."""

    list_name: str
    topics: tuple[str, ...]
    composition: Composition
    rendered: RenderedEdition
    actions: dict[str, EditorAction]
    after_edition: int | None  # the edition whose items count as already sent

    @property
    def html_bytes(self) -> int:
        return len(self.rendered.html.encode())

    @property
    def text_bytes(self) -> int:
        return len(self.rendered.text.encode())

    @property
    def telegram_units(self) -> list[int]:
        """Length of each Telegram message in UTF-16 code units (what Telegram counts)."""
        return [utf16_len(message) for message in self.rendered.telegram]


def preview_edition(
    list_name: str,
    settings: Settings,
    *,
    topics: tuple[str, ...] = (),
    now: datetime | None = None,
    new_reader: bool = False,
) -> Preview:
    """The variant for ``topics`` (none: a reader without topic choices) who had the list's
    latest edition (or, with ``new_reader``, nothing yet), as planning would compose it now."""
    now = now or datetime.now(UTC)
    with transaction(settings.database_url) as conn:
        list_pk = subscriber_store.list_id(conn, list_name)
        if list_pk is None:
            raise UnknownList(list_name)
        title = next(row[2] for row in subscriber_store.all_lists(conn) if row[0] == list_pk)
        items = item_store.recent(conn, now - timedelta(hours=settings.max_age_hours))
        layout = editorial_store.layout(conn, list_name)
        actions = active_actions(editorial_store.actions(conn, now=now), list_name=list_name, now=now)
        previous = None if new_reader else edition_store.latest(conn, list_pk)
        sent = editorial_store.sent_items(conn, [previous] if previous else [])
        words = editors_words.words_in_force(conn, list_pk, now)
    composition = compose(
        items,
        list_name=list_name,
        title=title,
        now=now,
        options=ComposeOptions.from_settings(settings, layout),
        topics=topics,
        exclude_keys=sent.unchanged,
        updated_keys=sent.changed,
        actions=actions,
    )
    composition.content.words = words
    web_url = f"{settings.public_url}/editions/preview"
    rendered = renderer_for(settings).render(composition.content, edition_id=None, web_url=web_url)
    return Preview(list_name, topics, composition, rendered, actions, previous)


def send_test(preview: Preview, settings: Settings, addresses: Sequence[str]) -> None:
    """Email the preview to editors through the configured channel, as readers would get it
    (same headers, links to a sample reader), the subject marked [TEST]; no ledger row."""
    from digest.channels.registry import email_channel
    from digest.csvio import EMAIL
    from digest.pipeline.delivering import envelope_for

    bad = [address for address in addresses if not EMAIL.match(address.lower())]
    if bad:
        raise ValueError(f"not an email address: {', '.join(bad)}")
    envelope = replace(envelope_for(settings, 0, preview.list_name, preview.rendered), test=True)
    public = settings.public_url
    editors = [
        Recipient(0, address.lower(), "Editor", f"{public}/unsubscribe/test", f"{public}/preferences/test")
        for address in addresses
    ]
    email_channel(settings).deliver(envelope, editors)


def write_preview(preview: Preview, folder: Path, *, public_url: str) -> list[Path]:
    """email.html, email.txt and telegram-N.html in ``folder`` (made if missing, earlier
    Telegram files removed), personalized for a sample reader; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("telegram-*.html"):
        old.unlink()
    reader = Recipient(
        0, "reader@example.org", "Reader", f"{public_url}/unsubscribe", f"{public_url}/preferences"
    )
    parts = {
        "email.html": personalize(preview.rendered.html, reader, html_escape=True),
        "email.txt": personalize(preview.rendered.text, reader),
    }
    for number, message in enumerate(preview.rendered.telegram, start=1):
        parts[f"telegram-{number}.html"] = message
    written = []
    for name, body in parts.items():
        path = folder / name
        path.write_text(body, encoding="utf-8")
        written.append(path)
    return written
