"""Train the clusterer's model (``digest/cluster/model.json.gz``) on the UCI dev set.

What is trained: the document frequency of every headline term and character n-gram (so
idf comes from a hundred days of news, not from the batch), then the merge threshold, its
slope per natural log of the batch size above 1,500 items, the n-gram share and the share of the
headline embeddings (``digest.cluster.meaning``; 0 is among the choices), chosen on tuning windows
(whole days and random subsets of them) by B-cubed: the setting with the best mean F1
among those with mean precision >= ``PRECISION_FLOOR`` (a wrong "Also in" is a visible
error; a missed merge is a repeated headline). The slope is there because one threshold
for every size over-merges the largest windows.

Nested by month, so no window is scored with frequencies that counted it: a tuning
window of month m is clustered with the frequencies of the training months other than m.
``bench_cluster`` calls ``train`` once per held-out month; run alone, this trains on every
day of the dev set but the three of ``../shared/corpora/uci-news-sample`` (kept out so that
tests/test_cluster.py can assert quality on days the shipped model never saw) and writes
the shipped model.

    .venv/bin/python -m bench.train_cluster [--quick] [--out PATH]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.uci import DEV_SET, QUICK_SET, Row, available, day_windows, load, month, subset
from digest.bcubed import bcubed
from digest.cluster import ClusterOptions
from digest.cluster.core import labels_at_thresholds
from digest.cluster.model import MODEL_FILE, Model, count

THRESHOLDS = tuple(round(0.10 + 0.02 * i, 2) for i in range(18))  # 0.10 .. 0.44
SLOPES = (0.0, 0.03, 0.06, 0.09, 0.12)  # the threshold's rise per natural log of the batch size
CHAR_WEIGHTS = (0.4, 0.6)
EMBED_WEIGHTS = (0.0, 0.5, 0.7)  # the meaning embedding's share; 0: TF-IDF alone
TUNING_SIZES = (1_500,)  # each tuning day is also scored as a random subset of this size
PRECISION_FLOOR = 0.85
TUNING_WINDOWS = 8  # training days the settings are chosen on (each a whole shuffled day)
MIN_WINDOW = 1_000  # a tuning day has at least this many items
SAMPLE_DAYS = frozenset({"2014-03-10", "2014-03-11", "2014-03-12"})  # uci-news-sample: the tests' days
OUT = Path(__file__).resolve().parents[1] / "digest" / "cluster" / MODEL_FILE


@dataclass(frozen=True)
class Counts:
    documents: int
    terms: Counter[str]
    grams: Counter[str]

    def __bool__(self) -> bool:
        return self.documents > 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.documents + other.documents, self.terms + other.terms, self.grams + other.grams)


def counts_by_month(rows: Sequence[Row], group: Callable[[str], str] = month) -> dict[str, Counts]:
    """Document frequencies per month (or other ``group`` of days), so a fold's are a sum."""
    months: dict[str, list[str]] = {}
    for row in rows:
        months.setdefault(group(row.day), []).append(row.title)
    return {name: Counts(*count(titles)) for name, titles in sorted(months.items())}


def model_of(counts: Counts, threshold: float = 0.0, char_weight: float = 0.5, trained_on: str = "") -> Model:
    return Model(counts.documents, dict(counts.terms), dict(counts.grams), threshold, char_weight, trained_on)


def total(parts: Sequence[Counts]) -> Counts:
    out = Counts(0, Counter(), Counter())
    for part in parts:
        out = out + part
    return out


