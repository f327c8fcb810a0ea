"""Weekly working hours and date overrides in the agent's zone -> working intervals in UTC.

DST-safe: a 09:00-17:00 day stays 09:00-17:00 local on the change day; a boundary that falls in
a skipped hour moves to the moment the clocks jump; in a repeated hour the first one is meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kite_app.domain.intervals import Interval, merge

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True, order=True)
class TimeRange:
    """Local wall-clock minutes after midnight: start in 0..1439, end in 1..1440 (24:00)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{format_minutes(self.start)}-{format_minutes(self.end)}"


def parse_time(text: str) -> int:
    """"09:30" -> 570; "24:00" is the end of the day. ValueError for anything else."""
    match = _HHMM.match((text or "").strip())
    if not match:
        raise ValueError(f"{text!r} is not a time like 09:30")
    hours, minutes = int(match[1]), int(match[2])
    total = hours * 60 + minutes
    if total > MINUTES_PER_DAY:
        raise ValueError(f"{text!r} is after 24:00")
    return total


def format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def ranges_error(ranges: Sequence[TimeRange]) -> str | None:
    """Why a day's ranges are invalid (end before start, overlapping), or None."""
    for r in ranges:
        if not (0 <= r.start < MINUTES_PER_DAY and 0 < r.end <= MINUTES_PER_DAY):
            return "Times must lie between 00:00 and 24:00."
        if r.end <= r.start:
            return f"{format_minutes(r.end)} is not after {format_minutes(r.start)}: the end must be after the start."
    ordered = sorted(ranges)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start < a.end:
            return f"{a} and {b} overlap."
    return None


def local_to_utc(day: date, minute: int, zone: ZoneInfo) -> int:
    """The POSIX second at which the agent's wall clock shows `day` + `minute`."""
    if minute >= MINUTES_PER_DAY:
        day, minute = day + timedelta(days=minute // MINUTES_PER_DAY), minute % MINUTES_PER_DAY
    naive = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    after = int(naive.replace(tzinfo=zone).timestamp())  # fold=0: the earlier offset
    if datetime.fromtimestamp(after, zone).replace(tzinfo=None) == naive:
        return after
    # The wall time was skipped (clocks jumped forward): use the instant of the jump.
    before = int(naive.replace(tzinfo=zone, fold=1).timestamp())
    target = datetime.fromtimestamp(after, zone).utcoffset()
    lo, hi = before, after
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi


def working_intervals(
    weekly: Sequence[Sequence[TimeRange]],
    overrides: Mapping[date, Sequence[TimeRange]],
    zone: ZoneInfo,
    first_day: date,
    last_day: date,
) -> list[Interval]:
    """Working time from `first_day` to `last_day` (local dates, inclusive), merged, in UTC seconds.

    `weekly` has seven entries, Monday first; an override replaces that date's ranges (empty: day off).
    """
    out: list[Interval] = []
    day = first_day
    one_day = timedelta(days=1)
    while day <= last_day:
        ranges = overrides.get(day)
        if ranges is None:
            ranges = weekly[day.weekday()]
        for r in ranges:
            start, end = local_to_utc(day, r.start, zone), local_to_utc(day, r.end, zone)
            if start < end:
                out.append((start, end))
        day += one_day
    return merge(out)
