"""How far splitting the clusterer's stories could lift a window, with the window's own labels.

A diagnostic of the UCI labels, not a method: it chooses and trains nothing that is shipped.
On the days below 0.80 the clusterer's precision is low because the labels split one event
into several stories (the MTV Movie Awards as four, Heartbleed as three). Are those splits
in the headlines at all? For each of the clusterer's stories that holds two or more labelled
stories of ``MIN_STORY`` items or more, a classifier is trained on that story's own
headlines and labels (word and character n-gram TF-IDF, logistic regression) and predicts
each headline's label by ``FOLDS``-fold cross-validation, so no headline is predicted by a
model that saw it or an exact copy of it. Splitting the story by those predictions is what
a headline reader trained on the very day could do; choosing, story by story, whether to split by
looking at the true labels (``best``) is more than any method could do. Then the recall
side (``merged``): the pieces that one labelled story leads are made one wherever the labels
say that helps. Both choices read the answers, so the last column is an upper bound for
refining these stories; where it stays below 0.80, what keeps the day there is labelled
stories that the headlines do not tell apart. Beside them, the day's own best threshold
(``own_threshold``): the same clustering cut at each threshold of ``GRID``, the best read off
the day's labels. Where even that stays below 0.80, no threshold policy, however it reads
the batch, lifts the day there.

    .venv/bin/python -m bench.headline_bound 2014-04-14 2014-05-21   # days of the dev set
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

from bench.bench_cluster import fold_model, headline_key, monthly_counts
from bench.uci import DEV_SET, Row, available, day_windows, load, month
from digest.bcubed import bcubed
from digest.cluster import ClusterOptions
from digest.cluster.core import labels_at_thresholds

MIN_CLUSTER = 20  # stories smaller than this are left as they are
MIN_STORY = 5  # a labelled story needs this many items in a cluster to be a class of its own
FOLDS = 5
OTHER = ""  # the class of a cluster's items whose labelled story is too small to learn
GRID = tuple(round(0.20 + 0.01 * i, 2) for i in range(31))  # thresholds a day's own best is chosen from


@dataclass(frozen=True)
class Bound:
    ours: tuple[float, float, float]  # B-cubed P, R, F1 of the clustering as it is
    split_all: tuple[float, float, float]  # every eligible story split by its classifier
    best: tuple[float, float, float]  # split where the true labels say it helps
    merged: tuple[float, float, float]  # ``best``, then pieces of one labelled story joined where that helps
    eligible: int  # stories with two or more learnable labelled stories


def bound(titles: Sequence[str], labels: Sequence[int], truth: Sequence[str]) -> Bound:
    """The window's scores as clustered, split everywhere, split where it helps, then merged."""
    split_all: list[object] = list(labels)
    best: list[object] = list(labels)
    story_sizes = Counter(truth)
    eligible = 0
    for label, rows in _clusters(labels).items():
        predicted = _predicted([titles[i] for i in rows], [truth[i] for i in rows])
        if predicted is None:
            continue
        eligible += 1
        parts: list[object] = [(label, p) for p in predicted]
        for i, part in zip(rows, parts, strict=True):
            split_all[i] = part
        if _gain([label] * len(rows), parts, [truth[i] for i in rows], story_sizes) > 0:
            for i, part in zip(rows, parts, strict=True):
                best[i] = part
    return Bound(
        ours=bcubed(list(labels), list(truth)),
        split_all=bcubed(split_all, list(truth)),
        best=bcubed(best, list(truth)),
        merged=bcubed(_merged(best, truth, story_sizes), list(truth)),
        eligible=eligible,
    )


def own_threshold(
    cuts: Mapping[float, Sequence[int]], truth: Sequence[str]
) -> tuple[float, tuple[float, float, float]]:
    """The threshold of ``GRID`` whose cut (``cuts``, from ``labels_at_thresholds``) scores best
    against the window's own labels, and the scores there: what choosing the threshold for
    each day could reach, at most."""
    scored = {threshold: bcubed(list(cuts[threshold]), list(truth)) for threshold in GRID}
    best = max(GRID, key=lambda threshold: (scored[threshold][2], -threshold))
    return best, scored[best]


