"""The UCI News Aggregator development set as a digest sees it: 24-hour windows, shuffled.

Shared by ``bench_cluster`` (scoring) and ``train_cluster`` (training). Windows are UTC
days of the crawl time; inside a window the order is shuffled (fixed seed), because the
file lists each story's rows together and an order-aware method would be flattered by it.
The timestamps only cut windows: they are crawl times, contiguous per story, so they are
never given to the clusterer as a similarity.
"""

from __future__ import annotations

import csv
import gzip
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpora" / "uci-news-dev"
DEV_SET = CORPUS / "uci-news-aggregator.dev.csv.gz"
QUICK_SET = CORPUS / "uci-news-aggregator.2014-03-10_to_19.csv.gz"
SUBSET = 1_500  # items of a random subset of a window


@dataclass(frozen=True)
class Row:
    title: str
    publisher: str
    time: float
    story: str

    @property
    def day(self) -> str:
        return datetime.fromtimestamp(self.time, UTC).date().isoformat()


def available() -> bool:
    return DEV_SET.exists() and QUICK_SET.exists()


def load(path: Path) -> list[Row]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return [
            Row(r["TITLE"], r["PUBLISHER"], int(r["TIMESTAMP"]) / 1000, r["STORY"])
            for r in csv.DictReader(handle)
        ]


def day_windows(rows: list[Row]) -> dict[str, list[Row]]:
    """Every item of each UTC day, shuffled with the day as seed; days in order."""
    windows: dict[str, list[Row]] = {}
    for row in rows:
        windows.setdefault(row.day, []).append(row)
    for day, members in windows.items():
        random.Random(day).shuffle(members)
    return dict(sorted(windows.items()))


def subset(window: list[Row], size: int = SUBSET, seed: str = "") -> list[Row]:
    """A random ``size`` items of a window (all of it if smaller), in random order."""
    if len(window) <= size:
        return window
    return random.Random(f"subset {seed}").sample(window, size)


def month(day: str) -> str:
    return day[:7]
