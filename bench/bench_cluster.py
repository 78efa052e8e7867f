"""Benchmark: story clustering on day windows of the UCI dev set that trained nothing.

Cross-validated by month: for each month of the dev set, the model is trained on the other
months (``bench.train_cluster``: document frequencies counted; threshold, its slope with the
batch size and n-gram share chosen on tuning days of those months), and every day of the
held-out month is scored as a digest sees it: all the window's items, shuffled, and a
random 1,500 of them. The
baseline, title-only TF-IDF single pass (idf of the batch), gets its threshold the same
way: best mean F1 on the fold's training days.

Speed: 10,000 items (consecutive days, shuffled) with the shipped model, items per second
of wall and CPU time against the baseline in the same process.

``--quick`` uses the ten-day subset, its two halves standing in for months, two windows a
fold capped at 1,500 items, and 2,000 items for speed: it checks that the stage runs.

    .venv/bin/python -m bench.bench_cluster [--quick] [--every N]   # the per-window table
                                                                    # (--every 4: each fourth day)
"""

from __future__ import annotations

import math
import pickle
import random
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from math import log, sqrt
from pathlib import Path
from typing import Any

from bench.common import placeholder
from bench.train_cluster import CHAR_WEIGHTS, EMBED_WEIGHTS, TUNING_WINDOWS, Counts, counts_by_month, train
from bench.uci import DEV_SET, QUICK_SET, Row, available, day_windows, load, month, subset
from digest.bcubed import bcubed
from digest.cluster import ClusterOptions, cluster_texts
from digest.cluster.model import Model

BASELINE_GRID = (0.2, 0.3, 0.4, 0.5)
BASELINE_TUNING = 1  # training days the baseline's threshold is chosen on
SPEED_ITEMS = 10_000
LINKING_HEADLINES = 3  # identical headlines two stories share to count as one (the diagnostic only)

Labeller = Callable[[Sequence[Row]], list[int]]


# ---- the baseline: title-only TF-IDF, single pass over the input order -----------------


def baseline(texts: Sequence[str], threshold: float) -> list[int]:
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


def ours(model: Model) -> Labeller:
    options = ClusterOptions(model=model)
    return lambda rows: cluster_texts(
        [r.title for r in rows], [r.time for r in rows], [r.publisher for r in rows], options
    )


def base_at(threshold: float) -> Labeller:
    return lambda rows: baseline([r.title for r in rows], threshold)


# ---- measuring ---------------------------------------------------------------------------


