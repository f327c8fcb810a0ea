"""A month of team slots: 20 members x 3 calendars x 300 busy events each, round robin and collective.

Prints the team engine's time (each member's slots from their own busy time, then combined), the time
of the bare lower bound measured in the same run (sorting and merging every member's busy intervals),
their ratio, and how the time grows from 2 to 50 members.
Run: .venv/bin/python bench/team_slots.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kite_app.domain.availability import TimeRange  # noqa: E402
from kite_app.domain.intervals import merge  # noqa: E402
from kite_app.domain.slots import SlotRules, slots_between  # noqa: E402
from kite_app.domain.teams import TeamKind, team_slot_starts  # noqa: E402

NOW = int(datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp())  # a month that crosses a DST change
MONTH = 31 * 86400
ZONES = [ZoneInfo(z) for z in ("Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata")]
WORKDAY = (TimeRange(9 * 60, 12 * 60), TimeRange(13 * 60, 18 * 60))
WEEKLY = (WORKDAY,) * 5 + ((), ())
RULES = SlotRules(interval=15, buffer_before=5, buffer_after=10, min_notice=60, window_days=31)


def members(n: int, events_per_calendar: int = 300, seed: int = 11, zones: list[ZoneInfo] = ZONES
            ) -> list[tuple[ZoneInfo, list[tuple[int, int]]]]:
    """Each member: a zone and the busy events of 3 calendars (15 min to 1 h, over the month's quarter)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        busy = []
        for _ in range(3):
            for _ in range(events_per_calendar):
                start = NOW - MONTH + rng.randrange(0, 3 * MONTH // 900) * 900
                busy.append((start, start + rng.choice((15, 30, 45, 60)) * 60))
        out.append((zones[i % len(zones)], sorted(busy)))
    return out


def team(kind: TeamKind, people) -> list[int]:
    per_member = (slots_between(weekly=WEEKLY, overrides={}, zone=zone, busy=busy, duration=30, rules=RULES, now=NOW,
                                start=NOW, end=NOW + MONTH) for zone, busy in people)
    return team_slot_starts(kind, per_member)


def lower_bound(people) -> list:
    return [merge(busy) for _zone, busy in people]


def timed(fn, *args, repeat: int = 30) -> float:
    """Median seconds of `repeat` runs (after a warm-up)."""
    fn(*args)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    print("month of team slots, 20 members x 3 calendars x 300 busy events, 15-min grid, 30-min meetings")
    print("(round robin: members in 4 zones; collective: members in one zone, as a team that meets together)")
    for kind in TeamKind:
        people = members(20) if kind == TeamKind.ROUND_ROBIN else members(20, zones=ZONES[:1])
        t_bound = timed(lower_bound, people)
        n_slots = len(team(kind, people))
        t = timed(team, kind, people)
        print(f"  {kind.value:12s} {n_slots:5d} slots  {t * 1e3:7.2f} ms   lower bound (sort + merge every member's "
              f"busy time) {t_bound * 1e3:6.2f} ms   ratio {t / t_bound:5.2f}x   (target: under 50 ms and within 3x)")
    print("growth with the number of members (round robin; time per member, relative to 2 members):")
    base = None
    for n in (2, 5, 10, 20, 50):
        group = members(n)
        t, tb = timed(team, TeamKind.ROUND_ROBIN, group, repeat=10), timed(lower_bound, group, repeat=10)
        per = t / n
        base = base or per
        print(f"  members={n:3d}  team {t * 1e3:7.2f} ms   lower bound {tb * 1e3:7.2f} ms   ratio {t / tb:5.2f}x   "
              f"per member {per / base:5.2f}")


if __name__ == "__main__":
    main()
