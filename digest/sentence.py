"""An error's message as a sentence for a reader's or an editor's page (pure).

Our exceptions speak in lower-case clauses ("no list named 'weekly'") so that they read
well inside a log line or another sentence; pages show them on their own.
"""

from __future__ import annotations

__all__ = ["as_sentence"]


def as_sentence(said: object) -> str:
    """``said`` (an exception or text) with a capital first letter and one full stop."""
    text = str(said)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
