"""Pure grouping: ranked stories become the sections of an edition.

Clustering items into stories lives in ``digest.cluster``. Here stories are placed, best
first, into sections, under three limits: each section's size (per list), a cap on the
stories one source leads, and diversity — each story's score is discounted for every
already placed story on the same topic (``digest.rank.diversity_factor``), so one topic
does not fill the digest. Pinned stories go first, into their own "top" section, outside
sizes and diversity; they still count against their source's cap.

Why diversity, and 0.3 (``DIGEST_DIVERSITY``): measured by ``bench/bench_diversity.py`` on
the UCI dev set's busiest day (57 stories, 4 topics, gold stories), a 10-story edition by
score alone is 10 stories of one topic; at 0.3 its biggest topic holds 4 of 10, all four
topics appear, and the chosen stories keep 80% of the best possible score sum (0.15: 5 of
10, 84%; 0.5: 3 of 10, 74%). A hard per-topic cap would need a number per edition size and
would hold back a day when one topic really is the news; the discount only makes it earn it.

Coverage wins over source balance: the per-source cap only decides among comparable
stories. A story whose lead's source is at its cap is led instead by another of its outlets
in the same section (the Huliaipole story of five outlets is not dropped because one of
them already leads three); failing that, it is placed anyway when more outlets carry it
than carry one of the stories that source leads. And a section that has stories but got
none at all still shows its best one (unless the list hides the section): a reader of a
culture section should not find it empty because one outlet fills it.

Placement is greedy and lazy: a story's discount only grows as stories are placed, so a
heap of possibly stale values is re-checked only when a story reaches the top (the usual
lazy-greedy trick), which keeps large days fast.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from digest.models import Item, Section, Story
from digest.rank import base_score, diversity_factor, topic_labels, topic_similarity, total

__all__ = [
    "SECTION_TITLES",
    "TOP_SECTION",
    "Placement",
    "other_sources",
    "place",
    "relead",
    "section_title",
]

TOP_SECTION = "top"

SECTION_TITLES: dict[str, str] = {
    TOP_SECTION: "Top stories",
    "news": "News",
    "analysis": "Analysis",
    "opinion": "Opinion",
    "video": "Video",
    "culture": "Culture",
    "sport": "Sport",
    "business": "Business",
    "science": "Science",
    "world": "World",
}


def section_title(name: str) -> str:
    """A reader-facing title for a section name: "news" -> "News"."""
    return SECTION_TITLES.get(name.casefold()) or name.replace("-", " ").replace("_", " ").title()


@dataclass(slots=True)
class Placement:
    """The sections of an edition, and the stories that did not fit with the reason why."""

    sections: list[Section]
    left_out: list[tuple[Story, str]] = field(default_factory=list)


def place(
    stories: Sequence[Story],
    *,
    order: Sequence[str] | None = None,
    per_section: int = 5,
    max_per_source: int = 3,
    sizes: Mapping[str, int] | None = None,
    diversity: float = 0.0,
) -> Placement:
    """Place ranked stories (best first) into sections by their lead's section.

    Each section keeps at most ``sizes[name]`` stories (``per_section`` when not named; 0
    hides it) and each source leads at most ``max_per_source`` stories in the edition.
    Sections come in ``order``, then the others in the order of their best story; empty
    sections are left out. Stories keep the score they were placed with, diversity included.
    """
    state = _State(per_section, max_per_source, {k.casefold(): v for k, v in (sizes or {}).items()})
    pinned = [s for s in stories if s.score_parts.get("pinned")]
    for story in pinned:
        state.add(TOP_SECTION, story)
    for story, reason in _greedy([s for s in stories if not s.score_parts.get("pinned")], state, diversity):
        if reason:
            state.left_out.append((story, reason))
        else:
            state.add(story.lead.section.casefold(), story)
    _best_of_empty_sections(state)
    wanted = [TOP_SECTION, *(name.casefold() for name in order or ())]
    names = [n for n in wanted if n in state.placed] + [n for n in state.placed if n not in wanted]
    sections = [Section(name=n, title=section_title(n), stories=state.placed[n]) for n in names]
    return Placement(sections=[s for s in sections if s.stories], left_out=state.left_out)


@dataclass(slots=True)
class _State:
    per_section: int
    max_per_source: int
    sizes: dict[str, int]
    placed: dict[str, list[Story]] = field(default_factory=dict)
    leads: Counter[str] = field(default_factory=Counter)
    chosen_labels: list[frozenset[str]] = field(default_factory=list)
    left_out: list[tuple[Story, str]] = field(default_factory=list)

    def add(self, section: str, story: Story) -> None:
        self.placed.setdefault(section, []).append(story)
        self.leads[story.lead.source] += 1
        self.chosen_labels.append(topic_labels(story))

    def size(self, section: str) -> int:
        return self.sizes.get(section, self.per_section)

    def refusal(self, story: Story) -> str:
        """Why ``story`` cannot be placed now, or "" if it can."""
        name = story.lead.section.casefold()
        size = self.size(name)
        if size == 0:
            return f"section {name} is not in this list"
        if len(self.placed.get(name, ())) >= size:
            return f"section {name} is full ({size})"
        if self.capped(story.lead.source) and not self.outcovers(story):
            return f"{story.lead.source} already leads {self.max_per_source}"
        return ""

    def capped(self, source: str) -> bool:
        return self.leads[source] >= self.max_per_source

    def outcovers(self, story: Story) -> bool:
        """True when more outlets carry ``story`` than one its lead's source already leads:
        then coverage wins over source balance."""
        kept = [
            len(s.sources)
            for placed in self.placed.values()
            for s in placed
            if s.lead.source == story.lead.source
        ]
        return bool(kept) and len(story.sources) > min(kept)

    def placeable(self, story: Story) -> tuple[Story, str]:
        """The story as it can be placed now, led by another of its outlets in the same
        section when its lead's source is at its cap, or the reason it cannot be."""
        if self.capped(story.lead.source):
            for item in story.also:
                if item.section.casefold() == story.lead.section.casefold() and not self.capped(item.source):
                    story = relead(story, item)
                    break
        return story, self.refusal(story)


