"""Log lines for people (``text``) or for a log collector (``json``): ``DIGEST_LOG_FORMAT``.

In ``json`` every record is one line holding one object: ``ts`` (UTC, ISO 8601), ``level``,
``logger``, ``message``, then the fields the call passed with ``extra=`` — the pipeline
names the ``edition``, ``feed``, ``channel``, ``batch`` and counts (``sent``, ``failed``,
``new`` …) that way, so a collector can count and filter without parsing sentences —
and ``exc`` with the traceback when there is one.

The CLI calls ``setup`` (``digest.cli.context``); the Celery worker calls it from the
``setup_logging`` signal (``digest.celery_app``), so both write the same lines.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

__all__ = ["TEXT_FORMAT", "JsonFormatter", "formatter", "setup"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(
    {
        *logging.LogRecord("", 0, "", 0, "", None, None).__dict__,
        "message",
        "asctime",
        "taskName",
    }
)


_handler: logging.Handler | None = None


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the ``extra=`` fields of the call become its keys."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in line:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        # default=str: an odd value (a datetime, a Path) is written, never lost with the line.
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(kind: str, text_format: str = TEXT_FORMAT) -> logging.Formatter:
    """The formatter for ``DIGEST_LOG_FORMAT``: ``json`` or ``text``."""
    return JsonFormatter() if kind == "json" else logging.Formatter(text_format)


def setup(
    level: str | int,
    kind: str = "text",
    *,
    stream: IO[str] | None = None,
    text_format: str = TEXT_FORMAT,
    quiet: tuple[str, ...] = ("celery", "kombu", "httpx", "httpcore", "alembic"),
) -> None:
    """Send every log record at ``level`` and above to ``stream`` (stderr) in the ``kind`` format.

    Calling it again replaces the handler it added, so lines switch format rather than double.
    Chatty libraries in ``quiet`` log warnings only, unless ``level`` is lower.
    """
    global _handler
    numeric = level if isinstance(level, int) else logging.getLevelName(level)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(kind, text_format))
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)  # only our own: a test's capturing handler stays
    root.addHandler(handler)
    _handler = handler
    root.setLevel(numeric)
    for name in quiet:
        logging.getLogger(name).setLevel(max(logging.WARNING, numeric))
