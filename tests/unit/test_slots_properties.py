"""Properties of the slot engine over random rules, busy times and zones."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kite_app.domain.availability import TimeRange, working_intervals
from kite_app.domain.slots import SlotRules, slots_between

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Australia/Lord_Howe",
         "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "UTC", "America/Santiago"]
# around DST changes in both hemispheres
STARTS = [datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 22, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC),
          datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC)]


@st.composite
def day_ranges(draw):
    cuts = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    return tuple(TimeRange(cuts[i] * 15, cuts[i + 1] * 15) for i in range(0, len(cuts), 2) if cuts[i] < cuts[i + 1])


@st.composite
def scenarios(draw):
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    now = int(draw(st.sampled_from(STARTS)).timestamp()) + draw(st.integers(0, 86400))
    weekly = tuple(draw(day_ranges()) for _ in range(7))
    busy = [
        (s, s + draw(st.integers(60, 3 * 86400)))
        for s in draw(st.lists(st.integers(now - 86400, now + 35 * 86400), max_size=40))
    ]
    rules = SlotRules(
        interval=draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60])),
        buffer_before=draw(st.sampled_from([0, 5, 15, 30])),
        buffer_after=draw(st.sampled_from([0, 10, 15])),
        min_notice=draw(st.sampled_from([0, 30, 240, 1440])),
        window_days=draw(st.integers(1, 31)),
    )
    duration = draw(st.sampled_from([15, 30, 45, 60, 90, 360]))
    return zone, now, weekly, busy, rules, duration


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_slots_are_free_in_hours_on_time_and_sorted(scenario):
    zone, now, weekly, busy, rules, duration = scenario
    start, end = now - 86400, now + 40 * 86400
    slots = slots_between(weekly=weekly, overrides={}, zone=zone, busy=busy, duration=duration, rules=rules,
                          now=now, start=start, end=end)
    assert slots == sorted(set(slots))
    first = datetime.fromtimestamp(start, zone).date() - timedelta(days=2)
    working = working_intervals(weekly, {}, zone, first, first + timedelta(days=45))
    for s in slots:
        e = s + duration * 60
        assert s >= now + rules.min_notice * 60
        assert s < now + rules.window_days * 86400
        assert any(w0 <= s and e <= w1 for w0, w1 in working), "slot outside working hours"
        for b0, b1 in busy:
            assert not (b0 < e + rules.buffer_after * 60 and s - rules.buffer_before * 60 < b1), "slot meets busy time"


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_every_free_grid_point_is_offered(scenario):
    """Nothing free vanishes: a grid point inside a working range that passes every rule is a slot."""
    zone, now, weekly, busy, rules, duration = scenario
    start, end = now, now + 40 * 86400
    slots = set(slots_between(weekly=weekly, overrides={}, zone=zone, busy=busy, duration=duration, rules=rules,
                              now=now, start=start, end=end))
    first = datetime.fromtimestamp(now, zone).date() - timedelta(days=1)
    for w0, w1 in working_intervals(weekly, {}, zone, first, first + timedelta(days=42)):
        for s in range(w0, w1, rules.interval * 60):
            e = s + duration * 60
            ok = (e <= w1 and s >= now + rules.min_notice * 60 and s < now + rules.window_days * 86400
                  and all(not (b0 < e + rules.buffer_after * 60 and s - rules.buffer_before * 60 < b1) for b0, b1 in busy))
            assert (s in slots) == ok


@settings(max_examples=50, deadline=None)
@given(scenarios(), st.sampled_from(ZONES), st.sampled_from(ZONES))
def test_guest_zone_changes_labels_only(scenario, zone_a, zone_b):
    """Slots are instants; a guest's zone only changes how they are written."""
    from kite_app.services.availability import label_slots

    zone, now, weekly, busy, rules, duration = scenario
    slots = slots_between(weekly=weekly, overrides={}, zone=zone, busy=busy, duration=duration, rules=rules,
                          now=now, start=now, end=now + 31 * 86400)
    a, b = label_slots(slots, ZoneInfo(zone_a)), label_slots(slots, ZoneInfo(zone_b))
    assert [x["start"] for x in a] == [x["start"] for x in b] == [
        datetime.fromtimestamp(s, UTC).isoformat() for s in slots]
    for x in a:
        local = datetime.fromisoformat(x["start"]).astimezone(ZoneInfo(zone_a))
        assert x["date"] == local.date().isoformat() and x["time"] == local.strftime("%H:%M")


def test_overrides_replace_the_weekday():
    zone = ZoneInfo("Europe/Berlin")
    nine_to_five = (TimeRange(540, 1020),)
    weekly = (nine_to_five,) * 5 + ((), ())
    day_off, short = date(2026, 12, 24), date(2026, 12, 23)
    got = working_intervals(weekly, {day_off: (), short: (TimeRange(600, 720),)}, zone, short, day_off)
    assert [(datetime.fromtimestamp(a, zone).strftime("%d %H:%M"), datetime.fromtimestamp(b, zone).strftime("%H:%M"))
            for a, b in got] == [("23 10:00", "12:00")]
