"""Measurement: does diversity keep one topic from filling the digest, and at what cost?

On the UCI dev set (``../shared/corpora/uci-news-sample``), each UTC day is one edition's
pool: the aggregator's STORY ids are the stories (the gold clusters, so the clusterer's
errors do not blur this), a story's topic is the aggregator's CATEGORY (business, tech,
entertainment, health), its time the latest crawl of its lead, every source weighing 1.
Stories are ranked by ``digest.rank`` and placed by ``digest.group`` into one section of
``SIZE`` stories with the source cap off, at several ``diversity`` values. Reported per
value, averaged over the days:

- ``top share``: the share of the edition held by its biggest topic (lower is more varied);
- ``topics``: how many of the 4 topics the edition shows;
- ``kept``: the summed undiscounted score of the chosen stories over the best possible
  (diversity 0) sum — how much ranking quality diversity costs.

    .venv/bin/python -m bench.bench_diversity
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from digest.group import place
from digest.models import Item, Story
from digest.rank import base_score, make_story, rank

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV_SET = SHARED / "corpora" / "uci-news-sample" / "uci-news-aggregator.first6365rows.csv"
TOPICS = {"b": "business", "t": "tech", "e": "entertainment", "m": "health"}
SIZE = 10
GRID = (0.0, 0.15, 0.3, 0.5, 0.7)


def days() -> dict[str, list[Story]]:
    """Each UTC day's stories."""
    by_day: dict[str, dict[str, list[Item]]] = defaultdict(lambda: defaultdict(list))
    with DEV_SET.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            published = datetime.fromtimestamp(int(row["TIMESTAMP"]) / 1000, UTC)
            item = Item(
                key=row["ID"],
                feed_id=1,
                source=row["PUBLISHER"],
                url=row["URL"],
                title=row["TITLE"],
                published=published,
                categories=(TOPICS[row["CATEGORY"]],),
            )
            by_day[published.date().isoformat()][row["STORY"]].append(item)
    return {day: [make_story(group) for group in stories.values()] for day, stories in by_day.items()}


def measure(stories: list[Story], diversity: float) -> tuple[float, int, float]:
    now = max(s.lead.published for s in stories if s.lead.published)
    ranked = rank(stories, now=now, half_life_hours=12)
    best = sum(base_score(s.score_parts) for s in ranked[:SIZE])
    [section] = place(ranked, per_section=SIZE, max_per_source=SIZE, diversity=diversity).sections
    topics = Counter(s.lead.categories[0] for s in section.stories)
    kept = sum(base_score({**s.score_parts, "diversity": 1.0}) for s in section.stories) / best
    return topics.most_common(1)[0][1] / len(section.stories), len(topics), kept


def main() -> None:
    pools = {day: stories for day, stories in days().items() if len(stories) > SIZE}
    print(
        f"{len(pools)} days with more than {SIZE} stories: "
        + ", ".join(f"{day} ({len(s)} stories)" for day, s in pools.items())
    )
    print(f"{'diversity':>9} {'top share':>10} {'topics':>7} {'kept':>6}")
    for diversity in GRID:
        rows = [measure(stories, diversity) for stories in pools.values()]
        share, topics, kept = (sum(values) / len(rows) for values in zip(*rows, strict=True))
        print(f"{diversity:>9} {share:>10.2f} {topics:>7.1f} {kept:>6.2f}")


if __name__ == "__main__":
    main()
