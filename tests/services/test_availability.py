from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.calendar_settings import DayForm, OverrideForm, SettingsForm, to_form
from kite_app.domain.errors import NotFound, PermissionDenied, ValidationError
from kite_app.persistence import db
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting
from kite_app.services import availability, built_in_calendar, calendar_settings
from tests.seed import edit_form

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin


def valid_form(cal: str, **changes) -> SettingsForm:
    """Bob's week: Monday with a lunch break, Wednesday and the weekend off, Christmas Eve off."""
    form = edit_form(
        SettingsForm(), blocking_calendars=[cal], destination_calendar=cal, durations="30, 60", default_duration="30",
        day_0="on", hours_0="09:00-12:00, 13:00-17:00", day_1="on", hours_1="09:00-17:00", day_3="on",
        hours_3="09:00-17:00", day_4="on", hours_4="09:00-17:00", overrides=[{"date": "2026-12-24", "hours": ""}],
        buffer_before="0", buffer_after="0", min_notice="60", slot_interval="30", window_days="14")
    return edit_form(form, **changes)


def test_new_agent_starts_from_defaults_and_is_not_published(bob):
    actor, view = bob
    got = calendar_settings.view(actor)
    assert not got["saved"] and got["booking_url"] == ""
    assert got["form"].durations == "30" and got["form"].days[0] == DayForm(on=True, hours="09:00-17:00")
    assert [c["name"] for c in got["calendars"]] == ["Busy times"]
    with pytest.raises(NotFound, match="not opened"):
        availability.slots_for(view["slug"], start=NOW, end=NOW + timedelta(days=7), duration=None,
                               guest_zone="UTC", now=NOW)


def test_saving_publishes_and_round_trips(bob):
    actor, view = bob
    cal = calendar_settings.view(actor)["calendars"][0]["id"]
    saved = calendar_settings.save(actor, valid_form(cal), now=NOW)
    assert saved["saved"] and saved["booking_url"].endswith("/book/bob-agent")
    again = calendar_settings.view(actor)
    assert again["form"] == to_form(calendar_settings.published(view["id"]))
    assert again["form"].days[0].hours == "09:00-12:00, 13:00-17:00" and not again["form"].days[2].on
    assert again["form"].overrides == (OverrideForm(date="2026-12-24", hours=""),)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"durations": "10, 30"}, "durations", "between 15 and 360 minutes (10 is not)"),
        ({"durations": "30, 400"}, "durations", "(400 is not)"),
        ({"default_duration": "45"}, "default_duration", "one of the duration options"),
        ({"hours_1": "17:00-09:00"}, "hours_1", "the end must be after the start"),
        ({"hours_3": "09:00-12:00, 11:00-14:00"}, "hours_3", "overlap"),
        ({"hours_4": "nine to five"}, "hours_4", "is not a range"),
        ({"window_days": "45"}, "window_days", "at most one month"),
        ({"slot_interval": "7"}, "slot_interval", "from the list"),
        ({"buffer_before": "-5"}, "buffer_before", "Use 0 to 240 minutes"),
        ({"overrides": [{"date": "", "hours": ""}]}, "override_0", "Choose a date"),
        ({"destination_calendar": "local:99999"}, "destination_calendar", "Choose the calendar"),
    ],
)
def test_each_invalid_value_gets_its_message_and_nothing_is_saved(bob, changes, field, message):
    actor, view = bob
    cal = calendar_settings.view(actor)["calendars"][0]["id"]
    calendar_settings.save(actor, valid_form(cal), now=NOW)
    before = calendar_settings.view(actor)["form"]
    with pytest.raises(ValidationError) as info:
        calendar_settings.save(actor, valid_form(cal, **{"window_days": "7", **changes}), now=NOW)
    assert message in info.value.errors[field]
    assert calendar_settings.view(actor)["form"] == before


def test_several_errors_at_once(bob):
    actor, _ = bob
    cal = calendar_settings.view(actor)["calendars"][0]["id"]
    with pytest.raises(ValidationError) as info:
        calendar_settings.save(actor, valid_form(cal, durations="10", hours_1="12:00-11:00",
                                                              window_days="40"), now=NOW)
    assert {"durations", "hours_1", "window_days"} <= set(info.value.errors)


