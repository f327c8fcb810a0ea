"""Finding a time zone the way people think of it: by city, country or offset, with the local time
now in each (the searchable Time zone picker of the booking page)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TypedDict
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location

from kite_app.domain import times
from kite_app.domain.accounts import time_zones


class ZoneChoice(TypedDict):
    id: str  # "America/New_York"
    city: str  # "New York"
    place: str  # "United States", or the zone's region
    offset: str  # "UTC-5"
    time: str  # the local time now: "5:55 PM"


def city(zone: str) -> str:
    """"America/Argentina/Buenos_Aires" → "Buenos Aires"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    """Each zone's country (CLDR), or its region where CLDR names none."""
    out = {}
    for zone in time_zones():
        try:
            place = get_timezone_location(ZoneInfo(zone), locale="en", return_city=False)
        except (LookupError, ValueError):
            place = ""
        place = place.removesuffix(" Time").split(" (")[0].strip()
        out[zone] = place if place and place != city(zone) else zone.split("/", 1)[0].replace("_", " ")
    return out


def choice(zone: str, now: datetime, locale: str = times.DEFAULT_LOCALE) -> ZoneChoice:
    local = now.astimezone(ZoneInfo(zone))
    return ZoneChoice(id=zone, city=city(zone), place=_places().get(zone, ""), offset=times.offset_name(local),
                      time=times.clock(local.replace(fold=0), locale).split(" (")[0])


def search(query: str, now: datetime, locale: str = times.DEFAULT_LOCALE, limit: int = 40) -> list[ZoneChoice]:
    """Zones whose city, country, name or offset contain every word of `query` (all zones when empty),
    cities starting with the query first."""
    words = query.lower().replace("_", " ").split()
    places = _places()
    found = []
    for zone in time_zones():
        local = now.astimezone(ZoneInfo(zone))
        haystack = f"{zone.replace('_', ' ')} {places.get(zone, '')} {times.offset_name(local)}".lower()
        if all(w in haystack for w in words):
            found.append(zone)
    if words:
        found.sort(key=lambda z: (not city(z).lower().startswith(words[0]), z))
    return [choice(z, now, locale) for z in found[:limit]]
