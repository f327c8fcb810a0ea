"""Finding a time zone the way people think of it: by city, country, offset or the zone's common name ("Pacific
Time", "EST", "CET", "GMT+1"), with the local time now in each (the searchable Time zone picker of the booking
page).

The zones offered are the IANA database's own (zone.tab of the `tzdata` package, and UTC), each once: legacy
names ("Asia/Calcutta", "US/Eastern", "Etc/UTC") are found under the zone they stand for, and a browser that
reports one gets that zone. The common names are CLDR's metazones (Babel), in the reader's language and in
English; "GMT+1" means what a person means (UTC+1), not POSIX's Etc/GMT+1 (which is UTC−1).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import TypedDict
from zoneinfo import ZoneInfo

from babel.core import Locale, get_global
from babel.dates import get_timezone_location

from kite_app.domain import times

# Shown before the guest searches, and first among equals in a search: where most guests are.
COMMON_ZONES = ("America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Sao_Paulo",
                "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Helsinki", "Europe/Moscow",
                "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
                "Australia/Sydney", "Pacific/Auckland", "UTC")


class ZoneChoice(TypedDict):
    id: str  # "America/New_York"
    city: str  # "New York"
    place: str  # "United States", or the zone's region
    offset: str  # "UTC-5"
    time: str  # the local time now: "5:55 PM"


def _tzdata(name: str) -> str:
    return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _tz_links() -> dict[str, str]:
    """The IANA database's links: another name → the zone it stands for ("Asia/Calcutta" → "Asia/Kolkata")."""
    return {parts[2]: parts[1] for parts in (line.split() for line in _tzdata("tzdata.zi").splitlines())
            if len(parts) == 3 and parts[0] == "L"}


@lru_cache(maxsize=1)
def pickable() -> tuple[str, ...]:
    """The zones a person chooses among: the IANA zones of zone.tab that are zones of their own (not another's
    link, like America/Cayman of America/Panama), and UTC; sorted."""
    listed = {line.split("\t")[2] for line in _tzdata("zone.tab").splitlines() if line and not line.startswith("#")}
    return tuple(sorted({*(listed - _tz_links().keys()), "UTC"}))


UTC_NAMES = ("Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu")


@lru_cache(maxsize=1)
def _links() -> dict[str, str]:
    """Every other name of a pickable zone → that zone ("Asia/Calcutta" → "Asia/Kolkata", "Etc/UTC" → "UTC")."""
    zones = set(pickable())
    links = {**_tz_links(), **get_global("zone_aliases")}  # and CLDR's own old names
    out = {name: "UTC" for name in UTC_NAMES}
    for name, target in links.items():
        if target in UTC_NAMES:
            target = "UTC"
        elif target not in zones:  # a link to a link (CLDR's old id of a zone IANA renamed)
            target = links.get(target, target)
        if target in zones and name != target:
            out[name] = target
    return out


def canonical(zone: str) -> str:
    """The pickable zone `zone` names: itself, or the zone a legacy name stands for ("Asia/Calcutta" →
    "Asia/Kolkata")."""
    return _links().get(zone, zone)


@lru_cache(maxsize=1)
def _other_names() -> dict[str, tuple[str, ...]]:
    """Each pickable zone's legacy names, and the id CLDR keys its data by (CLDR keeps some old ids)."""
    out: dict[str, list[str]] = {}
    for name, target in _links().items():
        out.setdefault(target, []).append(name)
    return {zone: tuple(names) for zone, names in out.items()}


def _cldr_id(zone: str) -> str:
    metazones = get_global("meta_zones")
    return next((z for z in (zone, *_other_names().get(zone, ())) if z in metazones), zone)


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
    for zone in pickable():
        code = territories.get(_cldr_id(zone), "") or territories.get(zone, "")
        place = names.get(code, "") if code and code not in ("ZZ", "001") else ""
        region = zone.split("/", 1)[0].replace("_", " ") if "/" in zone else ""
        out[zone] = place or region
    return out