def test_admins_and_strangers_have_no_calendar_settings(bob):
    admin_actor = Actor(user_id=1, role=Role.ADMIN)
    for who in (admin_actor, None):
        with pytest.raises(PermissionDenied):
            calendar_settings.view(who)


def test_slots_follow_hours_busy_blocks_meetings_and_overrides(bob):
    actor, view = bob
    cal = calendar_settings.view(actor)["calendars"][0]["id"]
    calendar_settings.save(actor, valid_form(cal), now=NOW)
    built_in_calendar.add_block(actor, calendar_id=cal, title="Dentist", start="2026-12-01T10:00",
                                end="2026-12-01T11:30")
    with transaction() as s:
        s.add(Meeting(uid="m1", agent_id=view["id"], guest_name="G", guest_email="g@example.com",
                      starts_at=datetime(2026, 12, 3, 13, 0, tzinfo=UTC), ends_at=datetime(2026, 12, 3, 14, 0,
                                                                                           tzinfo=UTC),
                      created_at=NOW, updated_at=NOW))
    slots = availability.slots_for(view["slug"], start=NOW, end=NOW + timedelta(days=28), duration=60,
                                   guest_zone="Europe/Berlin", now=NOW)
    by_day: dict[str, list[str]] = {}
    for slot in slots:
        by_day.setdefault(slot["date"], []).append(slot["time"])
    # Monday 30 Nov: lunch break, and the first hour is inside the minimum notice (until 09:00)
    assert by_day["2026-11-30"] == ["09:00", "09:30", "10:00", "10:30", "11:00", "13:00", "13:30", "14:00", "14:30",
                                    "15:00", "15:30", "16:00"]
    assert "10:00" not in by_day["2026-12-01"] and "11:30" in by_day["2026-12-01"] and "09:00" in by_day["2026-12-01"]
    assert "2026-12-02" not in by_day  # Wednesday is a day off
    assert "14:00" not in by_day["2026-12-03"] and "13:30" not in by_day["2026-12-03"]  # 13:00-14:00 UTC meeting
    assert "2026-12-24" not in by_day  # override: day off
    assert max(by_day) < "2026-12-15"  # 14-day booking window
    with pytest.raises(ValidationError):
        availability.slots_for(view["slug"], start=NOW, end=NOW + timedelta(days=7), duration=45,
                               guest_zone="UTC", now=NOW)
    with pytest.raises(ValidationError):
        availability.slots_for(view["slug"], start=NOW, end=NOW + timedelta(days=7), duration=30,
                               guest_zone="Mars/Base", now=NOW)


def test_a_slot_query_reads_the_agent_their_calendar_and_meetings_in_one_transaction(bob):
    """One snapshot: a meeting booked while the query runs is either wholly seen or not at all, and the
    query costs one transaction, not one per table."""
    actor, view = bob
    cal = calendar_settings.view(actor)["calendars"][0]["id"]
    calendar_settings.save(actor, valid_form(cal), now=NOW)
    built_in_calendar.add_block(actor, calendar_id=cal, title="Dentist", start="2026-12-01T10:00",
                                end="2026-12-01T11:30")
    begun: list[object] = []

    def count(conn) -> None:
        begun.append(conn)

    event.listen(db.engine(), "begin", count)
    try:
        page, slots = availability.page_and_slots(view["slug"], start=NOW, end=NOW + timedelta(days=28),
                                                  duration=60, guest_zone="Europe/Berlin", now=NOW)
    finally:
        event.remove(db.engine(), "begin", count)
    assert len(begun) == 1
    assert "2026-12-01T10:00:00+00:00" not in [s["start"] for s in slots] and slots
    assert page["agent_name"] == view["name"]


def test_unselected_calendars_do_not_block(bob):
    actor, view = bob
    cal = calendar_settings.view(actor)["calendars"][0]["id"]
    calendar_settings.save(actor, valid_form(cal, blocking_calendars=[]), now=NOW)
    built_in_calendar.add_block(actor, calendar_id=cal, title="Ignored", start="2026-11-30T09:00",
                                end="2026-11-30T17:00")
    slots = availability.slots_for(view["slug"], start=NOW, end=NOW + timedelta(days=1), duration=30,
                                   guest_zone="Europe/Berlin", now=NOW)
    assert slots[0]["time"] == "09:00"
