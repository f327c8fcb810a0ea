"""Busy time of a CalDAV calendar, exactly: a corpus of the events calendar apps write, stored in real servers
(Radicale and Xandikos), read through a connected account, for an agent in Berlin (UTC+1 in January)."""

from datetime import UTC, datetime

import pytest

from kite_app.providers.calendar import provider_for
from kite_app.services import caldav_accounts

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def wrap(*components: str, extra: str = "") -> str:
    body = "\n".join(c.strip() for c in components)
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Tests//Corpus//EN\n{extra.strip()}\n{body}\nEND:VCALENDAR\n"
    return text.replace("\n\n", "\n").replace("\n", "\r\n")


def event(uid: str, lines: str) -> str:
    return f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20270101T000000Z\n{lines.strip()}\nEND:VEVENT"


W_EUROPE = """
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""

CORPUS = {
    # weekly on Mondays 09:00 from Jan 4; Jan 11 taken out (EXDATE), Wed Jan 13 14:00 added (RDATE), Jan 18 moved
    # to 11:00 (an override with RECURRENCE-ID)
    "series": wrap(
        event("series", """
DTSTART;TZID=Europe/Berlin:20270104T090000
DTEND;TZID=Europe/Berlin:20270104T100000
SUMMARY:Team call
RRULE:FREQ=WEEKLY;BYDAY=MO
EXDATE;TZID=Europe/Berlin:20270111T090000
RDATE;TZID=Europe/Berlin:20270113T140000"""),
        event("series", """
RECURRENCE-ID;TZID=Europe/Berlin:20270118T090000
DTSTART;TZID=Europe/Berlin:20270118T110000
DTEND;TZID=Europe/Berlin:20270118T120000
SUMMARY:Team call (moved)""")),
    "count": wrap(event("count", """
DTSTART;TZID=Europe/Berlin:20270112T070000
DTEND;TZID=Europe/Berlin:20270112T073000
RRULE:FREQ=DAILY;COUNT=3""")),
    "until": wrap(event("until", """
DTSTART;TZID=Europe/Berlin:20270108T160000
DTEND;TZID=Europe/Berlin:20270108T170000
RRULE:FREQ=WEEKLY;UNTIL=20270115T235959Z""")),
    "all-day": wrap(event("all-day", """
DTSTART;VALUE=DATE:20270119
DTEND;VALUE=DATE:20270120
SUMMARY:Away""")),
    "all-day-free": wrap(event("all-day-free", """
DTSTART;VALUE=DATE:20270120
DTEND;VALUE=DATE:20270121
TRANSP:TRANSPARENT
SUMMARY:Birthday""")),
    "transparent": wrap(event("transparent", """
DTSTART:20270112T110000Z
DTEND:20270112T120000Z
TRANSP:TRANSPARENT""")),
    "cancelled": wrap(event("cancelled", """
DTSTART:20270112T120000Z
DTEND:20270112T130000Z
STATUS:CANCELLED""")),
    "declined": wrap(event("declined", """
DTSTART;TZID=Europe/Berlin:20270112T150000
DTEND;TZID=Europe/Berlin:20270112T160000
ORGANIZER:mailto:boss@example.com
ATTENDEE;PARTSTAT=DECLINED:mailto:ANA@Example.com""")),
    "accepted": wrap(event("accepted", """
DTSTART;TZID=Europe/Berlin:20270112T160000
DTEND;TZID=Europe/Berlin:20270112T170000
ORGANIZER:mailto:boss@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@example.com
ATTENDEE;PARTSTAT=DECLINED:mailto:someone-else@example.com""")),
    "duration": wrap(event("duration", """
DTSTART;TZID=Europe/Berlin:20270114T100000
DURATION:PT1H30M""")),
    "midnight": wrap(event("midnight", """
DTSTART;TZID=Europe/Berlin:20270115T220000
DTEND;TZID=Europe/Berlin:20270116T020000""")),
    "outlook-zone": wrap(event("outlook-zone", """
DTSTART;TZID=W. Europe Standard Time:20270121T100000
DTEND;TZID=W. Europe Standard Time:20270121T110000"""), extra=W_EUROPE),
    "floating": wrap(event("floating", """