def _greedy(stories: Sequence[Story], state: _State, diversity: float) -> Iterator[tuple[Story, str]]:
    """Stories in the order they are placed or refused, rescored with their diversity part.

    The caller places each story it is given (``state.add``) before asking for the next.
    """
    labels = [topic_labels(story) for story in stories]
    overlap = [sum(topic_similarity(mine, chosen) for chosen in state.chosen_labels) for mine in labels]
    counted = [len(state.chosen_labels)] * len(stories)  # chosen stories overlap[i] accounts for
    heap = [(-_value(story, overlap[i], diversity), i) for i, story in enumerate(stories)]
    heapq.heapify(heap)
    while heap:
        _, i = heapq.heappop(heap)
        if counted[i] < len(state.chosen_labels):  # stale: stories were placed since
            fresh = state.chosen_labels[counted[i] :]
            overlap[i] += sum(topic_similarity(labels[i], chosen) for chosen in fresh)
            counted[i] = len(state.chosen_labels)
            heapq.heappush(heap, (-_value(stories[i], overlap[i], diversity), i))
            continue
        yield state.placeable(_with_diversity(stories[i], diversity_factor(overlap[i], diversity)))


def _best_of_empty_sections(state: _State) -> None:
    """Give each shown section that got no story its best one that only the source cap kept out."""
    for story, reason in list(state.left_out):
        name = story.lead.section.casefold()
        if (
            name not in state.placed
            and state.size(name) > 0
            and reason.endswith(f"leads {state.max_per_source}")
        ):
            state.left_out.remove((story, reason))
            state.add(name, story)


def _value(story: Story, overlap: float, diversity: float) -> float:
    return base_score(story.score_parts) * diversity_factor(overlap, diversity) if story.score_parts else 0.0


def _with_diversity(story: Story, factor: float) -> Story:
    if not story.score_parts:
        return story
    parts = {**story.score_parts, "diversity": factor}
    return dataclasses.replace(story, score=total(parts), score_parts=parts)


def relead(story: Story, lead: Item) -> Story:
    """``story`` led by ``lead`` (one of its items), the others in their order; score kept."""
    others = [item for item in story.items if item is not lead]
    return dataclasses.replace(story, lead=lead, also=others)


def other_sources(story: Story) -> list[Item]:
    """One item per outlet other than the lead's, for the "also in" links."""
    seen = {story.lead.source}
    found: list[Item] = []
    for item in story.also:
        if item.source not in seen:
            seen.add(item.source)
            found.append(item)
    return found