def _clusters(labels: Sequence[object]) -> dict[object, list[int]]:
    members: dict[object, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        members[label].append(index)
    return members


def _merged(labels: list[object], truth: Sequence[str], story_sizes: Counter[str]) -> list[object]:
    """``labels`` with all the clusters that a labelled story leads made one, where that helps.

    The recall side of the bound: it looks at the true labels to join, which no method can.
    """
    led: dict[str, list[int]] = defaultdict(list)
    for rows in _clusters(labels).values():
        leader = Counter(truth[i] for i in rows).most_common(1)[0][0]
        led[leader] += rows
    out = list(labels)
    for leader, rows in led.items():
        joined: list[object] = [("joined", leader)] * len(rows)
        if _gain([labels[i] for i in rows], joined, [truth[i] for i in rows], story_sizes) > 0:
            for i in rows:
                out[i] = ("joined", leader)
    return out


def _predicted(titles: list[str], truth: list[str]) -> list[str] | None:
    """Each title's label predicted out of fold, or None when the cluster has nothing to learn."""
    if len(titles) < MIN_CLUSTER:
        return None
    sizes = Counter(truth)
    classes = [story if sizes[story] >= MIN_STORY else OTHER for story in truth]
    counts = Counter(classes)
    if sum(story != OTHER for story in counts) < 2:
        return None
    if counts.get(OTHER, MIN_STORY) < MIN_STORY:  # too few to be a class: fold them into the largest
        largest = max((s for s in counts if s != OTHER), key=counts.__getitem__)
        classes = [largest if c == OTHER else c for c in classes]
    features = sp.hstack(
        [
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(titles),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(titles),
        ],
        format="csr",
    )
    # A headline and its exact copies fall in one fold: none is predicted from its twin.
    groups = [headline_key(title) for title in titles]
    k = min(FOLDS, min(Counter(classes).values()), len(set(groups)))
    if k < 2:
        return None
    folds = StratifiedGroupKFold(k, shuffle=True, random_state=0)
    model = LogisticRegression(C=10.0, max_iter=2_000)
    predicted = cross_val_predict(model, features, np.asarray(classes), cv=folds, groups=groups)
    return [str(p) for p in predicted]


def _gain(before: list[object], after: list[object], truth: list[str], story_sizes: Counter[str]) -> float:
    """What giving items (whole clusters, of stories ``truth``) the clusters ``after`` instead
    of ``before`` adds to their summed B-cubed precision and recall.

    An item's precision and recall depend on its own cluster alone, so the choice for these
    items changes no other item's.
    """
    return _summed(after, truth, story_sizes) - _summed(before, truth, story_sizes)


def _summed(clusters: list[object], truth: list[str], story_sizes: Counter[str]) -> float:
    shared = Counter(zip(clusters, truth, strict=True))
    sizes = Counter(clusters)
    pairs = zip(clusters, truth, strict=True)
    return sum(shared[c, t] / sizes[c] + shared[c, t] / story_sizes[t] for c, t in pairs)


def main(days: Sequence[str]) -> None:
    """The table for ``days``, each clustered by its fold's model as ``bench_cluster`` scores it."""
    if not available():
        print(f"no UCI dev set at {DEV_SET.parent} (../shared)", file=sys.stderr)
        raise SystemExit(2)
    rows = load(DEV_SET)
    windows = day_windows(rows)
    unknown = [day for day in days if day not in windows]
    if unknown or not days:
        wrong = ", ".join(unknown) or "none given"
        print(f"give days of the dev set (YYYY-MM-DD); not days of it: {wrong}", file=sys.stderr)
        raise SystemExit(2)
    monthly = monthly_counts(rows)
    print(
        "| window | items | ours P / R / F1 | at its own best threshold | split every story |"
        " split where it helps | then merged where it helps | stories split |"
    )
    print("|---|---:|---|---|---|---|---|---:|")
    for fold in sorted({month(day) for day in days}):
        training = {d: w for d, w in windows.items() if month(d) != fold}
        options = ClusterOptions(model=fold_model(monthly, training, fold))
        for day in sorted(d for d in days if month(d) == fold):
            print(_row(day, windows[day], options), flush=True)


def _row(day: str, window: Sequence[Row], options: ClusterOptions) -> str:
    """The table's row for one day, clustered with ``options``."""
    titles, times, truth = [r.title for r in window], [r.time for r in window], [r.story for r in window]
    # One merge tree for the clustering as it is and for every cut of the grid: a cut at a
    # threshold is the clustering at it (tests/test_cluster.py).
    used = options.resolved().threshold_for(len(window))
    cuts = labels_at_thresholds(titles, times, sorted({*GRID, used}), options)
    found = bound(titles, cuts[used], truth)
    threshold, at_own = own_threshold(cuts, truth)
    cells = [_scores(found.ours), f"{threshold:.2f}: {_scores(at_own)}"]
    cells += [_scores(s) for s in (found.split_all, found.best, found.merged)]
    return f"| {day} | {len(window)} | {' | '.join(cells)} | {found.eligible} |"


def _scores(scores: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.3f}" for x in scores)


if __name__ == "__main__":
    main(sys.argv[1:])
