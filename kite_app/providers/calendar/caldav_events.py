"""CalDAV calendar objects (RFC 4791 / RFC 5545) in and out: the busy time of the events a server holds, a
meeting as the event Kite stores in the agent's calendar, and the agent's answer read back from it.

Busy time follows these rules (each one tested against real servers, tests/services/test_caldav_busy.py):
recurring series are expanded here (RRULE with COUNT or UNTIL, RDATE, EXDATE, RECURRENCE-ID overrides moved to
another time), by `recurring-ical-events`, never by the server; an all-day event blocks the agent's whole local
days; DURATION stands for DTEND; floating times are read in the agent's zone; a TZID that is not an IANA name
(Outlook's "W. Europe Standard Time") is read from the object's own VTIMEZONE; TRANSP:TRANSPARENT, STATUS:CANCELLED
and events the agent declined (their own ATTENDEE with PARTSTAT=DECLINED) do not block; VTODO and VJOURNAL are not
events. Kite's own meeting events (X-KITE-MEETING) are counted from Kite's meetings, with their buffers, not twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from kite_app.domain.intervals import Interval, merge, to_seconds
from kite_app.providers.calendar.base import EventData

KITE_MARK = "X-KITE-MEETING"  # on the events Kite writes: their meeting's UID
ANSWERS = {"NEEDS-ACTION": "needsAction", "ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentative"}


class UnreadableObject(ValueError):
    """A calendar object that is not iCalendar."""


def _moment(value, zone: ZoneInfo) -> datetime:
    """A DTSTART/DTEND value as aware UTC: a date is the start of that day in `zone`, a floating time is in
    `zone`."""
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=zone)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), zone).astimezone(UTC)
    raise UnreadableObject(f"not a date or time: {value!r}")


def _address(value) -> str:
    text = str(value).strip()
    return text[7:].lower() if text.lower().startswith("mailto:") else text.lower()


def own_attendee(event, addresses: frozenset[str]):
    """The agent's own ATTENDEE of the event (matched on any of their addresses, without case), or None."""
    attendees = event.get("ATTENDEE", [])
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        if _address(attendee) in addresses:
            return attendee
    return None


def _blocks(event, addresses: frozenset[str]) -> bool:
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return False
    if str(event.get("STATUS", "")).upper() == "CANCELLED" or event.get(KITE_MARK) is not None:
        return False
    mine = own_attendee(event, addresses)
    return not (mine is not None and str(mine.params.get("PARTSTAT", "")).upper() == "DECLINED")


def parse(data: bytes | str) -> icalendar.Calendar:
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError and friends for malformed objects
        raise UnreadableObject(str(exc)) from exc
    if cal.name != "VCALENDAR":
        raise UnreadableObject("not a VCALENDAR")
    return cal


def busy_of(objects: Iterable[bytes | str], *, start: datetime, end: datetime, zone: ZoneInfo,
            addresses: frozenset[str]) -> list[Interval]:
    """Busy time (POSIX-second intervals, merged) of the events in `objects` that overlaps [start, end).
    `zone`: the agent's zone; `addresses`: the agent's own calendar addresses, lower case, without mailto:."""
    return merge(b for data in objects for b in object_busy(parse(data), start=start, end=end, zone=zone,
                                                              addresses=addresses))


def object_busy(cal: icalendar.Calendar, *, start: datetime, end: datetime, zone: ZoneInfo,
                addresses: frozenset[str]) -> list[Interval]:
    """Busy time of one parsed calendar object (a series with its overrides) within [start, end)."""
    busy: list[Interval] = []
    lo, hi = to_seconds(start), to_seconds(end)
    # a day either side: floating and all-day times are the agent's local ones, which the library cannot know
    for event in recurring_ical_events.of(cal, components=["VEVENT"]).between(start - timedelta(days=1),
                                                                             end + timedelta(days=1)):
        if event.get("DTSTART") is None or not _blocks(event, addresses):
            continue
        first = event["DTSTART"].dt
        s = _moment(first, zone)
        if event.get("DTEND") is not None:
            e = _moment(event["DTEND"].dt, zone)
        elif event.get("DURATION") is not None:
            e = s + event["DURATION"].dt if isinstance(first, datetime) else _moment(first + event["DURATION"].dt,
                                                                                  zone)
        else:  # RFC 5545 3.6.1: a date alone lasts the day, a time alone is a moment
            e = _moment(first + timedelta(days=1), zone) if not isinstance(first, datetime) else s
        a, b = max(to_seconds(s), lo), min(to_seconds(e), hi)
        if a < b:
            busy.append((a, b))
    return busy


