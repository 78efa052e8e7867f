"""Pure editor controls: what pin, boost, bury and exclude do to a story, and list layouts.

Editors act on one item (by its key); the action applies to the story that item ends up
in, whichever item leads it. Actions are stored by ``digest.store.editorial``; planning
loads the active ones once per edition and hands them to ``compose`` as a mapping.

- ``exclude``: the story is never shown (nor any later update of it).
- ``pin``: the story goes to the top of the edition, above every unpinned one, outside
  section sizes and diversity. It is still not repeated to a reader who already had it.
- ``boost`` / ``bury``: the story's score is multiplied / divided by the action's factor.

When one story holds several acted-on items, exclude wins over pin, and boost/bury
factors multiply. An action for one list wins over an action for all lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from digest.models import Item

__all__ = [
    "DEFAULT_FACTOR",
    "NO_ACTION",
    "Action",
    "EditorAction",
    "StoryAction",
    "active_actions",
    "describe",
    "format_layout",
    "parse_layout",
    "story_action",
]

DEFAULT_FACTOR = 2.0


class Action(StrEnum):
    PIN = "pin"
    BOOST = "boost"
    BURY = "bury"
    EXCLUDE = "exclude"


@dataclass(frozen=True, slots=True)
class EditorAction:
    """One editor's decision about one item, for one list (or all lists when ``list_name`` is None)."""

    item_key: str
    action: Action
    factor: float = 1.0
    list_name: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    created_by: str = ""
    id: int | None = None

    @property
    def multiplier(self) -> float:
        """What the action does to a score: ×factor for boost, ÷factor for bury, else 1."""
        if self.action is Action.BOOST:
            return self.factor
        if self.action is Action.BURY:
            return 1.0 / self.factor
        return 1.0

    def is_active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True, slots=True)
class StoryAction:
    """The combined effect of the actions on a story's items."""

    excluded: bool = False
    pinned: bool = False
    factor: float = 1.0

    @property
    def label(self) -> str:
        return describe(excluded=self.excluded, pinned=self.pinned, factor=self.factor)


NO_ACTION = StoryAction()


def describe(*, excluded: bool = False, pinned: bool = False, factor: float = 1.0) -> str:
    """A short reader-facing label: "exclude", "pin", "boost ×2", "bury ÷2" or ""."""
    if excluded:
        return "exclude"
    if pinned:
        return "pin"
    if factor > 1:
        return f"boost ×{factor:g}"
    if factor < 1:
        return f"bury ÷{1 / factor:g}"
    return ""


def active_actions(
    actions: Iterable[EditorAction], *, list_name: str, now: datetime
) -> dict[str, EditorAction]:
    """The action in force per item key for this list at ``now``: expired ones are dropped,
    a list's own action wins over one for all lists, and the newest wins among equals."""
    chosen: dict[str, EditorAction] = {}
    for action in actions:
        if not action.is_active(now) or action.list_name not in (None, list_name):
            continue
        current = chosen.get(action.item_key)
        if current is None or _precedence(action) >= _precedence(current):
            chosen[action.item_key] = action
    return chosen


def _precedence(action: EditorAction) -> tuple[bool, float, int]:
    created = action.created_at.timestamp() if action.created_at else 0.0
    return (action.list_name is not None, created, action.id or 0)


def story_action(items: Sequence[Item], actions: Mapping[str, EditorAction]) -> StoryAction:
    """What the editors decided about a story made of ``items``."""
    found = [actions[item.key] for item in items if item.key in actions]
    if not found:
        return NO_ACTION
    factor = 1.0
    for action in found:
        factor *= action.multiplier
    return StoryAction(
        excluded=any(a.action is Action.EXCLUDE for a in found),
        pinned=any(a.action is Action.PIN for a in found),
        factor=factor,
    )


def parse_layout(text: str) -> tuple[tuple[str, int | None], ...]:
    """``"news:5,analysis:3,video"`` -> ``(("news", 5), ("analysis", 3), ("video", None))``.

    The order is the order of the sections in the edition; a size of 0 hides a section,
    no size means the default size.
    """
    layout: list[tuple[str, int | None]] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, sep, size = (s.strip() for s in part.partition(":"))
        if not name or (sep and not size.isdigit()):
            raise ValueError(f"expected section[:size] separated by commas, got {part!r}")
        if any(name.casefold() == seen for seen, _ in layout):
            raise ValueError(f"section {name!r} is named twice")
        layout.append((name.casefold(), int(size) if sep else None))
    return tuple(layout)


def format_layout(layout: Sequence[tuple[str, int | None]]) -> str:
    """The inverse of ``parse_layout``."""
    return ",".join(name if size is None else f"{name}:{size}" for name, size in layout)
