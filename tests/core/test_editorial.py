"""Editor actions and list layouts, without a database or a clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from digest.editorial import Action, EditorAction, active_actions, format_layout, parse_layout, story_action

from .factories import NOW, item


def act(
    key: str,
    action: Action,
    factor: float = 2.0,
    *,
    list_name: str | None = None,
    minutes: int = 0,
    expires_in: float | None = None,
) -> EditorAction:
    return EditorAction(
        key,
        action,
        factor,
        list_name,
        created_at=NOW - timedelta(hours=1) + timedelta(minutes=minutes),
        expires_at=None if expires_in is None else NOW + timedelta(hours=expires_in),
    )


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        pytest.param([act("a", Action.PIN)], {"a": Action.PIN}, id="an action for every list"),
        pytest.param([act("a", Action.PIN, list_name="weekly")], {}, id="another list's action"),
        pytest.param([act("a", Action.PIN, expires_in=-1)], {}, id="an expired action"),
        pytest.param([act("a", Action.PIN, expires_in=1)], {"a": Action.PIN}, id="not yet expired"),
        pytest.param(
            [act("a", Action.BURY, list_name="daily"), act("a", Action.PIN, minutes=5)],
            {"a": Action.BURY},
            id="the list's own action wins over a newer one for every list",
        ),
        pytest.param(
            [act("a", Action.BURY, minutes=5), act("a", Action.BOOST)],
            {"a": Action.BURY},
            id="among equals the newest wins",
        ),
    ],
)
def test_active_actions_picks_the_one_in_force_per_item(actions, expected) -> None:
    found = active_actions(actions, list_name="daily", now=NOW)
    assert {key: a.action for key, a in found.items()} == expected


@pytest.mark.parametrize(
    ("actions", "excluded", "pinned", "factor"),
    [
        pytest.param({}, False, False, 1.0, id="no action"),
        pytest.param({"b": act("b", Action.BOOST, 3)}, False, False, 3.0, id="a boost on any item"),
        pytest.param({"a": act("a", Action.BURY, 4)}, False, False, 0.25, id="a bury divides"),
        pytest.param(
            {"a": act("a", Action.BOOST, 2), "b": act("b", Action.BOOST, 3)},
            False,
            False,
            6.0,
            id="factors multiply",
        ),
        pytest.param(
            {"a": act("a", Action.PIN), "b": act("b", Action.EXCLUDE)},
            True,
            True,
            1.0,
            id="exclude and pin both seen",
        ),
        pytest.param({"z": act("z", Action.EXCLUDE)}, False, False, 1.0, id="another story's item"),
    ],
)
def test_story_action_combines_the_actions_on_its_items(actions, excluded, pinned, factor) -> None:
    found = story_action([item("a"), item("b")], actions)
    assert (found.excluded, found.pinned, found.factor) == (excluded, pinned, pytest.approx(factor))


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ("news:5,analysis:3,video:2", (("news", 5), ("analysis", 3), ("video", 2))),
        (" News : 5 , culture:0 ", (("news", 5), ("culture", 0))),
        ("news,video:1", (("news", None), ("video", 1))),
        ("", ()),
    ],
)
def test_a_layout_reads_sections_in_order_with_sizes(text, layout) -> None:
    assert parse_layout(text) == layout
    assert parse_layout(format_layout(layout)) == layout


@pytest.mark.parametrize("text", ["news:five", "news:-1", ":3", "news:2,news:3"])
def test_a_bad_layout_is_refused_with_the_bad_part(text) -> None:
    with pytest.raises(ValueError, match=r"news|:3"):
        parse_layout(text)
