"""An editor's say on the next edition from the preview page: pin, boost, bury, exclude or
clear a story, for a while or until cleared; and the preview's numbers in an editor's words.

``apply`` is the use case behind the preview page's buttons (the CLI has ``digest pin`` …);
``score_words`` and ``left_out_words`` are pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from digest import schedule
from digest.config import Settings
from digest.editorial import DEFAULT_FACTOR, Action, EditorAction
from digest.errors import DigestError
from digest.models import Story
from digest.store import editorial
from digest.store.db import transaction

__all__ = ["CONTROLS", "DURATIONS", "Applied", "InvalidSelection", "apply", "left_out_words", "score_words"]

CONTROLS = ("pin", "boost", "bury", "exclude", "clear")
# How long a web action lasts: hours (0 = until an editor clears it).
DURATIONS = (0, 2, 6, 12, 24, 48)
PAST_TENSE = {
    "pin": "Pinned",
    "boost": "Boosted",
    "bury": "Buried",
    "exclude": "Excluded",
    "clear": "Cleared",
}


class InvalidSelection(DigestError):
    """An unknown control, a missing story or a duration the page does not offer."""


@dataclass(frozen=True, slots=True)
class Applied:
    action: str
    item_key: str
    expires_at: datetime | None


def apply(
    settings: Settings, list_name: str, item_key: str, action: str, actor: str, hours: int = 0
) -> Applied:
    """Record the editor's action on the story led by ``item_key`` for ``list_name``."""
    if action not in CONTROLS:
        raise InvalidSelection(f"choose one of {', '.join(CONTROLS)}, not {action!r}")
    if not item_key:
        raise InvalidSelection("choose a story")
    if hours not in DURATIONS:
        raise InvalidSelection(f"a duration of {hours} hours is not offered")
    now = datetime.now(UTC)
    expires = now + timedelta(hours=hours) if hours and action != "clear" else None
    with transaction(settings.database_url) as conn:
        if action == "clear":
            editorial.clear_actions(conn, item_key, list_name, actor=actor, now=now)
        else:
            factor = DEFAULT_FACTOR if action in ("boost", "bury") else 1.0
            chosen = EditorAction(item_key, Action(action), factor, list_name, now, expires, actor)
            editorial.save_action(conn, chosen, now)
    return Applied(action, item_key, expires)


# --- words --------------------------------------------------------------------------------


def clock(moment: datetime, zone: str) -> str:
    """``18:00 CET``, or ``Wed 18:00 CET`` when it is not today in that zone."""
    here = moment.astimezone(schedule.zone(zone or "UTC"))
    today = datetime.now(UTC).astimezone(here.tzinfo).date()
    day = "" if here.date() == today else f"{here:%a} "
    return f"{day}{here:%H:%M} {here.tzname()}"


def _hours(age: float) -> str:
    if age < 1:
        return f"{max(1, round(age * 60))} min old"
    if age < 48:
        return f"{age:.0f} h old"
    return f"{age / 24:.0f} days old"


def score_words(story: Story, action: EditorAction | None, zone: str) -> list[str]:
    """Why a story stands where it does, in words: "4 outlets", "6 h old", "pinned until 18:00"."""
    parts: Mapping[str, float] = story.score_parts
    outlets = len(story.sources)
    words = [f"{outlets} outlet{'s' if outlets != 1 else ''}"]
    if "age_hours" in parts:
        words.append(_hours(parts["age_hours"]))
    if parts.get("source_weight", 1.0) != 1.0:
        words.append(f"source weighted ×{parts['source_weight']:g}")
    if parts.get("section_priority", 1.0) != 1.0:
        words.append(f"section priority ×{parts['section_priority']:g}")
    diversity = parts.get("diversity", 1.0)
    if diversity < 1.0:
        words.append(f"close to a story above (×{diversity:.2f})")
    words += _editor_words(parts, action, zone)
    return words


def _editor_words(parts: Mapping[str, float], action: EditorAction | None, zone: str) -> list[str]:
    ends = f" until {clock(action.expires_at, zone)}" if action and action.expires_at else ""
    if parts.get("pinned"):
        return [f"pinned{ends}"]
    factor = parts.get("editor", 1.0)
    if factor > 1:
        return [f"boosted ×{factor:g}{ends}"]
    if factor < 1:
        return [f"buried ÷{1 / factor:g}{ends}"]
    return []


def left_out_words(reason: str) -> str:
    """A left-out reason as a sentence an editor reads at a glance."""
    text = reason.strip() or "it did not fit"
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
