"""Pure grouping: near-duplicate items become stories, stories become sections.

``cluster`` is a first, deliberately simple clusterer: TF-IDF cosine similarity on the
title (counted twice) plus the first sentence of the summary, stopwords removed, words
cut to a six-letter prefix (a crude stemmer that also works for inflected languages such
as Ukrainian). Pairs above ``threshold`` that were published within ``window_hours`` of
each other are joined with union-find (single link, so a chain of close pairs is one story).
Known limits, for whoever replaces it (embeddings, entities) behind the same signature:
synonyms do not meet ("quake" vs "earthquake"), and two events with the same actors can
merge ("Zelensky meets Biden" / "Zelensky meets Macron" score about 0.43).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

from digest.models import Item, Section, Story

__all__ = [
    "SECTION_TITLES",
    "arrange_sections",
    "cluster",
    "other_sources",
    "section_title",
    "tokens",
]

DEFAULT_THRESHOLD = 0.3
STEM_LENGTH = 6
MIN_SHARED_TOKENS = 2  # one shared name ("Kyiv") is not enough to call two items one story
MAX_STORY_SIZE = 100  # words in more items than this act as stopwords (see _tfidf)

SECTION_TITLES: dict[str, str] = {
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

# English, Ukrainian and Russian function words, plus headline boilerplate.
_STOPWORD_TEXT = """
    a about after again against all also am an and any are as at be because been before being
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its itself just me more most
    my no nor not now of off on once only or other our out over own same she should so some such
    than that the their them then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours
    says said say new news live update updates breaking video watch photos report reports
    і й та а але в у на з із до за від про що як це не ні чи його її їх він вона вони ми ви
    для під над по при через після також вже ще бути був була було були
    и в во на с со к ко от о об что как это не ни или его ее их он она они мы вы
    для под над по при через после также уже еще быть был была было были
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")


def tokens(item: Item) -> list[str]:
    """The words that identify an item's event: title twice, then the first sentence."""
    first_sentence = _SENTENCE_END.split(item.summary_text.strip(), maxsplit=1)[0]
    words = _words(item.title) * 2 + _words(first_sentence)
    return words


def _words(text: str) -> list[str]:
    found = _WORD.findall(text.casefold())
    return [w[:STEM_LENGTH] for w in found if len(w) > 1 and w not in _STOPWORDS]


def cluster(
    items: Sequence[Item], *, window_hours: float = 36, threshold: float = DEFAULT_THRESHOLD
) -> list[list[Item]]:
    """Group items about the same event; every item lands in exactly one group.

    The result is deterministic: items are ordered by (published, key) first, groups come
    in the order of their earliest item and keep that order inside.
    """
    ordered = sorted(items, key=_chronological)
    vectors = _tfidf([tokens(item) for item in ordered])
    parent = list(range(len(ordered)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _similar_pairs(vectors, threshold):
        if _within(ordered[i].published, ordered[j].published, window_hours):
            root_i, root_j = find(i), find(j)
            parent[max(root_i, root_j)] = min(root_i, root_j)

    groups: dict[int, list[Item]] = defaultdict(list)
    for index, item in enumerate(ordered):
        groups[find(index)].append(item)
    return [groups[root] for root in sorted(groups)]


def _chronological(item: Item) -> tuple[float, str]:
    # Undated items go last: they are the least trustworthy signal of "when".
    stamp = item.published.timestamp() if item.published else math.inf
    return (stamp, item.key)


def _within(a: datetime | None, b: datetime | None, window_hours: float) -> bool:
    if a is None or b is None:
        return True
    return abs((a - b).total_seconds()) <= window_hours * 3600


def _tfidf(documents: list[list[str]]) -> list[dict[str, float]]:
    """Unit TF-IDF vectors; words in very many documents are dropped like stopwords."""
    frequency: Counter[str] = Counter()
    for doc in documents:
        frequency.update(set(doc))
    count = len(documents)
    # Above the size of the biggest plausible story, a word says "today", not "this event".
    too_common = max(MAX_STORY_SIZE, count // 20)
    vectors = []
    for doc in documents:
        weights = {
            term: tf * (math.log((1 + count) / (1 + frequency[term])) + 1.0)
            for term, tf in Counter(doc).items()
            if frequency[term] <= too_common
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({term: w / norm for term, w in weights.items()})
    return vectors


def _similar_pairs(vectors: list[dict[str, float]], threshold: float) -> list[tuple[int, int]]:
    """Index pairs whose cosine reaches ``threshold``, summed word by word over shared words only."""
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for index, vector in enumerate(vectors):
        for term, weight in vector.items():
            postings[term].append((index, weight))
    dots: dict[tuple[int, int], float] = defaultdict(float)
    shared: Counter[tuple[int, int]] = Counter()
    for members in postings.values():
        for position, (i, weight_i) in enumerate(members):
            for j, weight_j in members[position + 1 :]:
                dots[(i, j)] += weight_i * weight_j
                shared[(i, j)] += 1
    return sorted(
        pair for pair, dot in dots.items() if dot >= threshold and shared[pair] >= MIN_SHARED_TOKENS
    )


def section_title(name: str) -> str:
    """A reader-facing title for a section name: "news" -> "News"."""
    return SECTION_TITLES.get(name.casefold()) or name.replace("-", " ").replace("_", " ").title()


def arrange_sections(
    stories: Sequence[Story],
    *,
    order: Sequence[str] | None = None,
    per_section: int = 5,
    max_per_source: int = 3,
) -> list[Section]:
    """Place ranked stories (best first) into sections by their lead's section.

    Each section keeps at most ``per_section`` stories and each source leads at most
    ``max_per_source`` stories in the whole edition. Sections named in ``order`` come
    first in that order; the others follow in the order of their best story. Empty
    sections are left out.
    """
    placed: dict[str, list[Story]] = {}
    leads_by_source: Counter[str] = Counter()
    for story in stories:
        name = story.lead.section.casefold()
        section = placed.setdefault(name, [])
        if len(section) >= per_section or leads_by_source[story.lead.source] >= max_per_source:
            continue
        section.append(story)
        leads_by_source[story.lead.source] += 1
    wanted = [name.casefold() for name in order or ()]
    names = [n for n in wanted if n in placed] + [n for n in placed if n not in wanted]
    return [Section(name=n, title=section_title(n), stories=placed[n]) for n in names if placed[n]]


def other_sources(story: Story) -> list[Item]:
    """One item per outlet other than the lead's, for the "also in" links."""
    seen = {story.lead.source}
    found: list[Item] = []
    for item in story.also:
        if item.source not in seen:
            seen.add(item.source)
            found.append(item)
    return found
