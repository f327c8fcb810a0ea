"""One month of slots for an agent with 3 calendars x 1,000 busy events each.

Prints the engine's time, the time of the bare lower bound measured in the same run (sorting and
merging the same busy intervals), their ratio, and how the time grows from 100 to 10,000 events.
Run: .venv/bin/python bench/slots.py
"""

from __future__ import annotations

import math
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
from kite_app.services.availability import label_slots  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
GUEST = ZoneInfo("America/New_York")
NOW = int(datetime(2026, 3, 2, 8, 0, tzinfo=UTC).timestamp())  # a month that crosses a DST change
MONTH = 31 * 86400
WORKDAY = (TimeRange(9 * 60, 12 * 60), TimeRange(13 * 60, 18 * 60))
WEEKLY = (WORKDAY,) * 5 + ((), ())
RULES = SlotRules(interval=15, buffer_before=5, buffer_after=10, min_notice=60, window_days=31)


def calendars(total_events: int, n_calendars: int = 3, seed: int = 7) -> list[list[tuple[int, int]]]:
    """Random busy events, 15 min to 1 h long, each calendar sorted as a provider returns it.

    The events of a calendar spread over the quarter around the month (a month cannot hold 1,000
    events of one calendar and still have free time); the engine gets all of them.
    """
    rng = random.Random(seed)
    per = total_events // n_calendars
    out = []
    for _ in range(n_calendars):
        events = []
        for _ in range(per):
            start = NOW - MONTH + rng.randrange(0, 3 * MONTH // 900) * 900
            events.append((start, start + rng.choice((15, 30, 45, 60)) * 60))
        out.append(sorted(events))
    return out


def engine(cals):
    busy = [e for cal in cals for e in cal]
    return slots_between(weekly=WEEKLY, overrides={}, zone=ZONE, busy=busy, duration=30, rules=RULES,
                         now=NOW, start=NOW, end=NOW + MONTH)


def engine_with_labels(cals):
    return label_slots(engine(cals), GUEST)


def lower_bound(cals):
    return merge(e for cal in cals for e in cal)


def timed(fn, arg, repeat: int = 200) -> float:
    """Median seconds of `repeat` runs (after a warm-up)."""
    fn(arg)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(arg)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    cals = calendars(3000)
    slots = engine(cals)
    t_engine, t_labels, t_bound = timed(engine, cals), timed(engine_with_labels, cals), timed(lower_bound, cals)
    print(f"month of slots, 3 calendars x 1,000 busy events, 15-min grid, 30-min meetings: {len(slots)} slots")
    print(f"  engine (slots as instants)       {t_engine * 1e3:7.3f} ms")
    print(f"  engine + labels in guest's zone  {t_labels * 1e3:7.3f} ms")
    print(f"  lower bound (sort + merge busy)  {t_bound * 1e3:7.3f} ms")
    print(f"  ratio engine / lower bound       {t_engine / t_bound:7.2f}x   (target: under 10 ms and within 3x)")
    print(f"  ratio engine+labels / lower bound {t_labels / t_bound:6.2f}x")
    print("growth with the number of busy events (time / (n log2 n), relative to n=100):")
    base = None
    for n in (100, 300, 1000, 3000, 10000):
        c = calendars(n)
        t = timed(engine, c, repeat=50 if n > 3000 else 100)
        tb = timed(lower_bound, c, repeat=50 if n > 3000 else 100)
        norm = t / (n * math.log2(n))
        base = base or norm
        print(f"  n={n:6d}  engine {t * 1e3:7.3f} ms   lower bound {tb * 1e3:7.3f} ms   "
              f"ratio {t / tb:5.2f}x   per n log n {norm / base:5.2f}")


if __name__ == "__main__":
    main()
