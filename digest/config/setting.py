"""One setting: its variable, its default as written in the environment, its parser and its
meaning, declared once as a field of ``Settings`` with ``setting()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from digest.config.parsers import Parser

__all__ = ["Setting", "setting"]


@dataclass(frozen=True)
class Setting:
    env: str
    field: str  # the Settings field it fills; filled in from the field's name
    default: str
    parse: Parser
    doc: str
    secret: bool = False


def setting(env: str, default: str, parse: Parser, doc: str, *, secret: bool = False) -> Any:
    """A ``Settings`` field read from ``env``; unset, it holds ``parse(default)``.

    The default is parsed when a ``Settings`` is made without it, not at import: a parser may
    import modules that import ``digest.config`` (the subject format's checker does).
    """
    declared = Setting(env, "", default, parse, doc, secret)
    return field(default_factory=partial(parse, default), metadata={"setting": declared})
