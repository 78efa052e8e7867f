"""preview_edition: the next edition of a list as the scheduler would build it, stored nowhere.

It reads what planning reads — the recent items, the list's layout, the editor actions in
force, what the list's latest edition carried — and composes and renders one variant the
same way (``digest.compose``, the planning renderer), but creates no edition, variant or
ledger row and sends nothing. ``write_preview`` puts the parts in files for a browser,
a mail client or a reviewer.

``Preview.joins`` says, for each item that joined a story it does not lead, why
(``JoinReason``): whether it still goes with the lead when the items are clustered at the
stricter follow-up setting (a close match, the same event) or only at the clustering
threshold (a loose one, worth a look), and the clusterer's own similarity of the item to
its story and the parts that made it (``_clusterer_reasons``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.cluster import ClusterOptions, cluster_items_explained
from digest.cluster import JoinReason as ClusterReason
from digest.compose import ComposeOptions, Composition, Pool, compose, prepare
from digest.config import Settings
from digest.editorial import EditorAction, active_actions
from digest.models import Item, RenderedEdition
from digest.pipeline import editors_words
from digest.pipeline.planning import UnknownList, renderer_for
from digest.pipeline.stand_ins import editor_recipient
from digest.pipeline.stats import engagement_lifts
from digest.render import personalize
from digest.render.telegram import utf16_len
from digest.store import editions as edition_store
from digest.store import editorial as editorial_store
from digest.store import items as item_store
from digest.store import languages as language_store
from digest.store import subscribers as subscriber_store
from digest.store.db import transaction

__all__ = ["JoinReason", "Preview", "preview_edition", "write_preview"]


@dataclass(frozen=True, slots=True)
class JoinReason:
    """Why an item is in a story it does not lead, for the editors' preview."""

    lead_key: str
    close: bool  # still with the lead when clustered at the stricter follow-up setting
    similarity: float | None = None  # the clusterer's similarity of the item to its story
    parts: tuple[tuple[str, float], ...] = ()  # what made that similarity, as the clusterer says

    @property
    def text(self) -> str:
        found = "close match: same event at the strict setting" if self.close else "loose match only"
        if self.similarity is not None:
            found += f"; similarity {self.similarity:.2f}"
        if self.parts:
            found += " (" + ", ".join(f"{name} {value:.2f}" for name, value in self.parts) + ")"
        return found


@dataclass(slots=True)
class Preview:
    """One variant of a list's next edition, composed and rendered."""

    list_name: str
    topics: tuple[str, ...]
    composition: Composition
    rendered: RenderedEdition
    actions: dict[str, EditorAction]
    after_edition: int | None  # the edition whose items count as already sent
    joins: dict[str, JoinReason] = field(default_factory=dict)  # by key of each joined item

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
        language = language_store.language_of(conn, list_name)
    options = ComposeOptions.from_settings(settings, layout).with_engagement(engagement_lifts(settings, now))
    explaining = _ExplainingClusterer()
    pool = prepare(items, now=now, options=options, clusterer=explaining)
    composition = compose(
        pool,
        list_name=list_name,
        title=title,
        now=now,
        options=options,
        topics=topics,
        exclude_keys=sent.unchanged,
        updated_keys=sent.changed,
        actions=actions,
    )
    composition.content.words = words
    composition.content.language = language
    web_url = f"{settings.public_url}/editions/preview"
    rendered = renderer_for(settings).render(composition.content, edition_id=None, web_url=web_url)
    joins = _joins(pool, composition, _clusterer_reasons(explaining.reasons))
    return Preview(list_name, topics, composition, rendered, actions, previous, joins)


def _joins(
    pool: Pool, composition: Composition, given: dict[str, tuple[float | None, tuple[tuple[str, float], ...]]]
) -> dict[str, JoinReason]:
    """Why each item that does not lead its story is in it (see the module's docstring)."""
    stories = composition.content.stories + [story for story, _ in composition.left_out]
    if not any(story.also for story in stories):
        return {}
    strand_of = {
        item.key: (n, strand)
        for n, (group, strands) in enumerate(zip(pool.clusters, pool.strands(), strict=True))
        for item, strand in zip(group, strands, strict=True)
    }
    return {
        item.key: JoinReason(
            story.lead.key,
            close=strand_of.get(item.key) == strand_of.get(story.lead.key),
            similarity=given.get(item.key, (None, ()))[0],
            parts=given.get(item.key, (None, ()))[1],
        )
        for story in stories
        for item in story.also
    }


class _ExplainingClusterer:
    """``cluster_items`` that keeps the clusterer's reasons of the pool's own clustering, for
    every member of a story (compose may lead it with an item other than its first).

    ``prepare`` clusters first at the edition's setting; a later call (the stricter
    follow-up clustering) must not replace the reasons behind the stories shown.
    """

    def __init__(self) -> None:
        self.reasons: dict[str, ClusterReason] | None = None

    def __call__(self, items: Sequence[Item], options: ClusterOptions) -> list[list[Item]]:
        groups, reasons = cluster_items_explained(items, options, every_member=True)
        if self.reasons is None:
            self.reasons = reasons
        return groups


def _clusterer_reasons(
    reasons: dict[str, ClusterReason] | None,
) -> dict[str, tuple[float | None, tuple[tuple[str, float], ...]]]:
    """The clusterer's own account of each joined item, by item key: its similarity to the
    story (in the space the clusterer merges in) and each part's similarity to the story."""
    return {
        key: (reason.similarity, tuple((part.name, part.similarity) for part in reason.parts))
        for key, reason in (reasons or {}).items()
    }


def send_test(preview: Preview, settings: Settings, addresses: Sequence[str]) -> None:
    """Email the preview to editors through the configured channel, as readers would get it
    (same headers, links to a sample reader), the subject marked [TEST]; no ledger row."""
    from digest.channels.registry import email_channel
    from digest.csvio import EMAIL
    from digest.pipeline.delivering import envelope_for_test_send

    bad = [address for address in addresses if not EMAIL.match(address.lower())]
    if bad:
        raise ValueError(f"not an email address: {', '.join(bad)}")
    envelope = envelope_for_test_send(settings, preview.list_name, preview.rendered)
    # No editor account is known here: a breaking time would read in UTC.
    editors = [editor_recipient(settings, address.lower(), preview.rendered) for address in addresses]
    email_channel(settings).deliver(envelope, editors)


def write_preview(preview: Preview, folder: Path, settings: Settings) -> list[Path]:
    """email.html, email.txt and telegram-N.html in ``folder`` (made if missing, earlier
    Telegram files removed), personalized as an editor's test send is; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("telegram-*.html"):
        old.unlink()
    reader = editor_recipient(settings, "reader@example.org", preview.rendered)
    parts = {
        "email.html": personalize(preview.rendered.html, reader, html_escape=True),
        "email.txt": personalize(preview.rendered.text, reader),
    }
    for number, message in enumerate(preview.rendered.telegram, start=1):
        parts[f"telegram-{number}.html"] = personalize(message, reader, html_escape=True)
    written = []
    for name, body in parts.items():
        path = folder / name
        path.write_text(body, encoding="utf-8")
        written.append(path)
    return written
