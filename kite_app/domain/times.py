"""How a person reads a moment: wall-clock times in their zone, with the UTC offset named wherever
the wall-clock time alone is ambiguous (the repeated hour when clocks go back), in the clock and date
conventions of their locale (Babel's CLDR data).

"01:30–02:00" on a fall-back night could be either 01:30; "01:30 (UTC-4)–02:00 (UTC-5)" cannot.
Every page, notice, mail and .ics text writes times through these functions. Without a locale
(`DEFAULT_LOCALE`) times read the same everywhere: 24-hour clock, "Tuesday 1 December 2026".
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

DEFAULT_LOCALE = ""


def offset_name(moment: datetime) -> str:
    """"UTC+2", "UTC-4", "UTC+5:45", "UTC+0" for an aware datetime."""
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    sign = "+" if seconds >= 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    return f"UTC{sign}{hours}" + (f":{rest // 60:02d}" if rest else "")


DAY = 86400
_SAMPLE = 6 * 3600  # no zone changes its offset twice within 6 hours


@lru_cache(maxsize=8192)
def steady_offset(zone: ZoneInfo, utc_day: int) -> int | None:
    """The zone's UTC offset in seconds throughout the UTC day `utc_day` (days since 1970-01-01), when it
    holds from a day before to a day after (so no reading that day occurs twice or is skipped); None when
    the offset changes in that span. Readings on a steady day are plain arithmetic: POSIX seconds + offset."""
    offsets = {datetime.fromtimestamp(t, zone).utcoffset()
               for t in range((utc_day - 1) * DAY, (utc_day + 2) * DAY + 1, _SAMPLE)}
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return int(offset.total_seconds()) if offset is not None else 0


@lru_cache(maxsize=512)
def iso_day(days: int) -> str:
    """"2026-12-01" for a count of days since 1970-01-01."""
    return date.fromordinal(_EPOCH_ORDINAL + days).isoformat()


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def utc_iso(posix: int) -> str:
    """"2026-12-01T14:00:00+00:00" (as `datetime.isoformat` writes it) for whole POSIX seconds."""
    days, rest = divmod(posix, DAY)
    return iso_day(days) + _utc_time(rest)


@lru_cache(maxsize=2048)
def _utc_time(seconds: int) -> str:
    return f"T{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}+00:00"


def is_repeated(local: datetime) -> bool:
    """Whether the wall-clock reading of `local` (aware, in its zone) occurs twice that night."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def display_locale(language: str, page_language: str = "en") -> str:
    """The conventions to write times in for a page in `page_language` read with a browser in `language`.
    English pages follow the browser's region: "en-US" → "en_US" (12-hour clock, weeks from Sunday);
    "de-DE" → "en_DE" (24-hour, from Monday); anything unknown → "en_US" or "en_GB" by the clock its
    language uses. Other pages use their language in the browser's region where Babel knows it ("de" page,
    "de-CH" browser → "de_CH"), else the language's own ("it")."""
    try:
        asked = Locale.parse(language.replace("_", "-"), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        asked = None
    if page_language != "en":
        candidates = [f"{page_language}_{asked.territory}"] if asked and asked.territory else []
        for candidate in (*candidates, page_language):
            try:
                return str(Locale.parse(candidate))
            except (ValueError, UnknownLocaleError):
                continue
        return page_language
    if asked is None:
        return "en_GB"
    candidates = [f"en_{asked.territory}" if asked.territory else "", str(asked) if asked.language == "en" else ""]
    for candidate in filter(None, candidates):
        try:
            return str(Locale.parse(candidate))
        except (ValueError, UnknownLocaleError):
            continue
    return "en_US" if uses_12_hours(str(asked)) else "en_GB"


@lru_cache(maxsize=64)
def uses_12_hours(locale: str) -> bool:
    """Whether the locale writes times with AM/PM."""
    return bool(locale) and "a" in Locale.parse(locale).time_formats["short"].pattern


@lru_cache(maxsize=64)
def first_weekday(locale: str) -> int:
    """The first day of a calendar week in the locale: 0 Monday … 6 Sunday."""
    return Locale.parse(locale).first_week_day if locale else 0


@lru_cache(maxsize=8192)
def hour_minute(hour: int, minute: int, locale: str = DEFAULT_LOCALE) -> str:
    """"14:30" ("2:30 PM" in en_US): a wall-clock reading that occurs once."""
    if not locale:
        return f"{hour:02d}:{minute:02d}"
    return format_time(datetime(2000, 1, 1, hour, minute), "short", locale=locale)


def clock(local: datetime, locale: str = DEFAULT_LOCALE) -> str:
    """"14:30" ("2:30 PM" in en_US), or "01:30 (UTC-4)" where that reading occurs twice."""
    text = hour_minute(local.hour, local.minute, locale)
    return f"{text} ({offset_name(local)})" if is_repeated(local) else text


def span(start: datetime, end: datetime, zone: ZoneInfo, locale: str = DEFAULT_LOCALE) -> str:
    """"14:00–14:30", or with both offsets where either end lies in a repeated hour."""
    a, b = start.astimezone(zone), end.astimezone(zone)
    first, last = hour_minute(a.hour, a.minute, locale), hour_minute(b.hour, b.minute, locale)
    if is_repeated(a) or is_repeated(b):
        return f"{first} ({offset_name(a)})–{last} ({offset_name(b)})"
    return f"{first}–{last}"


def day(local: date, locale: str = DEFAULT_LOCALE) -> str:
    """"Tuesday 1 December 2026" ("Tuesday, December 1, 2026" in en_US)."""
    if not locale:
        return f"{local:%A} {local.day} {local:%B %Y}"
    return format_date(local, "full", locale=locale)


def month(first: date, locale: str = DEFAULT_LOCALE) -> str:
    """"December 2026"."""
    return format_date(first, "MMMM y", locale=locale or "en_GB")


def weekday_names(locale: str = DEFAULT_LOCALE) -> list[tuple[str, str]]:
    """(short, full) names of the week's days from the locale's first day: [("Mon", "Monday"), …]."""
    names = Locale.parse(locale or "en_GB").days["format"]
    start = first_weekday(locale)
    return [(names["abbreviated"][(start + i) % 7], names["wide"][(start + i) % 7]) for i in range(7)]


def short_moment(moment: datetime, zone: ZoneInfo, *, year: bool = False, locale: str = DEFAULT_LOCALE) -> str:
    """"Tue 1 Dec, 10:00" (with the year: "Tue 1 Dec 2026, 10:00"; en_US: "Tue, Dec 1, 10:00 AM"), offset
    named where ambiguous."""
    local = moment.astimezone(zone)
    if locale:
        when_ = format_date(local, "EEE, MMM d, y" if year else "EEE, MMM d", locale=locale) if uses_12_hours(
            locale) else format_date(local, "EEE d MMM y" if year else "EEE d MMM", locale=locale)
    else:
        when_ = f"{local:%a} {local.day} {local:%b}" + (f" {local.year}" if year else "")
    return f"{when_}, {clock(local, locale)}"


def when(start_iso: str, end_iso: str, zone: str, locale: str = DEFAULT_LOCALE) -> str:
    """"Tuesday 1 December 2026, 10:00–10:30 (Europe/Berlin)" in `zone`."""
    tz = ZoneInfo(zone)
    start, end = datetime.fromisoformat(start_iso), datetime.fromisoformat(end_iso)
    return f"{day(start.astimezone(tz), locale)}, {span(start, end, tz, locale)} ({zone})"
