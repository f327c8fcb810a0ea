"""Properties of the slot engine over random rules, busy times, zones and query ranges, checked
against an independent reference: python-dateutil's time-zone implementation and a brute-force
reading of README's time rules (wall-clock grid, fold and gap boundaries, calendar-day window)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import tz as dtz
from hypothesis import given, settings
from hypothesis import strategies as st

from kite_app.domain.availability import TimeRange, working_intervals
from kite_app.domain.calendar_settings import default_settings
from kite_app.domain.meeting import SlotUnavailable, check_requested_slot
from kite_app.domain.slots import SlotRules, slots_between
from kite_app.domain.times import is_repeated

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Australia/Lord_Howe",
         "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "UTC", "America/Santiago"]
# around DST changes in both hemispheres
STARTS = [datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 22, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC),
          datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 24, tzinfo=UTC)]
MINUTE = timedelta(minutes=1)


# --- the reference: dateutil, minute by minute -----------------------------------------------------

def instants(naive: datetime, zone) -> list[int]:
    """Every instant at which `zone`'s clocks read `naive` (none in a gap, two in a fold)."""
    aware = naive.replace(tzinfo=zone)
    if not dtz.datetime_exists(aware):
        return []
    found = {int(aware.timestamp())}
    if dtz.datetime_ambiguous(aware):
        found.add(int(dtz.enfold(aware, 1).timestamp()))
    return sorted(found)


def boundary(naive: datetime, zone, *, later: bool) -> int:
    """A range start (first occurrence) or end (later occurrence); in a gap, the first minute after it."""
    moved = naive
    while not instants(moved, zone):
        moved += MINUTE
    found = instants(moved, zone)
    return found[-1] if later else found[0]


def reference_slots(zone_name, weekly, busy, rules, duration, now, start, end) -> set[int]:
    zone = dtz.gettz(zone_name)
    now_wall = datetime.fromtimestamp(now, zone).replace(tzinfo=None)
    latest = min(end, boundary(now_wall + timedelta(days=rules.window_days), zone, later=True))
    earliest = max(start, now + rules.min_notice * 60)
    if earliest >= latest:
        return set()
    ranges = []
    day = datetime.fromtimestamp(earliest, zone).date() - timedelta(days=2)
    while day <= datetime.fromtimestamp(latest, zone).date() + timedelta(days=2):
        midnight = datetime(day.year, day.month, day.day)
        for r in weekly[day.weekday()]:
            a, b = midnight + timedelta(minutes=r.start), midnight + timedelta(minutes=r.end)
            rs, re = boundary(a, zone, later=False), boundary(b, zone, later=True)
            if rs < re:
                ranges.append((rs, re, a, b))
        day += timedelta(days=1)
    working = sorted((rs, re) for rs, re, _, _ in ranges)
    merged: list[list[int]] = []
    for a, b in working:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    found = set()
    for rs, re, a, b in ranges:
        wall = a
        while wall <= b + timedelta(hours=3):
            for t in instants(wall, zone):
                e = t + duration * 60
                if (rs <= t < re and earliest <= t < latest and any(w0 <= t and e <= w1 for w0, w1 in merged)
                        and all(not (b0 < e + rules.buffer_after * 60 and t - rules.buffer_before * 60 < b1)
                                for b0, b1 in busy)):
                    found.add(t)
            wall += timedelta(minutes=rules.interval)
    return found


# --- scenarios ----------------------------------------------------------------------------------------

@st.composite
def day_ranges(draw):
    cuts = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    return tuple(TimeRange(cuts[i] * 15, cuts[i + 1] * 15) for i in range(0, len(cuts), 2) if cuts[i] < cuts[i + 1])


