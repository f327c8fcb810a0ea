"""Free intervals + duration, slot interval, buffers, minimum notice and booking window -> slots.

Slots start on a grid of `interval` minutes that begins at the start of each working range (so a
range 13:15-17:00 offers 13:15, 13:30, ...). A slot is offered only if the meeting, widened by
the buffers, touches no busy time, lies inside working hours, starts after the minimum notice and
inside the booking window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kite_app.domain.availability import TimeRange, working_intervals
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


def free_slots(
    working: list[Interval],
    busy: Iterable[Interval],
    *,
    duration: int,
    rules: SlotRules,
    earliest: int,
    latest: int,
) -> list[int]:
    """Slot start times (POSIX seconds), sorted and unique. `working` sorted and merged."""
    dur, step = duration * 60, rules.interval * 60
    # A meeting [s, s+dur) with buffers conflicts with busy [b0, b1) iff
    # b0 < s + dur + after and b1 > s - before: widen busy time instead of each slot.
    before, after = rules.buffer_before * 60, rules.buffer_after * 60
    blocked = merge((b0 - after, b1 + before) for b0, b1 in busy)
    free = subtract(working, blocked)
    slots: list[int] = []
    w, n_work = 0, len(working)
    for f_start, f_end in free:
        while w < n_work and working[w][1] < f_end:
            w += 1
        origin = working[w][0]
        first = max(f_start, earliest)
        k = -((origin - first) // step)  # ceil((first - origin) / step)
        s = origin + k * step
        stop = min(f_end - dur, latest - 1)
        while s <= stop:
            slots.append(s)
            s += step
    return slots


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
    latest = min(end, now + rules.window_days * 86400)
    if earliest >= latest:
        return []
    first_day = datetime.fromtimestamp(earliest, zone).date() - timedelta(days=1)
    last_day = datetime.fromtimestamp(latest, zone).date()
    working = working_intervals(weekly, overrides, zone, first_day, last_day)
    return free_slots(working, busy, duration=duration, rules=rules, earliest=earliest, latest=latest)