def train(
    monthly: dict[str, Counts],
    windows: dict[str, list[Row]],
    char_weights: Sequence[float] = CHAR_WEIGHTS,
    tuning: int = TUNING_WINDOWS,
    embed_weights: Sequence[float] = EMBED_WEIGHTS,
    group: Callable[[str], str] = month,
    log: bool = False,
) -> tuple[Model, list[dict[str, float]]]:
    """A model counted on ``monthly`` with settings chosen on ``tuning`` of ``windows``.

    ``monthly`` and ``windows`` hold the training months only. Each tuning day is scored
    whole and as random subsets of ``TUNING_SIZES`` items, at every threshold of
    ``THRESHOLDS`` (one merge tree, cut at each); a setting — n-gram share, meaning share,
    threshold at 1,500 items, slope per log of the size — is scored by the mean over those windows of
    the grid threshold nearest to what it gives each window's size. Returns the model and
    the grid's best setting per slope, n-gram share and meaning share.
    """
    candidates = sorted(day for day, rows in windows.items() if len(rows) >= MIN_WINDOW)
    chosen_days = sorted(
        random.Random(",".join(sorted(monthly))).sample(candidates, min(tuning, len(candidates)))
    )
    curves: dict[tuple[float, float], list[tuple[int, dict[float, tuple[float, float, float]]]]] = {}
    shares = [(chars, meaning) for chars in char_weights for meaning in embed_weights]
    for day in chosen_days:
        # One month alone (the quick set) has no other months: it is counted in-sample.
        others = total([c for name, c in monthly.items() if name != group(day)]) or total(
            list(monthly.values())
        )
        for rows in _tuning_windows(day, windows[day]):
            for chars, meaning in shares:
                options = ClusterOptions(char_weight=chars, embed_weight=meaning, model=model_of(others))
                found = labels_at_thresholds(
                    [r.title for r in rows], [r.time for r in rows], THRESHOLDS, options
                )
                gold = [r.story for r in rows]
                curve = {threshold: bcubed(labels, gold) for threshold, labels in found.items()}
                curves.setdefault((chars, meaning), []).append((len(rows), curve))
        if log:
            print(f"[train] tuned on {day} ({len(windows[day])} items)", file=sys.stderr, flush=True)
    grid = [
        _score(curves[share], share, level, slope)
        for share in shares
        for level in THRESHOLDS
        for slope in SLOPES
    ]
    precise = [g for g in grid if g["p"] >= PRECISION_FLOOR] or grid
    best = max(precise, key=lambda g: g["f1"])
    trained_on = f"{', '.join(monthly)}; settings chosen on {', '.join(chosen_days)}"
    model = replace(
        model_of(total(list(monthly.values())), best["threshold"], best["char_weight"], trained_on),
        threshold_slope=best["slope"],
        embed_weight=best["embed_weight"],
    )
    settings = [(chars, meaning, slope) for chars, meaning in shares for slope in SLOPES]
    shown = [
        max((g for g in precise if _setting(g) == setting), key=lambda g: g["f1"])
        for setting in settings
        if any(_setting(g) == setting for g in precise)
    ]
    return model, [{**g, "tuning_days": len(chosen_days)} for g in shown]


def _setting(g: dict[str, float]) -> tuple[float, float, float]:
    return g["char_weight"], g["embed_weight"], g["slope"]


def _tuning_windows(day: str, rows: list[Row]) -> list[list[Row]]:
    """A day whole and as random subsets of ``TUNING_SIZES`` items (those smaller than it)."""
    return [rows] + [subset(rows, size, seed=f"tuning {day}") for size in TUNING_SIZES if size < len(rows)]


def _score(
    curves: list[tuple[int, dict[float, tuple[float, float, float]]]],
    share: tuple[float, float],
    level: float,
    slope: float,
) -> dict[str, float]:
    """Mean P/R/F1 over the windows of the threshold ``level + slope * ln(max(n, 1500) / 1500)``."""
    chars, meaning = share
    options = ClusterOptions(threshold=level, threshold_slope=slope, char_weight=chars)
    found = []
    for n, curve in curves:
        wanted = options.threshold_for(n)
        found.append(curve[min(curve, key=lambda t: abs(t - wanted))])
    means = {k: sum(s[i] for s in found) / len(found) for i, k in enumerate(("p", "r", "f1"))}
    return {"threshold": level, "slope": slope, "char_weight": chars, "embed_weight": meaning, **means}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.train_cluster", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="the ten-day subset, a smaller grid")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the model (default {OUT})")
    args = parser.parse_args(argv)
    if not available():
        print(f"skipped: no dev set at {DEV_SET.parent}", file=sys.stderr)
        return 0
    started = time.perf_counter()
    rows = load(QUICK_SET) if args.quick else [r for r in load(DEV_SET) if r.day not in SAMPLE_DAYS]
    monthly = counts_by_month(rows)
    model, grid = train(monthly, day_windows(rows), tuning=2 if args.quick else TUNING_WINDOWS, log=True)
    print(f"{'slope':>5} {'threshold':>9} {'chars':>5} {'meaning':>7} {'P':>6} {'R':>6} {'F1':>6}")
    for g in grid:
        print(
            f"{g['slope']:>5.2f} {g['threshold']:>9.2f} {g['char_weight']:>5.2f} {g['embed_weight']:>7.2f}"
            f" {g['p']:>6.3f} {g['r']:>6.3f} {g['f1']:>6.3f}"
        )
    print(
        f"chosen: threshold {model.threshold} at 1,500 items, slope {model.threshold_slope},"
        f" char_weight {model.char_weight}, embed_weight {model.embed_weight}; {model.trained_on}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB) in {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