def measure(method: Labeller, rows: Sequence[Row], diagnose: bool = False) -> dict[str, float]:
    """B-cubed scores, and items per second of wall time and of this process's CPU time.

    ``diagnose``: also the F1 against ``linked_stories`` (``f1_linked``).
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    labels = method(rows)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    p, r, f = bcubed(labels, [row.story for row in rows])
    linked = {"f1_linked": bcubed(labels, linked_stories(rows))[2]} if diagnose else {}
    return {
        "p": p,
        "r": r,
        "f1": f,
        "per_second": len(rows) / seconds,
        "per_cpu_second": len(rows) / max(cpu, 1e-9),
        **linked,
    }


def split_titles(rows: Sequence[Row]) -> float:
    """Share of items whose exact headline (case and punctuation aside) is also in another story.

    No method that reads headlines can tell such items apart: where the labels split one
    event into several stories, this share is high, and precision falls with it.
    """
    stories = _stories_by_headline(rows)
    return sum(len(stories[headline_key(row.title)]) > 1 for row in rows) / max(len(rows), 1)


def linked_stories(rows: Sequence[Row], shared: int = LINKING_HEADLINES) -> list[str]:
    """Each row's story, with stories that share ``shared`` or more exact headlines made one.

    A diagnostic of the labels, not a score: it says how much of a window's error is the
    labels splitting one event (two UCI stories both holding "Josh Kaufman wins 'The Voice'"
    three times over), and is never used to choose or train anything.
    """
    links: dict[tuple[str, str], int] = {}
    for held in _stories_by_headline(rows).values():
        ordered = sorted(held)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                links[a, b] = links.get((a, b), 0) + 1
    parent: dict[str, str] = {}

    def root(story: str) -> str:
        while parent.get(story, story) != story:
            story = parent[story]
        return story

    for (a, b), count in sorted(links.items()):
        if count >= shared and root(a) != root(b):
            parent[root(b)] = root(a)
    return [root(row.story) for row in rows]


def _stories_by_headline(rows: Sequence[Row]) -> dict[str, set[str]]:
    """Each exact headline (case and punctuation aside) and the stories that hold it."""
    stories: dict[str, set[str]] = {}
    for row in rows:
        stories.setdefault(headline_key(row.title), set()).add(row.story)
    return stories


def headline_key(title: str) -> str:
    """A headline with case and punctuation aside: exact copies share it."""
    return " ".join(re.findall(r"\w+", title.casefold()))


_UNSCORED = {"p": math.nan, "r": math.nan, "f1": math.nan, "per_second": math.nan, "per_cpu_second": math.nan}


def _baseline_threshold(windows: dict[str, list[Row]], seed: str, tuning: int) -> float:
    days = sorted(random.Random(seed).sample(sorted(windows), min(tuning, len(windows))))
    return max(BASELINE_GRID, key=lambda t: sum(measure(base_at(t), subset(windows[d]))["f1"] for d in days))


def cross_validated(rows: list[Row], quick: bool, every: int = 1) -> list[dict[str, Any]]:
    """One row per scored window (every ``every``-th day): trained on the other folds."""
    group = _half if quick else month
    windows = day_windows(rows)
    monthly = monthly_counts(rows, quick)
    scored: list[dict[str, Any]] = []
    for fold in monthly:
        training = {d: subset(w, seed=d) if quick else w for d, w in windows.items() if group(d) != fold}
        model = fold_model(monthly, training, fold, quick)
        base_threshold = _baseline_threshold(training, fold, 1 if quick else BASELINE_TUNING)
        days = [d for d in windows if group(d) == fold][:: max(1, every)][: 2 if quick else None]
        print(
            f"[cluster] fold {fold}: threshold {model.threshold}, slope {model.threshold_slope},"
            f" chars {model.char_weight}, meaning {model.embed_weight}",
            file=sys.stderr,
        )
        for day in days:
            variants = [("all", windows[day]), ("1500", subset(windows[day], seed=day))][quick:]
            for variant, members in variants:
                mine = measure(ours(model), members, diagnose=True)
                # The pure-Python baseline is scored on the subsets only: whole days cost minutes.
                base = measure(base_at(base_threshold), members) if variant == "1500" else _UNSCORED
                scored.append(
                    {
                        "day": day,
                        "variant": variant,
                        "fold": fold,
                        "items": len(members),
                        "split_titles": split_titles(members),
                        "threshold": round(
                            ClusterOptions(model=model).resolved().threshold_for(len(members)), 3
                        ),
                        "char_weight": model.char_weight,
                        "embed_weight": model.embed_weight,
                        "baseline_threshold": base_threshold,
                        **{f"ours_{k}": v for k, v in mine.items()},
                        **{f"base_{k}": v for k, v in base.items()},
                    }
                )
                print(
                    f"[cluster] {day} {variant} {len(members)} items: {_prf(mine)}",
                    file=sys.stderr,
                    flush=True,
                )
    return scored


def fold_model(
    monthly: dict[str, Counts], training: dict[str, list[Row]], fold: str, quick: bool = False
) -> Model:
    """The model that scores ``fold``: trained on the other folds' counts and ``training`` days."""
    model, _ = train(
        {m: c for m, c in monthly.items() if m != fold},
        training,
        char_weights=CHAR_WEIGHTS[:1] if quick else CHAR_WEIGHTS,
        embed_weights=EMBED_WEIGHTS[1:2] if quick else EMBED_WEIGHTS,
        tuning=1 if quick else TUNING_WINDOWS,
        group=_half if quick else month,
    )
    return model


def monthly_counts(rows: list[Row], quick: bool = False) -> dict[str, Counts]:
    """Document frequencies per fold (month, or half of the quick set), cached between runs."""
    group = _half if quick else month
    return _cached(f"counts-{'quick' if quick else 'dev'}", lambda: counts_by_month(rows, group))


def _prf(scores: dict[str, float]) -> str:
    return f"P {scores['p']:.3f} R {scores['r']:.3f} F1 {scores['f1']:.3f}"


