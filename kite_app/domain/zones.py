"""Finding a time zone the way people think of it: by city, country or offset, with the local time
now in each (the searchable Time zone picker of the booking page)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TypedDict
from zoneinfo import ZoneInfo

from babel.core import Locale, get_global
from babel.dates import get_timezone_location

from kite_app.domain import times
from kite_app.domain.accounts import time_zones


class ZoneChoice(TypedDict):
    id: str  # "America/New_York"
    city: str  # "New York"
    place: str  # "United States", or the zone's region
    offset: str  # "UTC-5"
    time: str  # the local time now: "5:55 PM"


@lru_cache(maxsize=4096)
def city(zone: str, language: str = "en") -> str:
    """"America/Argentina/Buenos_Aires" → "Buenos Aires"; in German "Europe/Vienna" → "Wien" (CLDR)."""
    english = zone.rsplit("/", 1)[-1].replace("_", " ")
    if language == "en":
        return english
    try:
        return get_timezone_location(ZoneInfo(zone), locale=language, return_city=True) or english
    except (LookupError, ValueError):
        return english


@lru_cache(maxsize=8)
def _places(language: str = "en") -> dict[str, str]:
    """Each zone's country in `language` (CLDR), or its region where CLDR names none."""
    territories = get_global("zone_territories")
    names = Locale.parse(language).territories
    out = {}
    for zone in time_zones():
        code = territories.get(zone, "")
        place = names.get(code, "") if code and code not in ("ZZ", "001") else ""
        region = zone.split("/", 1)[0].replace("_", " ") if "/" in zone and not zone.startswith("Etc/") else ""
        out[zone] = place or region
    return out


def _language(locale: str) -> str:
    """The language of a display locale ("de_CH" → "de"; "" is the mails' English)."""
    return locale.split("_")[0] if locale else "en"


def choice(zone: str, now: datetime, locale: str = times.DEFAULT_LOCALE) -> ZoneChoice:
    """`zone` as a reader of `locale` finds it: the city and country in their language, the offset and the
    local time now."""
    local = now.astimezone(ZoneInfo(zone))
    language = _language(locale)
    return ZoneChoice(id=zone, city=city(zone, language), place=_places(language).get(zone, ""),
                      offset=times.offset_name(local), time=times.clock(local.replace(fold=0), locale).split(" (")[0])


def search(query: str, now: datetime, locale: str = times.DEFAULT_LOCALE, limit: int = 40) -> list[ZoneChoice]:
    """Zones whose city, country (in the reader's language or English), name or offset contain every word of
    `query` (all zones when empty), cities starting with the query first."""
    words = query.lower().replace("_", " ").split()
    language = _language(locale)
    places, english = _places(language), _places()
    found = []
    for zone in time_zones():
        local = now.astimezone(ZoneInfo(zone))
        names = f"{zone.replace('_', ' ')} {city(zone, language)} {places.get(zone, '')} {english.get(zone, '')}"
        if all(w in f"{names} {times.offset_name(local)}".lower() for w in words):  # "Wien" and "Vienna" alike
            found.append(zone)
    if words:
        found.sort(key=lambda z: (not (city(z, language).lower().startswith(words[0])
                                       or city(z).lower().startswith(words[0])), z))
    return [choice(z, now, locale) for z in found[:limit]]
