"""Half-open time intervals [start, end) in POSIX seconds (UTC), kept sorted and disjoint.

Integers instead of datetimes keep a month of slot maths in the low milliseconds; conversion to
aware datetimes happens at the edges (`to_seconds`, `from_seconds`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

Interval = tuple[int, int]


def to_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass aware datetimes")
    return int(moment.timestamp())


def from_seconds(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals; empty ones are dropped."""
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def subtract(base: list[Interval], remove: list[Interval]) -> list[Interval]:
    """`base` minus `remove`; both sorted and disjoint (as `merge` returns them). Linear time."""
    result: list[Interval] = []
    j, n = 0, len(remove)
    for start, end in base:
        while j < n and remove[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < n and remove[k][0] < end:
            r_start, r_end = remove[k]
            if r_start > cursor:
                result.append((cursor, r_start))
            if r_end > cursor:
                cursor = r_end
            if r_end >= end:
                break
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Common parts of two sorted disjoint lists."""
    result: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]
