"""Log lines for people (``text``) or for a log collector (``json``): ``DIGEST_LOG_FORMAT``.

In ``json`` every record is one line holding one object: ``ts`` (UTC, ISO 8601), ``level``,
``logger``, ``message``, then the fields the call passed with ``extra=`` — the pipeline
names the ``edition``, ``feed``, ``channel``, ``batch`` and counts (``sent``, ``failed``,
``new`` …) that way, so a collector can count and filter without parsing sentences —
and ``exc`` with the traceback when there is one.

The CLI calls ``setup`` (``digest.cli.context``); the Celery worker calls it from the
``setup_logging`` signal (``digest.celery_app``), so both write the same lines.

Secrets never reach a log line: channels register their keys with ``protect`` (the SendGrid
API key, the bot token), and ``redactor`` — the one redaction mechanism — replaces them, and
any ``Bearer`` credential, with ``***`` in every record as it is made (message and traceback,
whichever logger and handler) and in any error text passed to ``redact``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

__all__ = ["TEXT_FORMAT", "JsonFormatter", "Redactor", "formatter", "protect", "redact", "redactor", "setup"]

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


class Redactor:
    """Replaces registered secrets and ``Bearer`` credentials with ``***``.

    Installed as the log record factory, so a record is scrubbed once, when it is made: its
    message and the text of its exception (a library's error that echoes a request URL holding
    the bot token), before any filter, handler or test capture sees it.
    """

    _BEARER = re.compile(r"Bearer\s+[^'\"\s,}]+")
    _SHORTEST = 8  # a shorter "secret" would scrub ordinary words

    def __init__(self) -> None:
        self._secrets: frozenset[str] = frozenset()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()
        self._factory: Callable[..., logging.LogRecord] | None = None

    def protect(self, secret: str | None) -> None:
        if secret and len(secret) >= self._SHORTEST and secret not in self._secrets:
            with self._lock:
                self._secrets = self._secrets | {secret}
                longest_first = sorted(self._secrets, key=len, reverse=True)
                # Case-insensitive: python-telegram-bot lower-cases the rest of an error's text
                # when it capitalizes it, and a lower-cased token is the same secret.
                self._pattern = re.compile("|".join(map(re.escape, longest_first)), re.IGNORECASE)
        self.install()

    def redact(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub("***", text)
        return self._BEARER.sub("Bearer ***", text) if "Bearer" in text else text

    def install(self) -> None:
        """Make ``logging`` build every record through ``_record`` (once per process)."""
        with self._lock:
            if self._factory is None:
                self._factory = logging.getLogRecordFactory()
                logging.setLogRecordFactory(self._record)

    def _record(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        assert self._factory is not None
        record = self._factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging itself reports it when formatting
            return record
        scrubbed = self.redact(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            scrubbed = self.redact(text)
            if scrubbed != text:  # the traceback as text, scrubbed, instead of the live exception
                record.exc_info, record.exc_text = None, scrubbed
        return record


redactor = Redactor()
redactor.install()


def protect(secret: str | None) -> None:
    """Never log ``secret`` (nor put it in an error text that goes through ``redact``)."""
    redactor.protect(secret)


def redact(text: str) -> str:
    """``text`` with every protected secret and bearer credential replaced by ``***``."""
    return redactor.redact(text)
