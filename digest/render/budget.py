"""The email size budget: leave out summaries, then the lowest-ranked stories, until it fits.

Gmail clips a message whose HTML passes ~102 KB and hides the rest (the footer, with the
unsubscribe link, first). The budget counts the HTML after CSS inlining plus the room each
reader's placeholders may take once filled (``expansion_margin``).

Rendering marks every story and summary with HTML comments (``<!--s:3-->…<!--/s-->``,
``<!--m:3-->…<!--/m-->``); one rendering measures what each would save, the next one leaves
out just enough. The marks are removed from what is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from digest.models import Story
from digest.render.personalize import expansion_margin

__all__ = ["Trim", "email_size", "fit", "strip_marks"]

_STORY = re.compile(r"<!--s:(\d+)-->(.*?)<!--/s-->", re.DOTALL)
_SUMMARY = re.compile(r"<!--m:(\d+)-->(.*?)<!--/m-->", re.DOTALL)
_MARKS = re.compile(r"<!--/?[sm](?::\d+)?-->")
MAX_ROUNDS = 8


@dataclass(frozen=True, slots=True)
class Trim:
    """What is left out of the email: summaries and stories, by index in ``content.stories``."""

    no_summary: frozenset[int] = field(default_factory=frozenset)
    dropped: frozenset[int] = field(default_factory=frozenset)


def strip_marks(html: str) -> str:
    return _MARKS.sub("", html)


def email_size(html: str) -> int:
    """Bytes of the HTML part once any reader's placeholders are filled (at most)."""
    return len(html.encode()) + expansion_margin(html)


def fit(
    render: Callable[[Trim], str], stories: Sequence[Story], lead_index: int | None, limit: int
) -> tuple[str, Trim]:
    """The marked-up HTML of the fullest email within ``limit`` bytes, and what it left out.

    ``render`` renders the (inlined, marked) HTML for a trim. The lead story is never
    dropped; its summary goes last.
    """
    trim = Trim()
    html = render(trim)
    for _ in range(MAX_ROUNDS):
        excess = email_size(strip_marks(html)) - limit
        if excess <= 0:
            break
        more = _trim_more(html, trim, _low_first(stories, lead_index), lead_index, excess)
        if more == trim:
            break  # nothing left to leave out
        trim = more
        html = render(trim)
    return html, trim


def _low_first(stories: Sequence[Story], lead_index: int | None) -> list[int]:
    order = sorted(range(len(stories)), key=lambda i: (stories[i].score, -i))
    if lead_index is not None:  # the lead's summary goes last, whatever the scores say
        order.remove(lead_index)
        order.append(lead_index)
    return order


def _trim_more(html: str, trim: Trim, order: list[int], lead_index: int | None, excess: int) -> Trim:
    summaries = {int(m.group(1)): len(m.group(2).encode()) for m in _SUMMARY.finditer(html)}
    rows = {int(m.group(1)): len(m.group(2).encode()) for m in _STORY.finditer(html)}
    no_summary, dropped = set(trim.no_summary), set(trim.dropped)
    saved = 0
    for index in order:
        if saved >= excess:
            break
        if index in summaries and index not in no_summary:
            no_summary.add(index)
            saved += summaries[index]
    for index in order:
        if saved >= excess:
            break
        if index != lead_index and index in rows and index not in dropped:
            dropped.add(index)
            saved += rows[index] - (summaries.get(index, 0) if index in no_summary else 0)
    return Trim(frozenset(no_summary), frozenset(dropped))
