"""Benchmark: our story clusterer against title-only TF-IDF single pass on the UCI dev set.

The 6,365 UCI headlines are split into UTC-day windows (the set spans 2014-03-10 16:52 to
2014-03-12 04:49, so three windows of 1,109 / 4,299 / 957 items); each window is shuffled
with a fixed seed, because the file lists every story's rows together and an order-aware
method (single pass) would be flattered by that order. Both methods get their threshold
by leave-one-window-out cross-validation: for each window, the threshold with the best
mean F1 on the other windows is the one reported for it.

The speed run uses 10,000 items: the 6,365 rows plus the first 3,635 again, each copy with
one word dropped (fixed seed) and published an hour later, gold label unchanged.

    .venv/bin/python -m bench.bench_cluster [--quick]
"""

from __future__ import annotations

import csv
import random
import re
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from math import log, sqrt
from pathlib import Path
from typing import Any

from digest.bcubed import bcubed
from digest.cluster import ClusterOptions, cluster_texts

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV_SET = SHARED / "corpora" / "uci-news-sample" / "uci-news-aggregator.first6365rows.csv"
OUR_GRID = (0.10, 0.12, 0.13, 0.14, 0.16, 0.18)
BASELINE_GRID = (0.05, 0.1, 0.15, 0.2, 0.3)
SPEED_ITEMS = 10_000

Labeller = Callable[[Sequence[str], Sequence[float], Sequence[str], float], list[int]]


@dataclass(frozen=True)
class Row:
    title: str
    publisher: str
    time: float
    story: str


def load() -> list[Row]:
    with DEV_SET.open(newline="", encoding="utf-8") as handle:
        return [
            Row(r["TITLE"], r["PUBLISHER"], int(r["TIMESTAMP"]) / 1000, r["STORY"])
            for r in csv.DictReader(handle)
        ]


def day_windows(rows: list[Row]) -> dict[str, list[Row]]:
    windows: dict[str, list[Row]] = {}
    for row in rows:
        windows.setdefault(datetime.fromtimestamp(row.time, UTC).date().isoformat(), []).append(row)
    for day, members in windows.items():
        random.Random(day).shuffle(members)
    return windows


