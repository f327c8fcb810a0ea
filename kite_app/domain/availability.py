"""Weekly working hours and date overrides in the agent's zone -> working intervals in UTC.

DST-safe: a 09:00-17:00 day stays 09:00-17:00 local on the change day; a boundary that falls in
a skipped hour moves to the moment the clocks jump; a range starts at the first occurrence of a
repeated hour and ends at its later one (README, "Time rules").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from kite_app.domain.intervals import Interval, merge
from kite_app.domain.text import msg

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
            return msg("Times must lie between 00:00 and 24:00.")
        if r.end <= r.start:
            return f"{format_minutes(r.end)} is not after {format_minutes(r.start)}: the end must be after the start."
    ordered = sorted(ranges)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start < a.end:
            return f"{a} and {b} overlap."
    return None


_EPOCH = date(1970, 1, 1).toordinal()


class Stretch(NamedTuple):
    """A piece of one working range in which the UTC offset does not change, in POSIX seconds.

    The range's grid points in it are `anchor + k * interval` (k = 0, 1, 2, ...): the instants
    whose wall-clock reading is the range start plus a whole number of intervals.
    """

    start: int
    end: int
    anchor: int


def wall_seconds(day: date, minute: int = 0) -> int:
    """A wall-clock reading as seconds since 1970-01-01 00:00 on that same clock (no zone)."""
    return (day.toordinal() - _EPOCH) * 86400 + minute * 60


def _offset(moment: int, zone: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(moment, zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def wall_to_utc(wall: int, zone: ZoneInfo, *, later: bool = False) -> int:
    """The POSIX second at which `zone`'s clocks read `wall` (see `wall_seconds`).

    A reading that occurs twice (autumn fold) means its first occurrence, or its later one with
    `later`; a reading that never occurs (spring gap) means the moment the clocks jump.
    """
    naive = datetime.fromtimestamp(wall, UTC).replace(tzinfo=None)
    moment = int(naive.replace(tzinfo=zone, fold=int(later)).timestamp())
    if moment + _offset(moment, zone) == wall:
        return moment
    # Skipped: fold=0 reads it with the offset before the jump (an instant after it), fold=1 with
    # the offset after (an instant before it). The jump lies between.
    lo = int(naive.replace(tzinfo=zone, fold=1).timestamp())
    hi = int(naive.replace(tzinfo=zone, fold=0).timestamp())
    return _transition(lo, hi, zone)


def _transition(lo: int, hi: int, zone: ZoneInfo) -> int:
    """The first second in (lo, hi] with `hi`'s offset; `lo` has another one."""
    target = _offset(hi, zone)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(mid, zone) == target:
            hi = mid
        else:
            lo = mid
    return hi


def local_to_utc(day: date, minute: int, zone: ZoneInfo, *, later: bool = False) -> int:
    """The POSIX second at which the agent's wall clock shows `day` + `minute` (`wall_to_utc`)."""
    return wall_to_utc(wall_seconds(day, minute), zone, later=later)


def range_stretches(day: date, r: TimeRange, zone: ZoneInfo) -> list[Stretch]:
    """One working range on `day` in UTC, cut where the clocks change inside it.

    Its start in a repeated hour is the first occurrence, its end the later one; a start or end
    in a skipped hour is the moment of the jump.
    """
    origin = wall_seconds(day, r.start)
    start = wall_to_utc(origin, zone)
    end = wall_to_utc(wall_seconds(day, r.end), zone, later=True)
    if start >= end:
        return []
    first = _offset(start, zone)
    if _offset(end - 1, zone) == first:
        return [Stretch(start, end, origin - first)]
    cut = _transition(start, end - 1, zone)  # no zone changes its clocks twice within a day
    return [Stretch(start, cut, origin - first), Stretch(cut, end, origin - _offset(cut, zone))]


def working_stretches(
    weekly: Sequence[Sequence[TimeRange]],
    overrides: Mapping[date, Sequence[TimeRange]],
    zone: ZoneInfo,
    first_day: date,
    last_day: date,
) -> list[Stretch]:
    """Every working range from `first_day` to `last_day` (local dates, inclusive), sorted by start.

    `weekly` has seven entries, Monday first; an override replaces that date's ranges (empty: day off).
    """
    out: list[Stretch] = []
    day = first_day
    one_day = timedelta(days=1)
    while day <= last_day:
        ranges = overrides.get(day)
        if ranges is None:
            ranges = weekly[day.weekday()]
        for r in ranges:
            out.extend(range_stretches(day, r, zone))
        day += one_day
    out.sort()
    return out


def working_intervals(
    weekly: Sequence[Sequence[TimeRange]],
    overrides: Mapping[date, Sequence[TimeRange]],
    zone: ZoneInfo,
    first_day: date,
    last_day: date,
) -> list[Interval]:
    """Working time from `first_day` to `last_day` (local dates, inclusive), merged, in UTC seconds."""
    return merge((s.start, s.end) for s in working_stretches(weekly, overrides, zone, first_day, last_day))