@st.composite
def scenarios(draw):
    zone_name = draw(st.sampled_from(ZONES))
    now = int(draw(st.sampled_from(STARTS)).timestamp()) + draw(st.integers(0, 86400))
    weekly = tuple(draw(day_ranges()) for _ in range(7))
    busy = [
        (s, s + draw(st.integers(60, 3 * 86400)))
        for s in draw(st.lists(st.integers(now - 86400, now + 35 * 86400), max_size=30))
    ]
    rules = SlotRules(
        interval=draw(st.one_of(st.sampled_from([15, 20, 30, 45, 60, 90, 120, 360]), st.integers(15, 360))),
        buffer_before=draw(st.sampled_from([0, 5, 15, 30])),
        buffer_after=draw(st.sampled_from([0, 10, 15])),
        min_notice=draw(st.sampled_from([0, 30, 240, 1440])),
        window_days=draw(st.integers(1, 31)),
    )
    duration = draw(st.sampled_from([15, 30, 45, 60, 90, 360]))
    start = now + draw(st.integers(-86400, 30 * 86400))
    end = start + draw(st.integers(3600, 8 * 86400))
    return zone_name, now, weekly, busy, rules, duration, start, end


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_listed_slots_are_exactly_the_reference_grid_points(scenario):
    """Every listed slot obeys every rule, and every grid point that obeys them is listed."""
    zone_name, now, weekly, busy, rules, duration, start, end = scenario
    slots = slots_between(weekly=weekly, overrides={}, zone=ZoneInfo(zone_name), busy=busy, duration=duration,
                          rules=rules, now=now, start=start, end=end)
    assert slots == sorted(set(slots))
    assert set(slots) == reference_slots(zone_name, weekly, busy, rules, duration, now, start, end)


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.data())
def test_the_booking_check_accepts_a_grid_point_exactly_when_it_is_listed(scenario, data):
    """With no busy time, a start passes the booking check if and only if some listing offers it."""
    zone_name, now, weekly, _busy, rules, duration, start, end = scenario
    zone = ZoneInfo(zone_name)
    base = default_settings("builtin:1")
    cal = type(base)(**{**base.__dict__, "weekly": weekly, "rules": rules, "durations": (duration,)})
    listed = set(slots_between(weekly=weekly, overrides={}, zone=zone, busy=[], duration=duration, rules=rules,
                               now=now, start=now, end=now + 32 * 86400))
    probes = data.draw(st.lists(st.integers(now, now + 32 * 86400), max_size=20)) + sorted(listed)[:20]
    for probe in probes:
        probe -= probe % 300  # every 5-minute point, on and off the grid
        try:
            check_requested_slot(datetime.fromtimestamp(probe, zone), duration, cal, zone,
                                 datetime.fromtimestamp(now, UTC))
            accepted = True
        except SlotUnavailable:
            accepted = False
        assert accepted == (probe in listed), datetime.fromtimestamp(probe, zone).isoformat()


@settings(max_examples=50, deadline=None)
@given(scenarios(), st.sampled_from(ZONES), st.sampled_from(ZONES))
def test_guest_zone_changes_labels_only(scenario, zone_a, zone_b):
    """Slots are instants; a guest's zone only changes how they are written, and a time the guest's
    clock shows twice names its offset."""
    from kite_app.services.availability import label_slots

    zone_name, now, weekly, busy, rules, duration, _start, _end = scenario
    slots = slots_between(weekly=weekly, overrides={}, zone=ZoneInfo(zone_name), busy=busy, duration=duration,
                          rules=rules, now=now, start=now, end=now + 31 * 86400)
    a, b = label_slots(slots, ZoneInfo(zone_a)), label_slots(slots, ZoneInfo(zone_b))
    assert [x["start"] for x in a] == [x["start"] for x in b] == [
        datetime.fromtimestamp(s, UTC).isoformat() for s in slots]
    for x in a:
        local = datetime.fromisoformat(x["start"]).astimezone(ZoneInfo(zone_a))
        assert x["date"] == local.date().isoformat() and x["time"] == local.strftime("%H:%M")
        ambiguous = dtz.datetime_ambiguous(local.replace(tzinfo=None), dtz.gettz(zone_a))
        assert ("(UTC" in x["label"]) == ambiguous == is_repeated(local)


def test_overrides_replace_the_weekday():
    zone = ZoneInfo("Europe/Berlin")
    nine_to_five = (TimeRange(540, 1020),)
    weekly = (nine_to_five,) * 5 + ((), ())
    day_off, short = date(2026, 12, 24), date(2026, 12, 23)
    got = working_intervals(weekly, {day_off: (), short: (TimeRange(600, 720),)}, zone, short, day_off)
    assert [(datetime.fromtimestamp(a, zone).strftime("%d %H:%M"), datetime.fromtimestamp(b, zone).strftime("%H:%M"))
            for a, b in got] == [("23 10:00", "12:00")]
