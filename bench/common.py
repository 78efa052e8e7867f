"""Helpers every benchmark shares: the row shape, peak memory, timing, the table, JSON.

A row is ``{"stage", "ours", "baseline", "ratio", "unit", "ceiling", "peak_rss_mb"}`` plus an
optional ``"note"`` (how the figure was obtained: sample sizes, extrapolation, targets).
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

Row = dict[str, Any]
T = TypeVar("T")

KEYS = ("stage", "ours", "baseline", "ratio", "unit", "ceiling", "peak_rss_mb")
ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("DIGEST_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def row(
    stage: str,
    ours: float | None,
    baseline: float | None,
    unit: str,
    *,
    ceiling: float | None = None,
    peak_rss_mb: float | None = None,
    note: str = "",
    higher_is_better: bool = True,
) -> Row:
    """One table row; ``ratio`` is how many times better ours is than the baseline."""
    ratio = None
    if ours and baseline:
        ratio = ours / baseline if higher_is_better else baseline / ours
    out: Row = {
        "stage": stage,
        "ours": _round(ours),
        "baseline": _round(baseline),
        "ratio": round(ratio, 1) if ratio is not None else None,
        "unit": unit,
        "ceiling": _round(ceiling),
        "peak_rss_mb": round(peak_rss_mb, 1) if peak_rss_mb is not None else None,
    }
    if note:
        out["note"] = note
    return out


def normalize(found: Row, default_rss: float | None = None) -> Row:
    """A row from any benchmark with every key present (older modules leave some out)."""
    out = {key: found.get(key) for key in KEYS}
    out.update({k: v for k, v in found.items() if k not in KEYS})
    if out["peak_rss_mb"] is None:
        out["peak_rss_mb"] = default_rss
    return out


def placeholder(stage: str, status: str, detail: str = "") -> Row:
    """The row of a stage that could not run: ``status`` is "not available", "skipped" or "error"."""
    out: Row = {key: None for key in KEYS}
    out.update(stage=stage, unit=status, status=status)
    if detail:
        out["note"] = detail[-500:]
    return out


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    if abs(value) >= 100:
        return round(value)
    return round(value, 2)


def peak_rss_mb(children: bool = False) -> float:
    """This process's (or its largest finished child's) peak resident memory, in MB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    kilobytes = resource.getrusage(who).ru_maxrss  # KiB on Linux
    return kilobytes / 1024 if sys.platform != "darwin" else kilobytes / 1024 / 1024


def current_rss_mb() -> float:
    """Resident memory now (Linux /proc; falls back to the peak elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return peak_rss_mb()
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` holds the elapsed seconds."""
    elapsed = [0.0]
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed[0] = time.perf_counter() - started


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: Sequence[Row], *, notes: bool = True) -> str:
    """The rows as a Markdown table (pasteable into bench/README.md), notes listed below."""
    header = ["stage", "ours", "baseline", "ratio", "unit", "ceiling", "peak RSS MB"]
    body = [
        [
            str(r["stage"]),
            _cell(r.get("ours")),
            _cell(r.get("baseline")),
            f"×{r['ratio']}" if r.get("ratio") is not None else "—",
            str(r.get("unit") or ""),
            _cell(r.get("ceiling")),
            _cell(r.get("peak_rss_mb")),
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in body)) if body else len(h) for i, h in enumerate(header)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |" for line in body
    ]
    if notes:
        extra = [f"- {r['stage']}: {r['note']}" for r in rows if r.get("note")]
        if extra:
            lines += ["", *extra]
    return "\n".join(lines)


def write_json(rows: Sequence[Row], path: str) -> None:
    data = json.dumps(list(rows), indent=2, default=str)
    if path == "-":
        print(data)
    else:
        Path(path).write_text(data + "\n", encoding="utf-8")


# -- generated data --------------------------------------------------------------------------

# Nineteen topics plus "no topic choice": twenty rendered variants of one edition.
TOPICS = (
    "politics",
    "economy",
    "war",
    "culture",
    "sport",
    "science",
    "health",
    "energy",
    "tech",
    "education",
    "transport",
    "agriculture",
    "defence",
    "justice",
    "environment",
    "housing",
    "media",
    "business",
    "travel",
)
WORDS = [
    "parliament",
    "budget",
    "drone",
    "factory",
    "grain",
    "corridor",
    "ships",
    "opera",
    "premiere",
    "railway",
    "night",
    "trains",
    "harbour",
    "mayor",
    "council",
    "court",
    "verdict",
    "minister",
    "reform",
    "bank",
    "inflation",
    "wheat",
    "export",
    "bridge",
    "repair",
    "school",
    "teachers",
    "vaccine",
    "clinic",
    "hospital",
    "reactor",
    "grid",
    "blackout",
    "solar",
    "turbine",
    "startup",
    "satellite",
    "museum",
    "festival",
    "stadium",
    "league",
    "final",
    "coach",
    "river",
    "flood",
    "forest",
    "wildfire",
    "tower",
    "metro",
    "tram",
    "airport",
    "runway",
    "border",
    "customs",
    "pension",
    "tax",
    "audit",
    "strike",
    "union",
    "wages",
    "rent",
]


