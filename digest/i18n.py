"""The readers' language: gettext catalogs (Babel) and dates formatted for a language.

Catalogs live in ``digest/locale/<lang>/LC_MESSAGES/digest.po``; they are compiled in memory
when first used (no build step, nothing generated to keep in step), then cached per language.
English is the source language: its strings are the msgids, so it needs no catalog.

Updating the catalogs after changing a string (see README, "Translations")::

    pybabel extract -F babel.cfg -k N_ -k translate:2 -k translate_plural:2,3 -o digest/locale/digest.pot .
    pybabel update -i digest/locale/digest.pot -d digest/locale -D digest
"""

from __future__ import annotations

import functools
import io
from datetime import date, datetime
from pathlib import Path

from babel.dates import format_date, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "date_label",
    "day_month",
    "long_date",
    "supported",
    "translate",
    "translate_plural",
    "translations",
    "weekday_name",
]

DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "digest"
LANGUAGES = ("en", "uk")


def supported(language: str | None) -> str:
    """``language`` when digest ships it, else English."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of ``language``; English (and unknown languages) translate to themselves."""
    po = LOCALE_DIR / supported(language) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalog where it is written; it is translated where it is shown."""
    return message


def translate(language: str, message: str, **values: object) -> str:
    """``message`` in ``language``, with ``%(name)s`` fields filled from ``values``."""
    text = translations(language).gettext(message)
    return text % values if values else text


def translate_plural(language: str, singular: str, plural: str, n: int, **values: object) -> str:
    """The form of ``singular``/``plural`` for ``n`` in ``language`` (Ukrainian has three);
    ``%(num)s`` is ``n``."""
    return translations(language).ngettext(singular, plural, n) % {"num": n, **values}


def date_label(day: date | datetime, language: str) -> str:
    """The masthead's date: "Tuesday, 1 December 2026" / "вівторок, 1 грудня 2026 р."."""
    if supported(language) == DEFAULT_LANGUAGE:
        return f"{day:%A}, {day.day} {day:%B %Y}"
    return f"{format_date(day, 'EEEE', locale=language)}, {format_date(day, 'long', locale=language)}"


def long_date(day: date | datetime, language: str) -> str:
    """ "1 December 2026" / "1 грудня 2026 р."."""
    if supported(language) == DEFAULT_LANGUAGE:
        return f"{day.day} {day:%B %Y}"
    return format_date(day, "long", locale=language)


def day_month(day: date | datetime, language: str) -> str:
    """A short date for subjects: "1 December" / "1 грудня"."""
    if supported(language) == DEFAULT_LANGUAGE:
        return f"{day.day} {day:%B}"
    return format_date(day, "d MMMM", locale=language)


def weekday_name(index: int, language: str = DEFAULT_LANGUAGE) -> str:
    """The name of weekday ``index`` (0 is Monday): "Monday" / "понеділок"."""
    return str(get_day_names("wide", locale=supported(language))[index])
