"""Working ranges + busy time + duration, slot interval, buffers, minimum notice and window -> slots.

Slots lie on the agent's wall-clock grid: each working range offers the instants in it whose
wall-clock reading is the range start plus a whole number (0, 1, 2, ...) of intervals (a range 13:15-17:00 offers 13:15,
13:30, ... on every day, DST days included). A reading the clocks skip is not offered; one they
show twice is offered twice. A slot is offered only if the meeting, widened by the buffers,
touches no busy time, lies inside working time, starts after the minimum notice and before the
end of the booking window. Listing (`slots_between`) and the booking check (`is_slot`) share
this one definition.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from kite_app.domain.availability import Stretch, TimeRange, wall_to_utc, working_stretches
from kite_app.domain.intervals import Interval, merge, subtract

MIN_DURATION, MAX_DURATION = 15, 360
MAX_WINDOW_DAYS = 31


@dataclass(frozen=True)
class SlotRules:
    """Minutes everywhere, as the agent enters them."""

    interval: int = 15
    buffer_before: int = 0
    buffer_after: int = 0
    min_notice: int = 60
    window_days: int = 30


def window_end(now: int, zone: ZoneInfo, days: int) -> int:
    """The end of a booking window of `days` calendar days on the agent's wall clock: the same
    wall-clock time `days` later, whatever DST does in between (POSIX seconds)."""
    local = datetime.fromtimestamp(now, zone)
    wall = now + int(local.utcoffset().total_seconds()) + days * 86400  # type: ignore[union-attr]
    return wall_to_utc(wall, zone, later=True)


def free_slots(
    stretches: Sequence[Stretch],
    busy: Iterable[Interval],
    *,
    duration: int,
    rules: SlotRules,
    earliest: int,
    latest: int,
    working: list[Interval] | None = None,
) -> list[int]:
    """Slot start times in [earliest, latest) (POSIX seconds), sorted and unique. A slot starts on a
    grid point of its stretch; the meeting may run on into adjacent working time. `working`: the
    stretches merged, when the caller has them already."""
    dur, step = duration * 60, rules.interval * 60
    # A meeting [s, s+dur) with buffers conflicts with busy [b0, b1) iff
    # b0 < s + dur + after and b1 > s - before: widen busy time instead of each slot.
    before, after = rules.buffer_before * 60, rules.buffer_after * 60
    blocked = merge([(b0 - after, b1 + before) for b0, b1 in busy] if before or after else busy)
    free = subtract(working if working is not None else merge((s.start, s.end) for s in stretches), blocked)
    free_starts = [f[0] for f in free]
    slots: list[int] = []
    for st in stretches:
        lo, hi = max(st.start, st.anchor, earliest), min(st.end, latest)  # on or after the range start's reading
        if lo >= hi:
            continue
        i = max(bisect_right(free_starts, lo) - 1, 0)
        while i < len(free) and free[i][0] < hi:
            f_start, f_end = free[i]
            first = max(lo, f_start)
            s = first + (st.anchor - first) % step  # the first grid point at or after `first`
            stop = min(hi - 1, f_end - dur)
            if s <= stop:
                slots.extend(range(s, stop + 1, step))
            i += 1
    if len(stretches) > 1:
        slots = sorted(set(slots))  # ranges that touch (or overlap in a repeated hour) share points
    return slots


def days_around(start: int, end: int, zone: ZoneInfo) -> tuple[date, date]:
    """Local dates whose working ranges can hold a slot starting in [start, end), or its meeting."""
    first = datetime.fromtimestamp(start, zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end, zone).date() + timedelta(days=1)
    return first, last


def slots_between(
    *,
    weekly: Sequence[Sequence[TimeRange]],
    overrides: Mapping[date, Sequence[TimeRange]],
    zone: ZoneInfo,
    busy: Iterable[Interval],
    duration: int,
    rules: SlotRules,
    now: int,
    start: int,
    end: int,
) -> list[int]:
    """Every slot starting in [start, end) that a guest may book at `now` (all POSIX seconds)."""
    earliest = max(start, now + rules.min_notice * 60)
    latest = min(end, window_end(now, zone, rules.window_days))
    if earliest >= latest:
        return []
    stretches, working = _stretches(tuple(map(tuple, weekly)), tuple(sorted(overrides.items())), zone,
                                    *days_around(earliest, latest, zone))
    return free_slots(stretches, busy, duration=duration, rules=rules, earliest=earliest, latest=latest,
                      working=working)


@lru_cache(maxsize=512)
def _stretches(weekly: tuple, overrides: tuple, zone: ZoneInfo, first: date, last: date
               ) -> tuple[list[Stretch], list[Interval]]:
    """Working stretches and their merged time, remembered: members of a team with the same hours and zone,
    and every page view of the same days, share them (the arguments are all the function reads; callers
    do not change what they get)."""
    stretches = working_stretches(weekly, dict(overrides), zone, first, last)
    return stretches, merge((s.start, s.end) for s in stretches)


def is_slot(stretches: Sequence[Stretch], *, duration: int, rules: SlotRules, start: int) -> bool:
    """Whether `start` is a grid point of a working range whose working time holds the whole meeting
    (busy time, notice and window are not looked at). `stretches`: those of `days_around(start, start + 1)`."""
    return start in free_slots(stretches, [], duration=duration, rules=rules, earliest=start, latest=start + 1)