_SUBSCRIBER_COLUMNS = (
    "email",
    "telegram_chat_id",
    "name",
    "timezone",
    "send_hour",
    "frequency",
    "topics",
    "status",
    "attributes",
    "created_at",
    "link_token",
    "legacy_links",
)


def postgres_available() -> bool:
    from sqlalchemy import create_engine, text

    from digest.config import parsers

    try:
        engine = create_engine(parsers.database_url(PG_URL))
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def database(kind: str, folder: Path, name: str = "bench") -> Iterator[str]:
    """A fresh migrated database: its own schema ``bench_<pid>_…`` on PostgreSQL (dropped
    afterwards) or a SQLite file under ``folder``."""
    from sqlalchemy import create_engine, text

    from digest.config import parsers
    from digest.store.db import engine_for, migrate

    if kind == "sqlite":
        url = f"sqlite:///{folder / (name + '.db')}"
        migrate(url)
        try:
            yield url
        finally:
            engine_for(url).dispose()
        return
    schema = f"bench_{os.getpid()}_{name}".replace("-", "_").lower()
    admin = create_engine(parsers.database_url(PG_URL))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    url = f"{parsers.database_url(PG_URL)}{separator}options=-csearch_path%3D{schema}"
    try:
        migrate(url)
        yield url
    finally:
        engine_for(url).dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def fresh_items(url: str, now: Any, per_topic: int = 6, seed: int = 7) -> None:
    """Items in every topic's section, with titles far enough apart not to merge."""
    import random

    from digest.models import FeedSpec, Item
    from digest.store import feeds as feed_store
    from digest.store import items as item_store
    from digest.store.db import transaction

    rng = random.Random(seed)
    from datetime import timedelta

    with transaction(url) as conn:
        feed, _ = feed_store.add(conn, FeedSpec("https://wire.example/rss", "Wire"), now)
        found = [
            Item(
                key=f"{topic}-{n}",
                feed_id=feed.id,
                source="Wire",
                url=f"https://wire.example/{topic}/{n}",
                title=" ".join(rng.sample(WORDS, 7)).capitalize(),
                summary_text=" ".join(rng.sample(WORDS, 20)),
                published=now - timedelta(minutes=20 + n * 7 + i),
                section=topic,
            )
            for i, topic in enumerate(TOPICS)
            for n in range(per_topic)
        ]
        item_store.save(conn, found, now)


def subscribers(
    url: str,
    *,
    emails: int = 0,
    chats: int = 0,
    list_name: str = "daily",
    start: int = 0,
    chat_start: int = 500_000,
    now: Any = None,
) -> None:
    """``emails`` email-only and ``chats`` Telegram-only subscribers of ``list_name``, their topics
    spread over the twenty variants; COPY on PostgreSQL, executemany on SQLite, in chunks."""
    from datetime import UTC, datetime

    from digest.store import subscribers as subscriber_store
    from digest.store.db import engine_for, transaction

    now = now or datetime.now(UTC)
    with transaction(url) as conn:
        list_pk = subscriber_store.ensure_list(conn, list_name, now)
    variants = [[], *[[t] for t in TOPICS]]

    def rows() -> Iterator[tuple[Any, ...]]:
        stamp = now.isoformat()
        for n in range(emails + chats):
            email = f"reader{start + n}@example.org" if n < emails else None
            chat = str(chat_start + start + n - emails) if n >= emails else None
            topics = json.dumps(variants[n % len(variants)])
            yield (
                email,
                chat,
                f"Reader {n}",
                "UTC",
                0,
                "daily",
                topics,
                "active",
                "{}",
                stamp,
                secrets.token_hex(8),
                False,
            )

    columns = ", ".join(_SUBSCRIBER_COLUMNS)
    engine = engine_for(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT coalesce(max(id), 0) FROM subscribers")
        found = cursor.fetchone()
        assert found is not None  # max() over any table is one row
        before = int(found[0])
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY subscribers ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for values in rows():
                    copy.write_row(values)
        else:
            marks = ", ".join("?" * len(_SUBSCRIBER_COLUMNS))
            batch: list[tuple[Any, ...]] = []
            for values in rows():
                batch.append(values)
                if len(batch) >= 20_000:
                    cursor.executemany(f"INSERT INTO subscribers ({columns}) VALUES ({marks})", batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO subscribers ({columns}) VALUES ({marks})", batch)
        cursor.execute(
            "INSERT INTO memberships (list_id, subscriber_id) "
            f"SELECT {list_pk}, id FROM subscribers WHERE id > {before}"
        )
        raw.commit()
        if engine.dialect.name == "postgresql":
            cursor.execute("ANALYZE")
            raw.commit()
    finally:
        raw.close()
