"""Parse the sample feeds ×100 with digest's parser and with plain feedparser, in one process.

    python bench/bench_parse.py           # ×100
    python bench/bench_parse.py --quick   # ×10

Prints items per second for both and the ratio; ``run()`` returns the same as rows.
The choice recorded in ``digest.collect.parse``'s docstring comes from this benchmark.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import feedparser

from digest.collect.parse import parse

SAMPLES = Path(__file__).resolve().parents[1] / "digest" / "sample" / "feeds"


def _items_per_second(
    bodies: list[tuple[str, bytes]], rounds: int, count: Callable[[str, bytes], int]
) -> float:
    count(*bodies[0])  # warm-up: imports, lxml parser objects
    items = 0
    started = time.perf_counter()
    for _ in range(rounds):
        for name, body in bodies:
            items += count(name, body)
    return items / (time.perf_counter() - started)


def _ours(name: str, body: bytes) -> int:
    return len(parse(body, name).entries)


def _feedparser(name: str, body: bytes) -> int:
    return len(feedparser.parse(body).entries)


def run(quick: bool = False) -> list[dict[str, object]]:
    """One row per stage: {"stage", "ours", "baseline", "ratio", "unit"}."""
    rounds = 10 if quick else 100
    # feedparser 6 reads JSON Feed 1.0 only, so the comparison uses the XML feeds;
    # the JSON row shows our own reader alone.
    xml = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.xml"))]
    json_feeds = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.json"))]
    ours = _items_per_second(xml, rounds, _ours)
    baseline = _items_per_second(xml, rounds, _feedparser)
    ours_json = _items_per_second(json_feeds, rounds, _ours)
    return [
        {
            "stage": "parse",
            "ours": round(ours),
            "baseline": round(baseline),
            "ratio": round(ours / baseline, 1),
            "unit": "items/s",
        },
        {
            "stage": "parse-jsonfeed",
            "ours": round(ours_json),
            "baseline": None,
            "ratio": None,
            "unit": "items/s",
        },
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        ratio = f"  ×{row['ratio']}" if row["ratio"] else ""
        baseline = f"  feedparser {row['baseline']:>8} {row['unit']}" if row["baseline"] else ""
        print(f"{row['stage']:<16} ours {row['ours']:>8} {row['unit']}{baseline}{ratio}")
