"""iCalendar (RFC 5545) in and out: busy times from an .ics file, and a feed of meetings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from kite_app.domain.meeting import MeetingStatus
from kite_app.domain.text import msg

MAX_EVENTS = 20_000


class IcsError(ValueError):
    pass


@dataclass(frozen=True)
class ImportedEvent:
    uid: str
    title: str
    start: datetime  # aware UTC
    end: datetime


def _aware(value, zone: ZoneInfo) -> datetime:
    """A DTSTART/DTEND value as aware UTC: all-day dates and floating times are read in `zone`."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=zone)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0), zone)
    else:
        raise IcsError(msg("An event has a start or end that is not a date."))
    return moment.astimezone(UTC)


def read_busy(data: bytes, *, start: datetime, end: datetime, zone: ZoneInfo) -> tuple[str, list[ImportedEvent]]:
    """Busy events of an .ics file that overlap [start, end), recurring events expanded.

    Returns (calendar name or "", events). Transparent (free) and cancelled events are not busy.
    `zone` is the agent's zone, used for all-day and floating times.
    """
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as exc:  # icalendar raises ValueError and friends for malformed files
        raise IcsError(msg("This file is not a valid iCalendar (.ics) file.")) from exc
    if cal.name != "VCALENDAR":
        raise IcsError(msg("This file is not a valid iCalendar (.ics) file."))
    name = str(cal.get("X-WR-CALNAME", "")).strip()
    try:
        occurrences = recurring_ical_events.of(cal).between(start, end)
    except Exception as exc:
        raise IcsError(msg("The events of this file cannot be read: {problem}", problem=str(exc))) from exc
    events: list[ImportedEvent] = []
    for ev in occurrences:
        if len(events) >= MAX_EVENTS:
            raise IcsError(msg("This file has more than {count} events in the next months.", count=MAX_EVENTS))
        if str(ev.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT" or str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        dtstart = ev.get("DTSTART")
        if dtstart is None:
            continue
        s = _aware(dtstart.dt, zone)
        if ev.get("DTEND") is not None:
            e = _aware(ev["DTEND"].dt, zone)
        elif ev.get("DURATION") is not None:
            e = s + ev["DURATION"].dt
        else:
            e = s + (timedelta(days=1) if not isinstance(dtstart.dt, datetime) else timedelta(0))
        if e <= s:
            continue
        title = str(ev.get("SUMMARY", "Busy")).strip() or "Busy"
        events.append(ImportedEvent(uid=str(ev.get("UID", "")), title=title[:200], start=s, end=e))
    return name[:100], events


@dataclass(frozen=True)
class FeedMeeting:
    uid: str
    subject: str
    guest_name: str
    guest_email: str
    start: datetime
    end: datetime
    status: str  # pending, confirmed, cancelled
    sequence: int
    updated_at: datetime
    meeting_url: str = ""


def meetings_feed(meetings: Iterable[FeedMeeting], *, calendar_name: str) -> bytes:
    """An .ics feed a calendar client can subscribe to; times in UTC, stable UIDs."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Kite Scheduler//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", calendar_name)
    for m in meetings:
        ev = icalendar.Event()
        ev.add("uid", m.uid)
        ev.add("dtstamp", m.updated_at.astimezone(UTC))
        ev.add("dtstart", m.start.astimezone(UTC))
        ev.add("dtend", m.end.astimezone(UTC))
        ev.add("summary", m.subject or f"Meeting with {m.guest_name}")
        ev.add("description", f"Guest: {m.guest_name} <{m.guest_email}>"
               + (f"\nJoin the meeting: {m.meeting_url}" if m.meeting_url else ""))
        _add_link(ev, m.meeting_url)
        ev.add("sequence", m.sequence)
        ev.add("status", {MeetingStatus.PENDING: "TENTATIVE", MeetingStatus.CONFIRMED: "CONFIRMED"}.get(
            MeetingStatus(m.status), "CANCELLED"))
        cal.add_component(ev)
    return cal.to_ical()


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    method: str  # REQUEST or CANCEL (mailed invitations), PUBLISH (a file to import)
    summary: str
    description: str
    start: datetime
    end: datetime
    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str
    stamp: datetime
    confirmed: bool
    cancelled: bool = False
    meeting_url: str = ""  # LOCATION and the RFC 7986 CONFERENCE property
    join_label: str = "Join the meeting"  # the link's words, in the reader's language


def invite_facts(inv: Invite) -> dict:
    """`inv` as JSON-ready facts (times in ISO 8601), all but its description, which the caller keeps."""
    facts = {name: getattr(inv, name) for name in Invite.__dataclass_fields__ if name != "description"}
    return facts | {name: facts[name].astimezone(UTC).isoformat() for name in ("start", "end", "stamp")}


def invite_from(facts: dict, description: str) -> Invite:
    """The Invite that `invite_facts` wrote, with its `description`."""
    times = {name: datetime.fromisoformat(facts[name]) for name in ("start", "end", "stamp")}
    return Invite(**{**facts, **times, "description": description})


def invite(inv: Invite) -> str:
    """An iTIP invitation (RFC 5546) a calendar client accepts: same UID for every change, rising SEQUENCE."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Kite Scheduler//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", inv.method)
    ev = icalendar.Event()
    ev.add("uid", inv.uid)
    ev.add("sequence", inv.sequence)
    ev.add("dtstamp", inv.stamp.astimezone(UTC))
    ev.add("dtstart", inv.start.astimezone(UTC))
    ev.add("dtend", inv.end.astimezone(UTC))
    ev.add("summary", inv.summary)
    said = not inv.meeting_url or inv.meeting_url in inv.description  # the mail's text names the link already
    ev.add("description", inv.description if said else f"{inv.join_label}: {inv.meeting_url}\n\n{inv.description}")
    _add_link(ev, inv.meeting_url, inv.join_label)
    organizer = icalendar.vCalAddress(f"mailto:{inv.organizer_email}")
    organizer.params["cn"] = icalendar.vText(inv.organizer_name)
    ev.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{inv.attendee_email}")
    attendee.params["cn"] = icalendar.vText(inv.attendee_name)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    ev.add("attendee", attendee)
    if inv.method == "CANCEL" or inv.cancelled:
        ev.add("status", "CANCELLED")
    else:
        ev.add("status", "CONFIRMED" if inv.confirmed else "TENTATIVE")
    cal.add_component(ev)
    return cal.to_ical().decode()


def _add_link(ev: icalendar.Event, meeting_url: str, label: str = "Join the meeting") -> None:
    """Where the meeting takes place: LOCATION for every client, CONFERENCE (RFC 7986) for those that know it."""
    if meeting_url:
        ev.add("location", meeting_url)
        ev.add("conference", meeting_url, parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": label})
