"""A month of slots for an agent with 3 CalDAV calendars x 300 events (single events and weekly series with
EXDATE, COUNT and UNTIL), against the same busy time computed in memory.

A real Radicale server on loopback holds the calendars. Prints, each the median of several runs:
- in memory: the slots from busy intervals already known (the baseline);
- parsed in memory: the same calendar objects parsed and expanded here, without a server;
- CalDAV, first view: three calendar-query REPORTs, parsing, expansion, slots;
- CalDAV, a view after a minute: the server is asked again; objects with the same ETag are not parsed again;
- CalDAV, views within a minute: busy time comes from the provider's cache;
and each one's ratio to the baseline. The slots are checked to be the same every way.
Run: .venv/bin/python bench/caldav_slots.py
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kite_app.domain.availability import TimeRange  # noqa: E402
from kite_app.domain.intervals import to_seconds  # noqa: E402
from kite_app.domain.slots import SlotRules, slots_between  # noqa: E402
from kite_app.providers.calendar.caldav import Access, CalDAVCalendarProvider, calendar_id  # noqa: E402
from kite_app.providers.calendar.caldav_events import busy_of  # noqa: E402
from kite_app.providers.calendar.caldav_http import Credentials  # noqa: E402
from tests.servers.caldav import Radicale  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
START, END = NOW, NOW + timedelta(days=31)
WORKDAY = (TimeRange(9 * 60, 12 * 60), TimeRange(13 * 60, 18 * 60))
WEEKLY = (WORKDAY,) * 5 + ((), ())
RULES = SlotRules(interval=15, buffer_before=5, buffer_after=10, min_notice=60, window_days=31)
EVENTS, SERIES, RUNS = 300, 30, 7


def stamp(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y%m%dT%H%M%S")


def objects(calendar: int, rng: random.Random) -> list[str]:
    """300 calendar objects: 30 weekly series (some with COUNT, some with UNTIL, each with an EXDATE) and single
    events, in Berlin time, spread over the month around the one booked."""
    out = []
    for i in range(EVENTS):
        start = (NOW - timedelta(days=7) + timedelta(days=rng.randrange(45), minutes=15 * rng.randrange(8 * 4, 19 * 4)))
        lines = [f"UID:c{calendar}-e{i}@bench", "DTSTAMP:20260101T000000Z",
                 f"DTSTART;TZID=Europe/Berlin:{stamp(start)}",
                 f"DTEND;TZID=Europe/Berlin:{stamp(start + timedelta(minutes=rng.choice((15, 30, 45, 60))))}"]
        if i < SERIES:
            until = (start + timedelta(days=60)).astimezone(UTC)
            ending = f";COUNT={rng.randrange(3, 8)}" if i % 2 else f";UNTIL={until:%Y%m%dT%H%M%SZ}"
            lines += [f"RRULE:FREQ=WEEKLY{ending}", f"EXDATE;TZID=Europe/Berlin:{stamp(start + timedelta(days=7))}"]
        out.append("\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//EN", "BEGIN:VEVENT", *lines,
                                "END:VEVENT", "END:VCALENDAR", ""]))
    return out


def slots(busy) -> list[int]:
    return slots_between(weekly=WEEKLY, overrides={}, zone=ZONE, busy=busy, duration=30, rules=RULES,
                         now=to_seconds(NOW), start=to_seconds(START), end=to_seconds(END))


def median_ms(action, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


def main() -> None:
    server = Radicale(Path(tempfile.mkdtemp()) / "radicale")
    server.add_user("ana", "bench password")
    server.start()
    try:
        rng = random.Random(7)
        texts: list[list[str]] = []
        ids = []
        for c in range(3):
            url = server.make_calendar("ana", f"Calendar {c}")
            texts.append(objects(c, rng))
            for i, text in enumerate(texts[-1]):
                server.put(url, "ana", text, name=f"e{i}")
            ids.append(calendar_id(1, url))
        access = Access(account_id=1, agent_id=1, credentials=Credentials(server.url, "ana", "bench password"),
                        home_url=server.url + "ana/", agent_email="ana@example.com", agent_name="Ana",
                        zone="Europe/Berlin", addresses=frozenset({"ana@example.com"}))
        window = (START - timedelta(hours=2), END + timedelta(hours=2))

        def parsed():
            return [b for cal in texts for b in busy_of(cal, start=window[0], end=window[1], zone=ZONE,
                                                        addresses=access.addresses)]

        known = parsed()
        base_ms, expected = median_ms(lambda: slots(known))
        parse_ms, from_parse = median_ms(lambda: slots(parsed()), runs=3)

        def cold():
            provider = CalDAVCalendarProvider(lambda _agent: [access], organizer_email="kite@example.com")
            return slots(provider.busy(1, ids, *window))

        cold_ms, from_cold = median_ms(cold, runs=5)
        warm_provider = CalDAVCalendarProvider(lambda _agent: [access], organizer_email="kite@example.com")
        warm_provider.busy(1, ids, *window)
        warm_ms, from_warm = median_ms(lambda: slots(warm_provider.busy(1, ids, *window)))

        def refresh():  # a view after the minute of cache: the server is asked again, known objects not re-parsed
            warm_provider.invalidate(1)
            return slots(warm_provider.busy(1, ids, *window))

        refresh_ms, from_refresh = median_ms(refresh, runs=5)
        assert expected == from_parse == from_cold == from_warm == from_refresh, "the slots differ"
        print(f"A month of slots, 3 CalDAV calendars x {EVENTS} events ({SERIES} weekly series each), "
              f"{len(known)} busy intervals, {len(expected)} slots")
        print(f"  in memory (busy time known)     {base_ms:8.2f} ms   1.0x (baseline)")
        print(f"  parsed and expanded in memory   {parse_ms:8.2f} ms  {parse_ms / base_ms:5.1f}x")
        print(f"  CalDAV, first view (Radicale)   {cold_ms:8.2f} ms  {cold_ms / base_ms:5.1f}x")
        print(f"  CalDAV, a view after a minute   {refresh_ms:8.2f} ms  {refresh_ms / base_ms:5.1f}x  "
              "(asked again, unchanged objects not parsed again)")
        print(f"  CalDAV, views within a minute   {warm_ms:8.2f} ms  {warm_ms / base_ms:5.1f}x  (cached)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