DTSTART:20270121T130000
DTEND:20270121T140000""")),
    "utc": wrap(event("utc", """
DTSTART:20270122T080000Z
DTEND:20270122T090000Z""")),
    "kite-meeting": wrap(event("kite-meeting", """
DTSTART:20270122T100000Z
DTEND:20270122T110000Z
X-KITE-MEETING:kite-meeting""")),
    "todo": wrap("""BEGIN:VTODO
UID:todo
DTSTAMP:20270101T000000Z
DTSTART:20270122T120000Z
DUE:20270122T130000Z
SUMMARY:Write report
END:VTODO"""),
    "journal": wrap("""BEGIN:VJOURNAL
UID:journal
DTSTAMP:20270101T000000Z
DTSTART:20270122T140000Z
SUMMARY:Notes
END:VJOURNAL"""),
}


def utc(day: int, hour: int, minute: int = 0) -> int:
    return int(datetime(2027, 1, day, hour, minute, tzinfo=UTC).timestamp())


EXPECTED = [  # UTC (Berlin minus one hour)
    (utc(12, 6), utc(12, 6, 30)), (utc(12, 15), utc(12, 16)),  # COUNT 1/3; the accepted invitation
    (utc(13, 6), utc(13, 6, 30)), (utc(13, 13), utc(13, 14)),  # COUNT 2/3; the RDATE
    (utc(14, 6), utc(14, 6, 30)), (utc(14, 9), utc(14, 10, 30)),  # COUNT 3/3; DURATION
    (utc(15, 15), utc(15, 16)), (utc(15, 21), utc(16, 1)),  # the last one before UNTIL; over midnight
    (utc(18, 10), utc(18, 11)), (utc(18, 23), utc(19, 23)),  # the moved occurrence; the all-day event (Berlin's day)
    (utc(21, 9), utc(21, 10)), (utc(21, 12), utc(21, 13)),  # Outlook's zone name; floating time in Berlin
    (utc(22, 8), utc(22, 9)),  # UTC
    (utc(25, 8), utc(25, 9)),  # the series goes on
]


def test_every_rule_of_busy_time_holds_on_a_real_server(caldav):
    for name, ics in CORPUS.items():
        caldav.server.put(caldav.calendar, caldav.user, ics, name=name)
    assert caldav_accounts.accounts(caldav.actor) == []
    caldav.connect()
    cal = caldav.calendar_id()
    start = datetime(2027, 1, 10, 23, tzinfo=UTC)  # Monday Jan 11, 00:00 in Berlin
    end = datetime(2027, 1, 25, 23, tzinfo=UTC)
    busy = sorted(provider_for(cal).busy(caldav.view["id"], [cal], start, end))
    assert busy == EXPECTED
    # the Monday taken out of the series, the free and the cancelled events, the declined invitation, the task,
    # the journal and Kite's own meeting leave their times free
    for moment in (utc(11, 8, 30), utc(20, 10), utc(12, 11, 30), utc(12, 12, 30), utc(12, 14, 30),
                   utc(22, 12, 30), utc(22, 14), utc(22, 10, 30)):
        assert not any(a <= moment < b for a, b in busy), moment


def test_the_agents_principal_addresses_count_as_their_own(caldav):
    """An invitation the agent declined under an address of their principal (not their Kite email) is free."""
    from kite_app.providers.calendar import caldav_events

    declined = wrap(event("other-address", """
DTSTART:20270112T150000Z
DTEND:20270112T160000Z
ATTENDEE;PARTSTAT=DECLINED:mailto:ana.private@example.org"""))
    start, end = datetime(2027, 1, 12, tzinfo=UTC), datetime(2027, 1, 13, tzinfo=UTC)
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Berlin")
    assert caldav_events.busy_of([declined], start=start, end=end, zone=zone,
                                 addresses=frozenset({"ana@example.com"})) == [(utc(12, 15), utc(12, 16))]
    assert caldav_events.busy_of([declined], start=start, end=end, zone=zone,
                                 addresses=frozenset({"ana@example.com", "ana.private@example.org"})) == []