def _cached(name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept in the temp directory for the next run (the counts take a minute)."""
    source = QUICK_SET if "quick" in name else DEV_SET
    path = Path(tempfile.gettempdir()) / f"digest-bench-cluster-{name}-{source.stat().st_mtime_ns}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    value = compute()
    path.write_bytes(pickle.dumps(value))
    return value


def _half(day: str) -> str:
    """The quick set's stand-in for months: its first five days and its last five."""
    return "first half" if day <= "2014-03-14" else "second half"


def speed(rows: list[Row], count: int) -> dict[str, Any]:
    """The shipped model on ``count`` items of consecutive days, shuffled, against the baseline."""
    big = [row for window in day_windows(rows).values() for row in window][:count]
    random.Random(0).shuffle(big)
    mine = measure(lambda r: cluster_texts([x.title for x in r], [x.time for x in r], [""] * len(r)), big)
    base = measure(base_at(0.3), big)
    return _row(
        f"cluster {len(big)} items",
        mine["per_second"],
        base["per_second"],
        "items/s",
        items=len(big),
        ours_cpu=round(mine["per_cpu_second"]),
        baseline_cpu=round(base["per_cpu_second"]),
        ours_f1=round(mine["f1"], 3),
        baseline_f1=round(base["f1"], 3),
        note="wall-time items/s; *_cpu per second of CPU; the shipped model (trained on these days)",
    )


def summary(scored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and worst window, per variant: rows for the suite's table."""
    out = []
    for variant in ("all", "1500"):
        mine = [s for s in scored if s["variant"] == variant]
        if not mine:
            continue
        mean = {k: sum(s[k] for s in mine) / len(mine) for k in ("ours_p", "ours_r", "ours_f1", "base_f1")}
        worst = min(mine, key=lambda s: s["ours_f1"])
        label = "all items" if variant == "all" else "1,500 items"
        out.append(
            _row(
                f"cluster mean F1 ({label})",
                mean["ours_f1"],
                mean["base_f1"],
                "B-cubed F1",
                windows=len(mine),
                ours_p=round(mean["ours_p"], 3),
                ours_r=round(mean["ours_r"], 3),
                below_0_80=sum(s["ours_f1"] < 0.80 for s in mine),
                # The diagnostic (``linked_stories``): the same labels, split stories made one.
                mean_f1_linked=round(sum(s["ours_f1_linked"] for s in mine) / len(mine), 3),
                below_0_80_linked=sum(s["ours_f1_linked"] < 0.80 for s in mine),
            )
        )
        out.append(
            _row(
                f"cluster worst F1 ({label})",
                worst["ours_f1"],
                worst["base_f1"],
                "B-cubed F1",
                day=worst["day"],
                ours_p=round(worst["ours_p"], 3),
                ours_r=round(worst["ours_r"], 3),
            )
        )
    return out


def _row(stage: str, ours_: float, base: float, unit: str, **extra: object) -> dict[str, Any]:
    scored = not math.isnan(base)
    return {
        "stage": stage,
        "ours": round(ours_, 3),
        "baseline": round(base, 3) if scored else None,
        "ratio": round(ours_ / base, 2) if scored else None,
        "unit": unit,
        "ceiling": None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **extra,
    }


def run(
    quick: bool = False, scored_out: list[dict[str, Any]] | None = None, every: int = 1
) -> list[dict[str, Any]]:
    """Mean and worst window per variant, then the speed row; ``scored_out`` gets every window."""
    if not available():
        return [placeholder("cluster", "not available", f"no UCI dev set at {DEV_SET.parent} (../shared)")]
    rows = load(QUICK_SET if quick else DEV_SET)
    scored = cross_validated(rows, quick, every)
    if scored_out is not None:
        scored_out.extend(scored)
    return [*summary(scored), speed(rows, 2_000 if quick else SPEED_ITEMS)]


def _cell(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"


def main() -> None:
    scored: list[dict[str, Any]] = []
    every = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 1
    table = run(quick="--quick" in sys.argv, scored_out=scored, every=every)
    if not scored:
        print(table[0].get("note"), file=sys.stderr)
        return
    print(
        "| window | variant | items | ours P | ours R | ours F1 | baseline F1 | threshold | chars | meaning |"
        " split titles | F1, linked stories |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in scored:
        print(
            f"| {s['day']} | {s['variant']} | {s['items']} | {s['ours_p']:.3f} | {s['ours_r']:.3f} | "
            f"{s['ours_f1']:.3f} | {_cell(s['base_f1'])} | {s['threshold']} | {s['char_weight']} |"
            f" {s['embed_weight']} | {s['split_titles']:.1%} | {s['ours_f1_linked']:.3f} |"
        )
    print()
    for r in table:
        extra = {k: v for k, v in r.items() if k not in ("stage", "ours", "baseline", "unit", "ceiling")}
        print(f"{r['stage']}: ours {r['ours']} baseline {r['baseline']} {r['unit']} {extra}")


if __name__ == "__main__":
    main()
