"""Planning with the editorial core: clustering once per edition, rendering once per variant,
stories that grew coming back once, and editor actions and list layouts applied."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import digest.compose
from digest import pipeline
from digest.editorial import Action, EditorAction
from digest.models import Item, Subscriber
from digest.render import Renderer
from digest.store import editorial as editorial_store
from digest.store import items as item_store
from digest.store.db import transaction
from digest.store.tables import edition_variants
from tests.pipeline.conftest import NOW


def same_event(items, _options):
    """Stand-in clusterer: titles with the same "Event:" prefix are one story (these tests are
    about planning; the real clusterer's quality is measured in bench/bench_cluster.py)."""
    events: dict[str, list] = {}
    for item in items:
        events.setdefault(item.title.split(":")[0] if ":" in item.title else item.key, []).append(item)
    return list(events.values())


@pytest.fixture
def clustering(monkeypatch):
    calls = []

    def counting(items, options):
        calls.append(len(items))
        return same_event(items, options)

    monkeypatch.setattr(digest.compose, "cluster_items", counting)
    return calls


def add(world, key: str, title: str, *, at, section: str = "news", categories: tuple[str, ...] = ()) -> None:
    item = Item(
        key=key,
        feed_id=world.feed_id,
        source="",
        url=f"https://news1.example/{key}",
        title=title,
        summary_text="A summary.",
        published=at - timedelta(minutes=30),
        section=section,
        categories=categories,
    )
    with transaction(world.url) as conn:
        item_store.save(conn, [item], at)


def texts(settings, edition_id) -> list[str]:
    with transaction(settings.database_url) as conn:
        query = select(edition_variants.c.text).where(edition_variants.c.edition_id == edition_id)
        return list(conn.execute(query).scalars())


def send(settings, at):
    return pipeline.plan_send("daily", settings, now=at, manual=True)


def test_items_are_clustered_once_per_edition_and_each_variant_rendered_once(
    world, settings, clustering, monkeypatch
):
    rendered = []
    original = Renderer.render

    def counting(self, content, **kwargs):
        rendered.append(content.topics)
        return original(self, content, **kwargs)

    monkeypatch.setattr(Renderer, "render", counting)
    add(world, "n", "Budget: parliament votes", at=NOW)
    add(world, "c", "Opera: premiere by generator light", at=NOW, section="culture")
    readers = [
        Subscriber(email=f"r{i}@example.org", topics=topics)
        for i, topics in enumerate([(), (), ("culture",), ("culture",), ("news",), ("news", "culture")])
    ]
    world.subscribe(*readers)
    plan = send(settings, NOW)
    assert plan.deliveries == 6
    assert len(clustering) == 1
    assert sorted(rendered) == [(), ("culture",), ("news",), ("news", "culture")]


def test_a_story_that_grew_comes_back_once_and_sent_items_never_return(world, settings, clustering):
    world.subscribe(Subscriber(email="reader@example.org"))
    add(world, "q1", "Quake: magnitude 7 strikes off the coast", at=NOW)
    first = send(settings, NOW)
    add(world, "q2", "Quake: tsunami warning lifted", at=NOW + timedelta(hours=2))
    second = send(settings, NOW + timedelta(hours=2))
    add(world, "b1", "Budget: parliament votes", at=NOW + timedelta(hours=4))
    third = send(settings, NOW + timedelta(hours=4))
    fourth = send(settings, NOW + timedelta(hours=6))
    [one], [two], [three] = (texts(settings, p.edition_id) for p in (first, second, third))
    assert "magnitude 7" in one
    assert "tsunami warning" in two and "magnitude 7" not in two and "Updated" in two
    assert "Budget" in three and "Quake" not in three
    assert fourth.edition_id is None and fourth.skipped == 1


def test_editor_actions_apply_to_the_next_edition(world, settings, clustering):
    world.subscribe(Subscriber(email="reader@example.org"))
    add(world, "old", "Bridge: reopened after repairs", at=NOW - timedelta(hours=20))
    add(world, "new", "Budget: parliament votes", at=NOW)
    add(world, "bad", "Rumour: unconfirmed claims", at=NOW)
    with transaction(settings.database_url) as conn:
        editorial_store.save_action(conn, EditorAction("old", Action.PIN, list_name="daily"), NOW)
        editorial_store.save_action(conn, EditorAction("bad", Action.EXCLUDE), NOW)
    [text] = texts(settings, send(settings, NOW).edition_id)
    assert "Rumour" not in text
    assert text.index("Bridge") < text.index("Budget")


def test_a_lists_layout_sizes_its_sections(world, settings, clustering):
    world.subscribe(Subscriber(email="reader@example.org"))
    for n in range(3):
        add(world, f"n{n}", f"Story{n}: something happened", at=NOW - timedelta(hours=n))
    with transaction(settings.database_url) as conn:
        editorial_store.set_layout(conn, "daily", (("news", 1),), actor="test", now=NOW)
    [text] = texts(settings, send(settings, NOW).edition_id)
    assert "Story0" in text and "Story1" not in text and "Story2" not in text
