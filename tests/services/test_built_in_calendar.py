from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from kite_app.domain.errors import NotFound, PermissionDenied, ValidationError
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting
from kite_app.services import availability, built_in_calendar, calendar_settings
from tests.services.test_availability import NOW, valid_form

ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//EN
X-WR-CALNAME:Team rota
BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:STANDARD
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:standup@example.com
DTSTAMP:20261101T000000Z
DTSTART;TZID=America/New_York:20261130T040000
DTEND;TZID=America/New_York:20261130T043000
RRULE:FREQ=DAILY;COUNT=5
SUMMARY:Stand-up
END:VEVENT
BEGIN:VEVENT
UID:holiday@example.com
DTSTAMP:20261101T000000Z
DTSTART;VALUE=DATE:20261208
DTEND;VALUE=DATE:20261209
SUMMARY:Holiday
END:VEVENT
BEGIN:VEVENT
UID:free@example.com
DTSTAMP:20261101T000000Z
DTSTART:20261201T120000Z
DTEND:20261201T130000Z
TRANSP:TRANSPARENT
SUMMARY:Optional lunch talk
END:VEVENT
END:VCALENDAR
"""


def test_busy_blocks_are_added_in_the_agents_zone_and_removed(bob):
    actor, _ = bob
    cal = built_in_calendar.built_in_calendars(actor)[0]["id"]
    block = built_in_calendar.add_block(actor, calendar_id=cal, title="Dentist", start="2026-12-01T10:00",
                                end="2026-12-02T09:00")
    assert block["start"] == "Tue 1 Dec 2026, 10:00" and block["end"] == "Wed 2 Dec 2026, 09:00"
    assert [b["title"] for b in built_in_calendar.list_blocks(actor, now=NOW)] == ["Dentist"]
    built_in_calendar.remove_block(actor, block["id"])
    assert built_in_calendar.list_blocks(actor, now=NOW) == []
    with pytest.raises(NotFound):
        built_in_calendar.remove_block(actor, block["id"])


@pytest.mark.parametrize(
    "start, end, field, message",
    [("2026-12-01T10:00", "2026-12-01T09:00", "end", "after the start"), ("", "2026-12-01T09:00", "start", "Enter"),
     ("2026-12-01T10:00", "2027-02-01T09:00", "end", "at most 31 days")],
)
def test_bad_busy_blocks_are_refused(bob, start, end, field, message):
    actor, _ = bob
    cal = built_in_calendar.built_in_calendars(actor)[0]["id"]
    with pytest.raises(ValidationError) as info:
        built_in_calendar.add_block(actor, calendar_id=cal, title="x", start=start, end=end)
    assert message in info.value.errors[field]
    assert built_in_calendar.list_blocks(actor, now=NOW) == []


def test_other_agents_blocks_are_out_of_reach(bob):
    actor, _ = bob
    cal = built_in_calendar.built_in_calendars(actor)[0]["id"]
    block = built_in_calendar.add_block(actor, calendar_id=cal, title="Private", start="2026-12-01T10:00",
                                end="2026-12-01T11:00")
    from kite_app.domain.accounts import Actor, Role
    from kite_app.services import accounts
    carol = accounts.create_agent(Actor(user_id=1, role=Role.ADMIN), name="Carol", email="carol@example.com",
                                  time_zone="UTC", password="a long password", now=NOW)
    as_carol = Actor(user_id=carol["id"], role=Role.AGENT)
    with pytest.raises(NotFound):
        built_in_calendar.remove_block(as_carol, block["id"])
    with pytest.raises(ValidationError):
        built_in_calendar.add_block(as_carol, calendar_id=cal, title="x", start="2026-12-01T10:00",
                                    end="2026-12-01T11:00")
    with pytest.raises(PermissionDenied):
        built_in_calendar.list_blocks(None, now=NOW)
    assert len(built_in_calendar.list_blocks(actor, now=NOW)) == 1


def test_ics_import_expands_recurrences_honours_zones_and_skips_free_time(bob):
    actor, view = bob
    name, count = built_in_calendar.import_ics(actor, filename="rota.ics", data=ICS, now=NOW)
    assert (name, count) == ("Team rota", 6)
    blocks = built_in_calendar.list_blocks(actor, now=NOW)
    standups = [b for b in blocks if b["title"] == "Stand-up"]
    # 04:00 in New York is 10:00 in Berlin
    assert [b["start"] for b in standups][:2] == ["Mon 30 Nov 2026, 10:00", "Tue 1 Dec 2026, 10:00"]
    assert len(standups) == 5
    holiday = next(b for b in blocks if b["title"] == "Holiday")
    assert (holiday["start"], holiday["end"]) == ("Tue 8 Dec 2026, 00:00", "Wed 9 Dec 2026, 00:00")

    # imported busy time blocks slots once the calendar is selected
    cals = [c["id"] for c in built_in_calendar.built_in_calendars(actor)]
    calendar_settings.save(actor, valid_form(cals[0], blocking_calendars=cals), now=NOW)
    slots = availability.slots_for(view["slug"], start=NOW, end=NOW + timedelta(days=10), duration=30,
                                   guest_zone="Europe/Berlin", now=NOW)
    times = {(s["date"], s["time"]) for s in slots}
    assert ("2026-12-01", "10:00") not in times and ("2026-12-01", "10:30") in times
    assert not any(d == "2026-12-08" for d, _ in times)
    assert ("2026-12-01", "13:00") in times  # transparent event

    # importing the same file again replaces, it does not duplicate
    built_in_calendar.import_ics(actor, filename="rota.ics", data=ICS, now=NOW)
    assert len(built_in_calendar.built_in_calendars(actor)) == 2
    assert len(built_in_calendar.list_blocks(actor, now=NOW)) == 6
    built_in_calendar.remove_calendar(actor, cals[1])
    assert built_in_calendar.list_blocks(actor, now=NOW) == []


@pytest.mark.parametrize("data", [b"", b"not a calendar", b"BEGIN:VEVENT\r\nEND:VEVENT\r\n",
                                  "\u00e9".encode("latin-1")])
def test_bad_ics_files_get_a_clear_message_and_change_nothing(bob, data):
    actor, _ = bob
    with pytest.raises(ValidationError) as info:
        built_in_calendar.import_ics(actor, filename="bad.ics", data=data, now=NOW)
    assert "not a valid iCalendar" in info.value.errors["file"]
    assert len(built_in_calendar.built_in_calendars(actor)) == 1


def test_meetings_feed_is_valid_ics_behind_a_secret(bob):
    actor, view = bob
    cal = built_in_calendar.built_in_calendars(actor)[0]["id"]
    saved = calendar_settings.save(actor, valid_form(cal), now=NOW)
    token = saved["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    with transaction() as s:
        s.add(Meeting(uid="meeting-1@kite", agent_id=view["id"], guest_name="Gus", guest_email="gus@example.com",
                      subject="Demo", starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC),
                      ends_at=datetime(2026, 12, 1, 14, 30, tzinfo=UTC), created_at=NOW, updated_at=NOW))
    feed = icalendar.Calendar.from_ical(built_in_calendar.meetings_ics(token, now=NOW))
    events = list(feed.walk("VEVENT"))
    assert [(str(e["UID"]), str(e["SUMMARY"]), e["DTSTART"].dt, str(e["STATUS"])) for e in events] == [
        ("meeting-1@kite", "Demo", datetime(2026, 12, 1, 14, tzinfo=UTC), "TENTATIVE")]
    with pytest.raises(NotFound):
        built_in_calendar.meetings_ics("guessed-token", now=NOW)
