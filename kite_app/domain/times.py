"""How a person reads a moment: wall-clock times in their zone, with the UTC offset named wherever
the wall-clock time alone is ambiguous (the repeated hour when clocks go back).

"01:30–02:00" on a fall-back night could be either 01:30; "01:30 (UTC-4)–02:00 (UTC-5)" cannot.
Every page, notice, mail and .ics text writes times through these functions.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def offset_name(moment: datetime) -> str:
    """"UTC+2", "UTC-4", "UTC+5:45", "UTC+0" for an aware datetime."""
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    sign = "+" if seconds >= 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    return f"UTC{sign}{hours}" + (f":{rest // 60:02d}" if rest else "")


def is_repeated(local: datetime) -> bool:
    """Whether the wall-clock reading of `local` (aware, in its zone) occurs twice that night."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def clock(local: datetime) -> str:
    """"14:30", or "01:30 (UTC-4)" where that reading occurs twice."""
    text = f"{local.hour:02d}:{local.minute:02d}"
    return f"{text} ({offset_name(local)})" if is_repeated(local) else text


def span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """"14:00–14:30", or with both offsets where either end lies in a repeated hour."""
    a, b = start.astimezone(zone), end.astimezone(zone)
    if is_repeated(a) or is_repeated(b):
        return f"{a:%H:%M} ({offset_name(a)})–{b:%H:%M} ({offset_name(b)})"
    return f"{a:%H:%M}–{b:%H:%M}"


def day(local: datetime) -> str:
    """"Tuesday 1 December 2026"."""
    return f"{local:%A} {local.day} {local:%B %Y}"


def short_moment(moment: datetime, zone: ZoneInfo, *, year: bool = False) -> str:
    """"Tue 1 Dec, 10:00" (with the year: "Tue 1 Dec 2026, 10:00"), offset named where ambiguous."""
    local = moment.astimezone(zone)
    when_ = f"{local:%a} {local.day} {local:%b}" + (f" {local.year}" if year else "")
    return f"{when_}, {clock(local)}"


def when(start_iso: str, end_iso: str, zone: str) -> str:
    """"Tuesday 1 December 2026, 10:00–10:30 (Europe/Berlin)" in `zone`."""
    tz = ZoneInfo(zone)
    start, end = datetime.fromisoformat(start_iso), datetime.fromisoformat(end_iso)
    return f"{day(start.astimezone(tz))}, {span(start, end, tz)} ({zone})"