def _language(locale: str) -> str:
    """The language of a display locale ("de_CH" → "de"; "" is the mails' English)."""
    return locale.split("_")[0] if locale else "en"


def _folded(text: str) -> str:
    """Lower case without accents: "São Paulo" and "Sao Paulo" are found alike."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


@lru_cache(maxsize=16)
def _common_names(language: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each zone's CLDR metazone names (folded): the long ones ("pacific time", "pacific standard time") and the
    abbreviations ("pt", "pst", "pdt"), in `language` and in English (American and British)."""
    metazones = get_global("meta_zones")
    locales = [Locale.parse(code) for code in dict.fromkeys((language, "en", "en_US", "en_GB"))]
    out = {}
    for zone in pickable():
        metazone = metazones.get(_cldr_id(zone))
        long_names: set[str] = set()
        short_names: set[str] = {"utc", "gmt", "z"} if zone == "UTC" else set()
        for locale in locales:
            names = locale.meta_zones.get(metazone, {}) if metazone else {}
            long_names.update(_folded(n) for n in names.get("long", {}).values())
            short_names.update(_folded(n) for n in names.get("short", {}).values())
        out[zone] = (tuple(sorted(long_names)), tuple(sorted(short_names)))
    return out


def choice(zone: str, now: datetime, locale: str = times.DEFAULT_LOCALE) -> ZoneChoice:
    """`zone` as a reader of `locale` finds it: the city and country in their language, the offset and the
    local time now."""
    zone = canonical(zone)
    local = now.astimezone(ZoneInfo(zone))
    language = _language(locale)
    return ZoneChoice(id=zone, city=city(zone, language), place=_places(language).get(zone, ""),
                      offset=times.offset_name(local), time=times.clock(local.replace(fold=0), locale).split(" (")[0])


def _query(text: str) -> str:
    """The search as a person means it: "GMT+1" and "UTC +01:00" are the offset UTC+1."""
    folded = " ".join(_folded(text).replace("_", " ").split())
    for prefix in ("gmt", "utc"):
        rest = folded.removeprefix(prefix).strip()
        if folded.startswith(prefix) and rest[:1] in ("+", "-", "−"):
            sign, number = ("-" if rest[0] in "-−" else "+"), rest[1:].strip()
            hours, _, minutes = number.partition(":")
            if hours.isdigit() and (not minutes or minutes.isdigit()):
                mins = f":{int(minutes):02d}" if minutes and int(minutes) else ""
                return f"utc{sign}{int(hours)}{mins}"
    return folded


def search(query: str, now: datetime, locale: str = times.DEFAULT_LOCALE, limit: int = 40) -> list[ZoneChoice]:
    """Zones whose city, country (in the reader's language or English), name, legacy names, common names
    ("Eastern Time", "EST") or offset contain every word of `query` (all zones when empty). Best first: an exact
    offset, abbreviation or city; then a city or common name the query begins; then the common zones."""
    wanted = _query(query)
    words = wanted.split()
    language = _language(locale)
    places, english, common = _places(language), _places(), _common_names(language)
    ranked = []
    for zone in pickable():
        offset = times.offset_name(now.astimezone(ZoneInfo(zone))).lower()
        long_names, short_names = common[zone]
        cities = {_folded(city(zone, language)), _folded(city(zone))}
        text = " ".join((_folded(f"{zone} {' '.join(_other_names().get(zone, ()))}").replace("_", " "), *cities,
                         _folded(places.get(zone, "")), _folded(english.get(zone, "")), *long_names, *short_names,
                         offset))
        if words and not all(w in text for w in words):
            continue
        if wanted == offset or wanted in short_names or wanted in cities:
            rank = 0
        elif any(n.startswith(wanted) for n in (*cities, *long_names)):
            rank = 1
        else:
            rank = 2
        ranked.append((rank, zone not in COMMON_ZONES, zone))
    return [choice(zone, now, locale) for *_, zone in sorted(ranked)[:limit]]
