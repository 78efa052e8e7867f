"""Time zones as readers know them: "Kyiv, Ukraine", not ``Europe/Kyiv``.

Pure: Babel's CLDR data names each zone's city and country in the reader's language; a
reader may type the city, the label or the zone's own name, and gets the zone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

__all__ = ["ZoneChoice", "resolve_zone", "zone_choices", "zone_label"]


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    name: str  # the IANA name, e.g. Europe/Kyiv
    label: str  # "Kyiv, Ukraine"
    city: str
    country: str
    aliases: tuple[str, ...] = ()  # older names browsers may still report (Europe/Kiev)


@functools.cache
def zone_choices(locale: str = "en") -> tuple[ZoneChoice, ...]:
    """One choice per zone that belongs to a country, plus UTC, ordered by label."""
    territories: Mapping[str, str] = get_global("zone_territories")
    aliases: dict[str, list[str]] = {}
    for alias, zone in get_global("zone_aliases").items():
        aliases.setdefault(zone, []).append(alias)
    names = Locale.parse(locale).territories
    choices = [ZoneChoice("UTC", "UTC (Coordinated Universal Time)", "UTC", "")]
    for zone in sorted(available_timezones() & set(territories)):
        country = names.get(territories[zone])
        if not country or territories[zone] == "001":
            continue
        city = get_timezone_location(zone, locale=locale, return_city=True)
        known = tuple(sorted(aliases.get(zone, ())))
        choices.append(ZoneChoice(zone, f"{city}, {country}", city, country, known))
    return tuple(sorted(choices, key=lambda c: c.label.casefold()))


@functools.cache
def _index(locale: str) -> dict[str, str]:
    """Every accepted spelling (casefolded) -> zone: labels, then cities and countries that
    name one zone only ("Poland", not "United States")."""
    index: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    for choice in zone_choices(locale):
        index[choice.label.casefold()] = choice.name
        for name in (choice.city, choice.country):
            if name:
                names.setdefault(name.casefold(), set()).add(choice.name)
    for name, zones in names.items():
        if len(zones) == 1:
            index.setdefault(name, next(iter(zones)))
    for zone in available_timezones():
        index[zone.casefold()] = zone
    return index


def zone_label(name: str, locale: str = "en") -> str:
    """ "Kyiv, Ukraine" for ``Europe/Kyiv`` (or an alias of it); the name itself when unknown."""
    for choice in zone_choices(locale):
        if name == choice.name or name in choice.aliases:
            return choice.label
    return name


def resolve_zone(value: str, locale: str = "en") -> str | None:
    """The zone for a city ("Kyiv"), a label ("Kyiv, Ukraine") or a name ("Europe/Kyiv")."""
    key = " ".join(value.split()).casefold()
    return _index(locale).get(key) or _index("en").get(key)
