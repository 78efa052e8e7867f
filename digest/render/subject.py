"""The email subject from the newsroom's format (``DIGEST_SUBJECT_FORMAT``), e.g. ``{top}`` or
``{list}: {top} and {more} more``. Only named fields, no attribute access, indexing or format
specs: a format is a setting, never code, and headlines are values, never formats."""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass

__all__ = ["DEFAULT_SUBJECT_FORMAT", "SubjectFields", "check_subject_format", "format_subject"]

DEFAULT_SUBJECT_FORMAT = "{top}"


@dataclass(frozen=True, slots=True)
class SubjectFields:
    top: str  # the top story's headline
    list: str  # the list's title
    newsroom: str
    date: str  # "1 December"
    count: int  # stories in the edition
    more: int  # stories besides the top one


FIELDS = frozenset(SubjectFields.__dataclass_fields__)


def check_subject_format(fmt: str) -> None:
    """Raise ``ValueError`` naming what is wrong with ``fmt``."""
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise ValueError(f"not a valid format ({exc}); write fields as {{top}}, a brace as {{{{") from None
    names = [name for _, name, _, _ in parsed if name is not None]
    if not names:
        raise ValueError("name at least one field, e.g. {top}")
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in FIELDS:
            raise ValueError(f"unknown field {{{name}}}; the fields are {', '.join(sorted(FIELDS))}")
        if spec or conversion:
            raise ValueError(f"{{{name}}} takes no format spec or conversion")


def format_subject(fmt: str, fields: SubjectFields) -> str:
    return fmt.format(**asdict(fields))
