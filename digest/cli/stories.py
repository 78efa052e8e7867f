"""``digest stories FILE``: cluster JSON-lines items into stories, offline and without a database.

Input, one JSON object a line: ``{"id", "title", "summary"?, "url", "source", "published"}``
with ``published`` as ISO 8601 (naive means UTC) or Unix seconds (int, float or numeric
string). Output, one a line in input order: ``{"id", "story"}``, the story named by the id
of its first item. Every line is validated before anything is clustered or written.

``--explain`` adds ``"why"`` to each item that joined a story after its first: its
similarity to the story's other items and the parts that made it (each feature's
similarity and weight), from ``digest.cluster.JoinReason``.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from digest.models import Item

if TYPE_CHECKING:
    from digest.cluster import JoinReason

__all__ = ["parse_line", "parse_lines", "stories"]

BIG_INPUT = 2_000  # above this many items a status line is shown while clustering
_REQUIRED_TEXT = ("title", "url", "source")


class BadLine(ValueError):
    """One input line that is not a valid item; the message says why."""


def stories(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="JSON lines of items."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    explain: bool = typer.Option(
        False, "--explain", help='Add "why" to each joined item: its similarity to the story and its parts.'
    ),
) -> None:
    """Group items about the same event into stories; print {"id", "story"} per item."""
    err = Console(stderr=True)
    parsed, errors = parse_lines(file.read_text(encoding="utf-8").splitlines())
    for message in errors:
        err.print(f"[red]{file}:{message}[/red]", highlight=False, soft_wrap=True)
    if errors:
        raise typer.Exit(1)
    from digest.cluster import cluster_items, cluster_items_explained

    def cluster(batch: list[Item]) -> tuple[list[list[Item]], dict[str, JoinReason]]:
        return cluster_items_explained(batch) if explain else (cluster_items(batch), {})

    ids = {item.key: original for original, item in parsed}
    items = [item for _, item in parsed]
    if len(items) > BIG_INPUT:
        with err.status(f"clustering {len(items)} items…"):
            groups, reasons = cluster(items)
    else:
        groups, reasons = cluster(items)
    story_of = {item.key: ids[group[0].key] for group in groups for item in group}
    lines = [json.dumps(_record(ids[i.key], story_of[i.key], reasons.get(i.key))) for i in items]
    text = "".join(line + "\n" for line in lines)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _record(original: str | int, story: str | int, reason: JoinReason | None) -> dict[str, object]:
    record: dict[str, object] = {"id": original, "story": story}
    if reason is not None:
        record["why"] = reason.as_dict()
    return record


def parse_lines(lines: list[str]) -> tuple[list[tuple[str | int, Item]], list[str]]:
    """(id as given, item) from the non-blank lines, and one ``"<line>: <reason>"`` per bad line."""
    items: list[tuple[str | int, Item]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            original, item = parse_line(line)
            if item.key in seen:
                raise BadLine(f"duplicate id {item.key!r} (first on line {seen[item.key]})")
        except BadLine as exc:
            errors.append(f"{number}: {exc}")
            continue
        seen[item.key] = number
        items.append((original, item))
    return items, errors


def parse_line(line: str) -> tuple[str | int, Item]:
    """The id as given and the item from one JSON line, or ``BadLine``."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise BadLine("not a JSON object")
    original = _identifier(record.get("id"))
    for name in _REQUIRED_TEXT:
        if not isinstance(record.get(name), str):
            raise BadLine(f"{name!r} missing or not a string")
    summary = record.get("summary") or ""
    if not isinstance(summary, str):
        raise BadLine("'summary' is not a string")
    return original, Item(
        key=str(original),
        feed_id=0,
        source=record["source"],
        url=record["url"],
        title=record["title"],
        summary_text=summary,
        published=_published(record.get("published")),
    )


def _identifier(value: Any) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise BadLine("'id' missing or not a string or integer")
    return value


def _published(value: Any) -> datetime:
    """ISO 8601 (naive is UTC) or Unix seconds as a number or numeric string."""
    if isinstance(value, bool) or value is None:
        raise BadLine("'published' missing")
    if isinstance(value, str):
        try:
            return _from_unix(float(value))
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise BadLine(f"'published' is neither ISO 8601 nor Unix seconds: {value!r}") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if isinstance(value, int | float):
        return _from_unix(float(value))
    raise BadLine("'published' is neither ISO 8601 nor Unix seconds")


def _from_unix(seconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadLine(f"'published' is out of range: {seconds}") from None
