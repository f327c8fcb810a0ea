"""The time rules of README's Availability section, one named case per rule and zone: slots on the
agent's wall-clock grid, ranges in a repeated or skipped hour, the booking window in calendar days,
what is listed is what the booking check accepts, and offsets named wherever a time is ambiguous."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kite_app.domain.availability import (
    TimeRange,
    local_to_utc,
    parse_time,
    working_intervals,
)
from kite_app.domain.calendar_settings import default_settings
from kite_app.domain.meeting import SlotUnavailable, check_requested_slot
from kite_app.domain.slots import SlotRules, slots_between, window_end
from kite_app.domain.times import span, when
from tests.unit.test_slots_dst import day_slots


def labels(zone, day, ranges, **kw):
    return [s["label"] for s in day_slots(zone, day, ranges, **kw)]


# --- Slots lie on the agent's wall-clock grid -------------------------------------------------------

@pytest.mark.parametrize("zone, day, ranges, interval, duration, expected", [
    # a 45-minute grid across a one-hour jump: 02:15 does not exist, 03:00 stays on the grid
    ("Europe/Berlin", date(2026, 3, 29), [("00:00", "06:00")], 45, 45,
     ["00:00", "00:45", "01:30", "03:00", "03:45", "04:30", "05:15"]),
    ("America/New_York", date(2026, 3, 8), [("00:00", "06:00")], 45, 45,
     ["00:00", "00:45", "01:30", "03:00", "03:45", "04:30", "05:15"]),
    ("Australia/Sydney", date(2026, 10, 4), [("00:00", "06:00")], 45, 45,
     ["00:00", "00:45", "01:30", "03:00", "03:45", "04:30", "05:15"]),
    # Santiago jumps from 00:00 to 01:00: a range from midnight starts at the jump, on its own grid
    ("America/Santiago", date(2026, 9, 6), [("00:00", "04:00")], 45, 45, ["01:30", "02:15", "03:00"]),
    # a 60-minute grid where DST is 30 minutes: 02:00 is skipped, 03:00 stays on the hour
    ("Australia/Lord_Howe", date(2026, 10, 4), [("00:00", "04:00")], 60, 60, ["00:00", "01:00", "03:00"]),
    # Chatham (UTC+12:45) skips 02:45-03:45
    ("Pacific/Chatham", date(2026, 9, 27), [("00:00", "06:00")], 60, 60,
     ["00:00", "01:00", "02:00", "04:00", "05:00"]),
])
def test_spring_forward_keeps_the_wall_clock_grid(zone, day, ranges, interval, duration, expected):
    assert labels(zone, day, ranges, interval=interval, duration=duration) == expected


@pytest.mark.parametrize("zone, day, ranges, interval, expected", [
    ("Europe/Berlin", date(2026, 10, 25), [("00:00", "04:00")], 45,
     ["00:00", "00:45", "01:30", "02:15 (UTC+2)", "02:15 (UTC+1)", "03:00"]),
    ("America/New_York", date(2026, 11, 1), [("00:00", "03:00")], 30,
     ["00:00", "00:30", "01:00 (UTC-4)", "01:30 (UTC-4)", "01:00 (UTC-5)", "01:30 (UTC-5)", "02:00", "02:30"]),
    ("Australia/Sydney", date(2026, 4, 5), [("01:00", "04:00")], 60,
     ["01:00", "02:00 (UTC+11)", "02:00 (UTC+10)", "03:00"]),
    # Santiago repeats 23:00-24:00 on Saturday night
    ("America/Santiago", date(2026, 4, 4), [("21:00", "24:00")], 45,
     ["21:00", "21:45", "22:30", "23:15 (UTC-3)", "23:15 (UTC-4)"]),
    ("Pacific/Chatham", date(2026, 4, 5), [("01:45", "05:00")], 60,
     ["01:45", "02:45 (UTC+13:45)", "02:45 (UTC+12:45)", "03:45"]),
])
def test_fall_back_offers_a_repeated_time_twice_with_its_offset(zone, day, ranges, interval, expected):
    assert labels(zone, day, ranges, interval=interval, duration=interval) == expected


# --- Ranges in a repeated or skipped hour -----------------------------------------------------------

def test_a_range_starting_in_the_repeated_hour_starts_at_its_first_occurrence_new_york():
    assert labels("America/New_York", date(2026, 11, 1), [("01:30", "03:00")]) == [
        "01:30 (UTC-4)", "01:30 (UTC-5)", "02:00", "02:30"]


def test_a_range_ending_in_the_repeated_hour_ends_at_its_later_occurrence_new_york():
    # the clock reads 01:30 twice; the working day ends at the second
    assert labels("America/New_York", date(2026, 11, 1), [("00:00", "01:30")]) == [
        "00:00", "00:30", "01:00 (UTC-4)", "01:30 (UTC-4)", "01:00 (UTC-5)"]


FOLDS = [  # a day with a repeated hour, a wall time inside it, and the two offsets it has
    ("Europe/Berlin", date(2026, 10, 25), "02:30", "+02:00", "+01:00"),
    ("America/New_York", date(2026, 11, 1), "01:30", "-04:00", "-05:00"),
    ("Australia/Sydney", date(2026, 4, 5), "02:30", "+11:00", "+10:00"),
    ("America/Santiago", date(2026, 4, 4), "23:30", "-03:00", "-04:00"),
    ("Australia/Lord_Howe", date(2026, 4, 5), "01:45", "+11:00", "+10:30"),
    ("Pacific/Chatham", date(2026, 4, 5), "03:15", "+13:45", "+12:45"),
]


@pytest.mark.parametrize("zone, day, inside, first, later", FOLDS)
def test_working_time_starts_at_the_first_and_ends_at_the_later_occurrence(zone, day, inside, first, later):
    tz = ZoneInfo(zone)
    minute = parse_time(inside)
    starts = working_intervals(((TimeRange(minute, 1440),),) * 7, {}, tz, day, day)
    ends = working_intervals(((TimeRange(0, minute),),) * 7, {}, tz, day, day)
    assert datetime.fromtimestamp(starts[0][0], tz).isoformat(timespec="minutes") == f"{day}T{inside}{first}"
    assert datetime.fromtimestamp(ends[-1][1], tz).isoformat(timespec="minutes") == f"{day}T{inside}{later}"
    # the fold's minutes are worked once each: the day is longer than its wall-clock hours by the shift
    shift = (datetime.fromisoformat(f"2000-01-01T00:00{first}").utcoffset()
             - datetime.fromisoformat(f"2000-01-01T00:00{later}").utcoffset()).total_seconds()
    assert ends[-1][1] - ends[0][0] == minute * 60 + shift


@pytest.mark.parametrize("zone, day, inside, first, later", FOLDS)
def test_a_slot_at_a_repeated_time_is_offered_twice_each_naming_its_offset(zone, day, inside, first, later):
    got = labels(zone, day, [(inside, "24:00")], interval=15, duration=15)
    name = lambda offset: "UTC" + offset.replace(":00", "").replace("+0", "+").replace("-0", "-")  # noqa: E731
    assert got[0] == f"{inside} ({name(first)})"
    assert f"{inside} ({name(later)})" in got


@pytest.mark.parametrize("zone, day, end, expected_end", [
    ("Europe/Berlin", date(2026, 10, 25), "02:30", "02:30+01:00"),
    ("Australia/Lord_Howe", date(2026, 4, 5), "01:45", "01:45+10:30"),
    ("Pacific/Chatham", date(2026, 4, 5), "03:00", "03:00+12:45"),
])
def test_range_boundaries_in_the_repeated_hour(zone, day, end, expected_end):
    tz = ZoneInfo(zone)
    start = datetime.fromtimestamp(local_to_utc(day, parse_time(end), tz), tz)
    finish = datetime.fromtimestamp(local_to_utc(day, parse_time(end), tz, later=True), tz)
    assert finish.isoformat(timespec="minutes")[11:] == expected_end
    assert finish.timestamp() - start.timestamp() == (start.utcoffset() - finish.utcoffset()).total_seconds() > 0


@pytest.mark.parametrize("zone, day, end, expected", [
    # the working day ends at the moment the clocks jump, not an hour later
    ("America/New_York", date(2026, 3, 8), "02:30", ["00:00", "00:30", "01:00", "01:30"]),
    ("Europe/Berlin", date(2026, 3, 29), "02:30", ["00:00", "00:30", "01:00", "01:30"]),
    ("Australia/Lord_Howe", date(2026, 10, 4), "02:15", ["00:00", "00:30", "01:00", "01:30"]),
])
def test_a_range_ending_in_the_skipped_hour_ends_at_the_jump(zone, day, end, expected):
    assert labels(zone, day, [("00:00", end)]) == expected


# --- The booking window is counted in calendar days on the agent's wall clock -----------------------

@pytest.mark.parametrize("zone, now_local, days", [
    ("Europe/Berlin", datetime(2026, 3, 10, 12, 0), 30),
    ("Europe/Berlin", datetime(2026, 10, 10, 12, 0), 30),
    ("America/New_York", datetime(2026, 3, 1, 9, 15), 14),
    ("Australia/Sydney", datetime(2026, 3, 20, 8, 0), 31),
    ("America/Santiago", datetime(2026, 8, 20, 10, 0), 30),
    ("Australia/Lord_Howe", datetime(2026, 9, 20, 10, 0), 30),
    ("Pacific/Chatham", datetime(2026, 9, 10, 10, 0), 30),
])
def test_the_window_ends_at_the_same_wall_clock_time_days_later(zone, now_local, days):
    tz = ZoneInfo(zone)
    now = int(now_local.replace(tzinfo=tz).timestamp())
    end = window_end(now, tz, days)
    assert datetime.fromtimestamp(end, tz).replace(tzinfo=None) == now_local + timedelta(days=days)
    assert end != now + days * 86400, "a DST change lies inside the window"


def test_listing_and_booking_agree_on_the_window_berlin():
    tz = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 10, 12, 0, tzinfo=tz)
    settings = default_settings("builtin:1")
    all_day = ((TimeRange(0, 1440),),) * 7
    settings = type(settings)(**{**settings.__dict__, "weekly": all_day})
    last_day = datetime(2026, 4, 9, tzinfo=tz)
    slots = slots_between(weekly=all_day, overrides={}, zone=tz, busy=[], duration=30, rules=settings.rules,
                          now=int(now.timestamp()), start=int(last_day.timestamp()),
                          end=int((last_day + timedelta(days=1)).timestamp()))
    last = datetime.fromtimestamp(slots[-1], tz)
    assert last.strftime("%H:%M") == "11:45"  # the window ends at 12:00 CEST, 30 calendar days on
    check_requested_slot(last, 30, settings, tz, now)
    with pytest.raises(SlotUnavailable) as refused:
        check_requested_slot(last + timedelta(minutes=15), 30, settings, tz, now)
    assert refused.value.code == "beyond_window"


# --- What is offered can be booked, and only that ---------------------------------------------------

@pytest.mark.parametrize("zone, interval, ranges", [
    ("Europe/Berlin", 90, [("00:00", "24:00")]),  # all-day ranges merge into one stretch of days
    ("America/New_York", 45, [("00:00", "24:00")]),
    ("Australia/Sydney", 90, [("00:30", "24:00")]),
    ("Australia/Lord_Howe", 60, [("00:00", "24:00")]),
    ("Pacific/Chatham", 45, [("00:00", "12:00"), ("12:00", "24:00")]),
    ("America/Santiago", 360, [("00:00", "24:00")]),
])
def test_every_listed_slot_passes_the_booking_check_whatever_the_query_start(zone, interval, ranges):
    tz = ZoneInfo(zone)
    weekly = (tuple(TimeRange(parse_time(a), parse_time(b)) for a, b in ranges),) * 7
    settings = default_settings("builtin:1")
    rules = SlotRules(interval=interval, min_notice=0, window_days=31)
    settings = type(settings)(**{**settings.__dict__, "weekly": weekly, "rules": rules, "durations": (30,)})
    now = datetime(2026, 3, 20, 10, 7, tzinfo=tz)
    for offset_hours in (0, 5, 26, 49):  # listings that start on an earlier day than the slot's
        start = int(now.timestamp()) + offset_hours * 3600
        got = slots_between(weekly=weekly, overrides={}, zone=tz, busy=[], duration=30, rules=rules,
                            now=int(now.timestamp()), start=start, end=start + 20 * 86400)
        assert got
        for s in got:
            check_requested_slot(datetime.fromtimestamp(s, tz), 30, settings, tz, now)


# --- Every time in a repeated hour names its UTC offset ---------------------------------------------

def _later(moment: datetime, minutes: int) -> datetime:
    return (moment.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(moment.tzinfo)


def test_a_span_in_the_repeated_hour_names_both_offsets_new_york():
    tz = ZoneInfo("America/New_York")
    start = datetime(2026, 11, 1, 1, 30, tzinfo=tz)  # first 01:30, UTC-4
    assert span(start, _later(start, 90), tz) == "01:30 (UTC-4)–02:00 (UTC-5)"
    later = datetime(2026, 11, 1, 1, 30, tzinfo=tz, fold=1)
    assert span(later, _later(later, 30), tz) == "01:30 (UTC-5)–02:00 (UTC-5)"
    assert span(start + timedelta(days=1), start + timedelta(days=1, minutes=30), tz) == "01:30–02:00"
    assert when(start.isoformat(), _later(start, 30).isoformat(), "America/New_York") == (
        "Sunday 1 November 2026, 01:30 (UTC-4)–01:00 (UTC-5) (America/New_York)")


def test_a_guest_elsewhere_reads_the_same_meeting_without_offsets():
    start = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    assert span(start, _later(start, 30), ZoneInfo("Europe/Berlin")) == "06:30–07:00"
    assert span(start, _later(start, 30), ZoneInfo("Pacific/Chatham")) == "19:15–19:45"
