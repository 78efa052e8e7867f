"""For tests that look for story URLs in what was sent: tracked links (``/r/<token>``) replaced
by the destination their signed token leads to."""

from __future__ import annotations

import re

from digest import tracking

_TRACKED = re.compile(r"https?://[^\s\"'<>]+/r/([A-Za-z0-9_.~=-]+)")


def with_destinations(text: str, key: bytes) -> str:
    """``text`` with every genuine tracked link written as its destination."""
    # Quoted-printable email bodies break long lines with "=\n"; undo that first.
    text = text.replace("=\n", "").replace("=3D", "=")

    def destination(match: re.Match[str]) -> str:
        target = tracking.read_token(key, match.group(1))
        return target.url if target else match.group(0)

    return _TRACKED.sub(destination, text)