def answer(data: bytes | str, addresses: frozenset[str]) -> str:
    """The agent's answer in a meeting's event: "needsAction", "accepted", "declined" or "tentative"."""
    for event in parse(data).walk("VEVENT"):
        if event.get("RECURRENCE-ID") is not None:
            continue
        mine = own_attendee(event, addresses)
        return ANSWERS.get(str(mine.params.get("PARTSTAT", "NEEDS-ACTION")).upper() if mine is not None else "",
                           "needsAction")
    return "needsAction"


def meeting_uid(data: bytes | str) -> str:
    """The meeting UID a Kite event carries, "" for any other object."""
    for event in parse(data).walk("VEVENT"):
        return str(event.get(KITE_MARK, ""))
    return ""


def meeting_object(event: EventData, *, agent_name: str, agent_email: str, organizer_email: str,
                   partstat: str = "NEEDS-ACTION", stamp: datetime) -> str:
    """The meeting as the calendar object Kite stores in the agent's calendar: the invitation mail's UID and
    SEQUENCE, no METHOD (a stored object is not an iTIP message: Nextcloud refuses one), Kite as ORGANIZER and
    the agent as an ATTENDEE whose answer (`partstat`) their calendar app asks for. SCHEDULE-AGENT=CLIENT: the
    server sends no invitations or replies of its own (Kite mails the guest)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Kite Scheduler//Meetings//EN")
    cal.add("version", "2.0")
    ev = icalendar.Event()
    ev.add("uid", event.uid)
    ev.add("sequence", event.sequence)
    ev.add("dtstamp", stamp.astimezone(UTC))
    ev.add("dtstart", event.start.astimezone(UTC))
    ev.add("dtend", event.end.astimezone(UTC))
    ev.add("summary", event.title)
    if event.description:
        ev.add("description", event.description)
    if event.location:
        ev.add("location", event.location)
    ev.add("status", "TENTATIVE" if event.tentative else "CONFIRMED")
    ev.add("transp", "TRANSPARENT" if event.tentative else "OPAQUE")  # busy once the agent said Yes
    organizer = icalendar.vCalAddress(f"mailto:{organizer_email}")
    organizer.params.update({"CN": "Kite Scheduler", "SCHEDULE-AGENT": "CLIENT"})
    ev.add("organizer", organizer)
    agent = icalendar.vCalAddress(f"mailto:{agent_email}")
    agent.params.update({"CN": agent_name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": partstat, "RSVP": "TRUE",
                         "SCHEDULE-AGENT": "CLIENT"})
    ev.add("attendee", agent)
    if event.guest_email:
        guest = icalendar.vCalAddress(f"mailto:{event.guest_email}")
        guest.params.update({"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "SCHEDULE-AGENT": "CLIENT"})
        ev.add("attendee", guest)
    ev.add(KITE_MARK, event.uid)
    cal.add_component(ev)
    return cal.to_ical().decode()


def same_time(data: bytes | str, event: EventData) -> bool:
    """Whether the stored object is at the meeting's time (a move asks the agent again)."""
    for ev in parse(data).walk("VEVENT"):
        first, last = ev.get("DTSTART"), ev.get("DTEND")
        if first is None or last is None:
            return False
        zone = ZoneInfo("UTC")
        return (_moment(first.dt, zone), _moment(last.dt, zone)) == (event.start.astimezone(UTC),
                                                                    event.end.astimezone(UTC))
    return False