def perturbed_to(rows: list[Row], count: int) -> list[Row]:
    """``rows`` plus copies (one word dropped, an hour later) up to ``count`` items; or its head."""
    if count <= len(rows):
        return rows[:count]
    generator = random.Random(1)
    extra = []
    for row in (rows * (count // len(rows) + 1))[: count - len(rows)]:
        words = row.title.split()
        if len(words) > 3:
            del words[generator.randrange(len(words))]
        extra.append(replace(row, title=" ".join(words), time=row.time + 3600))
    return rows + extra


# ---- the baseline: title-only TF-IDF, single pass over the input order -----------------


def baseline(
    texts: Sequence[str], times: Sequence[float], sources: Sequence[str], threshold: float
) -> list[int]:
    """Each title joins the most similar story centroid if cosine >= threshold, else starts one."""
    vectors = _tfidf([re.findall(r"\w+", text.lower()) for text in texts])
    centroids: list[dict[str, float]] = []
    postings: dict[str, set[int]] = {}
    labels = []
    for vector in vectors:
        scores: dict[int, float] = {}
        for term, weight in vector.items():
            for story in postings.get(term, ()):
                scores[story] = scores.get(story, 0.0) + weight * centroids[story][term]
        best = max(scores, key=lambda s: (scores[s] / _norm(centroids[s]), -s), default=None)
        if best is None or scores[best] / _norm(centroids[best]) < threshold:
            best = len(centroids)
            centroids.append({})
        for term, weight in vector.items():
            centroids[best][term] = centroids[best].get(term, 0.0) + weight
            postings.setdefault(term, set()).add(best)
        labels.append(best)
    return labels


def _norm(vector: dict[str, float]) -> float:
    return sqrt(sum(w * w for w in vector.values())) or 1.0


def _tfidf(documents: list[list[str]]) -> list[dict[str, float]]:
    df: dict[str, int] = {}
    for doc in documents:
        for term in set(doc):
            df[term] = df.get(term, 0) + 1
    n = len(documents)
    vectors = []
    for doc in documents:
        weights: dict[str, float] = {}
        for term in doc:
            weights[term] = weights.get(term, 0.0) + log((1 + n) / (1 + df[term])) + 1
        norm = sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({t: w / norm for t, w in weights.items()})
    return vectors


def ours(texts: Sequence[str], times: Sequence[float], sources: Sequence[str], threshold: float) -> list[int]:
    return cluster_texts(texts, times, sources, ClusterOptions(threshold=threshold))


# ---- measuring ---------------------------------------------------------------------------


def measure(method: Labeller, rows: list[Row], threshold: float) -> dict[str, float]:
    """B-cubed scores, and items per second of wall time and of this process's CPU time.

    On a shared machine wall time measures the neighbours' load as much as ours; CPU time
    (all threads of this process) is the steadier figure.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    labels = method([r.title for r in rows], [r.time for r in rows], [r.publisher for r in rows], threshold)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    p, r, f = bcubed(labels, [row.story for row in rows])
    return {
        "p": p,
        "r": r,
        "f1": f,
        "seconds": seconds,
        "per_second": len(rows) / seconds,
        "cpu_seconds": cpu,
        "per_cpu_second": len(rows) / max(cpu, 1e-9),
    }


def cross_validated(
    method: Labeller, windows: dict[str, list[Row]], grid: Sequence[float]
) -> dict[str, dict[str, float]]:
    """Per window: the threshold best on the other windows, and what it scores here."""
    scores = {(day, t): measure(method, rows, t) for day, rows in windows.items() for t in grid}
    chosen = {}
    for day in windows:
        others = [d for d in windows if d != day]
        best = max(grid, key=lambda t: sum(scores[(d, t)]["f1"] for d in others))
        chosen[day] = {"threshold": best, **scores[(day, best)]}
    return chosen


def _row(stage: str, ours_: dict[str, float], base: dict[str, float], **extra: object) -> dict[str, Any]:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "stage": stage,
        "ours": round(ours_["per_second"]),
        "baseline": round(base["per_second"]),
        "ratio": round(ours_["per_second"] / base["per_second"], 2),
        "unit": "items/s",
        "ceiling": None,
        "peak_rss_mb": round(peak, 1),
        "ours_cpu": round(ours_["per_cpu_second"]),
        "baseline_cpu": round(base["per_cpu_second"]),
        "note": "ours/baseline: items per second of wall time; *_cpu: per second of CPU time",
        **{f"ours_{k}": round(ours_[k], 3) for k in ("p", "r", "f1")},
        **{f"baseline_{k}": round(base[k], 3) for k in ("p", "r", "f1")},
        **extra,
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Rows per day window (cross-validated thresholds), then the 10,000-item speed run."""
    if not DEV_SET.exists():
        print(f"skipped: no dev set at {DEV_SET}", file=sys.stderr)
        return []
    rows = load()
    windows = day_windows(rows)
    our_grid = (ClusterOptions().threshold,) if quick else OUR_GRID
    base_grid = (0.1,) if quick else BASELINE_GRID
    mine, base = cross_validated(ours, windows, our_grid), cross_validated(baseline, windows, base_grid)
    table = [
        _row(
            f"cluster {day}",
            mine[day],
            base[day],
            items=len(windows[day]),
            ours_threshold=mine[day]["threshold"],
            baseline_threshold=base[day]["threshold"],
        )
        for day in windows
    ]
    big = perturbed_to(rows, 2_000 if quick else SPEED_ITEMS)
    random.Random(0).shuffle(big)
    table.append(
        _row(
            f"cluster {len(big)} items",
            measure(ours, big, ClusterOptions().threshold),
            measure(baseline, big, 0.1),
            items=len(big),
        )
    )
    return table


def main() -> None:
    table = run(quick="--quick" in sys.argv)
    print(
        f"{'stage':<24} {'items':>6} {'ours P/R/F1':>18} {'base P/R/F1':>18} "
        f"{'ours/s':>7} {'cpu/s':>7} {'base/s':>7} {'cpu/s':>7} thr"
    )
    for r in table:
        ours_prf = f"{r['ours_p']:.2f}/{r['ours_r']:.2f}/{r['ours_f1']:.3f}"
        base_prf = f"{r['baseline_p']:.2f}/{r['baseline_r']:.2f}/{r['baseline_f1']:.3f}"
        thresholds = f"{r.get('ours_threshold', '')} {r.get('baseline_threshold', '')}"
        print(
            f"{r['stage']:<24} {r['items']:>6} {ours_prf:>18} {base_prf:>18} "
            f"{r['ours']:>7} {r['ours_cpu']:>7} {r['baseline']:>7} {r['baseline_cpu']:>7} {thresholds}"
        )
    if table:
        print(f"items/s of wall time, then of CPU time; peak RSS {table[-1]['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
