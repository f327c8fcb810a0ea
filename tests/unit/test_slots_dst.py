"""Named DST cases: what an agent and a guest read on the days the clocks change."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kite_app.domain.availability import TimeRange, local_to_utc, parse_time
from kite_app.domain.slots import SlotRules, slots_between
from kite_app.domain.times import clock
from kite_app.services.availability import label_slots


def day_slots(agent_zone, day, ranges, *, guest_zone=None, duration=30, interval=30, busy=(), buffers=(0, 0)):
    zone = ZoneInfo(agent_zone)
    weekly = (tuple(TimeRange(parse_time(a), parse_time(b)) for a, b in ranges),) * 7
    start = local_to_utc(day, 0, zone)
    end = local_to_utc(day + timedelta(days=1), 0, zone)
    rules = SlotRules(interval=interval, min_notice=0, window_days=31, buffer_before=buffers[0],
                      buffer_after=buffers[1])
    slots = slots_between(weekly=weekly, overrides={}, zone=zone, busy=list(busy), duration=duration, rules=rules,
                          now=start - 86400, start=start, end=end)
    return label_slots(slots, ZoneInfo(guest_zone or agent_zone))


def _utc(zone, *args, fold=0):
    return int(datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).timestamp())


NINE_TO_FIVE = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]


@pytest.mark.parametrize(
    "zone, day",
    [
        ("Europe/Berlin", date(2026, 3, 29)), ("Europe/Berlin", date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 8)), ("America/New_York", date(2026, 11, 1)),
        ("Australia/Sydney", date(2026, 4, 5)), ("Australia/Sydney", date(2026, 10, 4)),
        ("Australia/Lord_Howe", date(2026, 4, 5)), ("Australia/Lord_Howe", date(2026, 10, 4)),
        ("Asia/Kolkata", date(2026, 3, 29)),
    ],
)
def test_nine_to_five_stays_nine_to_five_on_the_change_day(zone, day):
    slots = day_slots(zone, day, [("09:00", "17:00")])
    assert [s["label"] for s in slots] == NINE_TO_FIVE
    assert {s["date"] for s in slots} == {day.isoformat()}


def test_repeated_hour_offers_both_hours_once_each_berlin():
    slots = day_slots("Europe/Berlin", date(2026, 10, 25), [("00:00", "04:00")], duration=60, interval=60)
    assert [s["label"] for s in slots] == ["00:00", "01:00", "02:00 (UTC+2)", "02:00 (UTC+1)", "03:00"]
    assert len({s["start"] for s in slots}) == 5


def test_skipped_hour_offers_nothing_that_does_not_exist_new_york():
    slots = day_slots("America/New_York", date(2026, 3, 8), [("00:00", "05:00")], duration=60, interval=60)
    assert [s["label"] for s in slots] == ["00:00", "01:00", "03:00", "04:00"]


def test_range_starting_in_the_skipped_hour_starts_at_the_jump_on_its_own_grid_berlin():
    # 02:30 never shows on the clock; the grid stays 02:30, 03:30, 04:30 in wall time
    slots = day_slots("Europe/Berlin", date(2026, 3, 29), [("02:30", "05:00")], duration=30, interval=60)
    assert [s["label"] for s in slots] == ["03:30", "04:30"]


def test_lord_howe_half_hour_shift():
    forward = day_slots("Australia/Lord_Howe", date(2026, 10, 4), [("01:00", "03:00")])
    assert [s["label"] for s in forward] == ["01:00", "01:30", "02:30"]
    back = day_slots("Australia/Lord_Howe", date(2026, 4, 5), [("01:00", "03:00")])
    assert [s["label"] for s in back] == ["01:00", "01:30 (UTC+11)", "01:30 (UTC+10:30)", "02:00", "02:30"]
    assert [s["label"] for s in day_slots("Australia/Lord_Howe", date(2026, 4, 5), [("01:00", "03:00")],
                                          busy=[(0, _utc("Australia/Lord_Howe", 2026, 4, 5, 1, 45))])] == [
        "01:30 (UTC+10:30)", "02:00", "02:30"], "a repeated time names its offset even when it is listed alone"


@pytest.mark.parametrize(
    "day, guest_first",
    [(date(2026, 3, 27), "13:30"), (date(2026, 3, 30), "12:30"), (date(2026, 10, 26), "13:30")],
)
def test_guest_in_kolkata_reads_berlin_hours_in_their_own_time(day, guest_first):
    slots = day_slots("Europe/Berlin", day, [("09:00", "17:00")], guest_zone="Asia/Kolkata")
    assert slots[0]["time"] == guest_first and len(slots) == 16


def test_guest_across_the_date_line_sees_the_next_day():
    slots = day_slots("America/New_York", date(2026, 11, 2), [("16:00", "18:00")], guest_zone="Pacific/Auckland")
    assert {s["date"] for s in slots} == {"2026-11-03"}
    assert slots[0]["time"] == "10:00"  # 16:00 EST = 21:00 UTC = 10:00 NZDT


def test_busy_time_spanning_midnight_and_days_blocks_every_day_it_covers():
    zone = ZoneInfo("Asia/Kathmandu")  # UTC+5:45
    start = datetime(2026, 6, 1, 22, 0, tzinfo=zone)
    busy = [(int(start.timestamp()), int((start + timedelta(days=1, hours=12)).timestamp()))]  # until 3 June 10:00
    for day, expected in [(date(2026, 6, 2), []), (date(2026, 6, 3), ["10:00", "10:30", "11:00", "11:30"]),
                          (date(2026, 6, 1), ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"])]:
        slots = day_slots("Asia/Kathmandu", day, [("09:00", "12:00")], busy=busy)
        assert [s["label"] for s in slots] == expected


def test_buffers_keep_distance_from_busy_time():
    zone = ZoneInfo("Europe/Berlin")
    meeting = datetime(2026, 6, 1, 11, 0, tzinfo=zone)
    busy = [(int(meeting.timestamp()), int((meeting + timedelta(hours=1)).timestamp()))]
    slots = day_slots("Europe/Berlin", date(2026, 6, 1), [("09:00", "14:00")], busy=busy, buffers=(15, 30))
    # 30 min after each meeting before it ends -> last morning slot 10:00 (10:30 end + 30 min = 11:00);
    # 15 min before the next one -> first afternoon slot 12:15 is off-grid, so 12:30
    assert [s["label"] for s in slots] == ["09:00", "09:30", "10:00", "12:30", "13:00", "13:30"]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/St_Johns",
                                  "Asia/Kathmandu", "Pacific/Chatham", "America/Santiago", "Africa/Casablanca",
                                  "Europe/Dublin", "Antarctica/Troll", "Pacific/Apia", "UTC"])
@pytest.mark.parametrize("year", [2011, 2026, 2027])
def test_labels_read_as_each_slot_converted_on_its_own(zone, year):
    """The labeller reads a steady day by arithmetic; every 15 minutes of a year it writes exactly what a
    conversion of each slot on its own writes (repeated readings with their offset, skipped ones never)."""
    tz = ZoneInfo(zone)
    first = int(datetime(year, 1, 1, tzinfo=ZoneInfo("UTC")).timestamp())
    slots = list(range(first, first + 366 * 86400, 15 * 60))
    labelled = label_slots(slots, tz, "en_US")
    for s, slot in zip(slots, labelled, strict=True):
        d = datetime.fromtimestamp(s, tz)
        expected = {"start": datetime.fromtimestamp(s, ZoneInfo("UTC")).isoformat(),
                    "date": d.date().isoformat(), "time": f"{d.hour:02d}:{d.minute:02d}",
                    "label": clock(d, "en_US")}
        assert dict(slot) == expected, (zone, s)
