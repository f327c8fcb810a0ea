"""A meeting as an Exchange event organised by the scheduling mailbox, and back: the event's body, the patch that
brings it up to date, the agent's answer and the Teams link read from it; busy time read from calendarView."""

from __future__ import annotations

from datetime import UTC, datetime

from kite_app.domain.intervals import Interval, to_seconds
from kite_app.providers.calendar.base import Conference, EventData

BLOCKING = ("busy", "tentative", "oof")  # showAs values that block availability; free and workingElsewhere do not
# The meeting's UID on its event, as a named extended property (MAPI: a string in Kite's own property set)
UID_PROPERTY = "String {2d3f0c61-5a1e-4c86-9d4e-6b1a7e0f4c21} Name kiteMeetingUid"
ANSWERS = {"accepted": "accepted", "declined": "declined"}  # tentativelyAccepted, none, notResponded: no answer yet


def when(moment: datetime) -> dict:
    return {"dateTime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def parse(value: dict) -> datetime:
    """A dateTimeTimeZone asked for in UTC (Prefer: outlook.timezone="UTC"): "2026-12-10T09:00:00.0000000"."""
    text = value["dateTime"].rstrip("Z")
    head, _, fraction = text.partition(".")
    moment = datetime.fromisoformat(head).replace(tzinfo=UTC)
    return moment.replace(microsecond=int((fraction + "000000")[:6])) if fraction else moment


def body(agent_email: str, agent_name: str, event: EventData, *, teams: bool) -> dict:
    """The organiser's event: the agent a required attendee (Exchange sends them the invitation), the guest
    named in the text (Kite mails the guest itself)."""
    out = {
        "subject": event.title,
        "body": {"contentType": "text", "content": event.description},
        "start": when(event.start),
        "end": when(event.end),
        "attendees": [{"type": "required", "emailAddress": {"address": agent_email, "name": agent_name}}],
        "showAs": "tentative" if event.tentative else "busy",
        "responseRequested": True,
        "allowNewTimeProposals": False,
        "transactionId": event.uid,
        "singleValueExtendedProperties": [{"id": UID_PROPERTY, "value": event.uid}],
    }
    if teams:
        out |= {"isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}
    elif event.location:
        out["location"] = {"displayName": event.location}
    return out


def changes(current: dict, wanted: dict) -> dict:
    """The fields of `wanted` that differ from the event as Exchange has it (start and end as instants)."""
    patch = {k: wanted[k] for k in ("subject", "showAs") if current.get(k) != wanted[k]}
    if (current.get("body") or {}).get("content", "").strip() != wanted["body"]["content"].strip():
        patch["body"] = wanted["body"]
    if "location" in wanted and (current.get("location") or {}).get("displayName") != wanted["location"]["displayName"]:
        patch["location"] = wanted["location"]
    if any(parse(current[k]) != parse(wanted[k]) for k in ("start", "end")):
        patch["start"], patch["end"] = wanted["start"], wanted["end"]
    return patch


def answer_of(event: dict, agent_email: str) -> str:
    """The agent's answer as the organiser's event tracks it: "deleted" for a cancelled event, "accepted",
    "declined", else "needsAction"."""
    if event.get("isCancelled"):
        return "deleted"
    for attendee in event.get("attendees", []):
        if attendee.get("emailAddress", {}).get("address", "").lower() == agent_email.lower():
            return ANSWERS.get(attendee.get("status", {}).get("response", ""), "needsAction")
    return "needsAction"


def conference_of(event: dict) -> Conference:
    """The Teams meeting of an event: its join link once Exchange has it; "failed" for an event that is not an
    online meeting (Teams is not enabled for the mailbox)."""
    url = (event.get("onlineMeeting") or {}).get("joinUrl", "")
    if url:
        return Conference(status="ready", url=url)
    return Conference(status="pending" if event.get("isOnlineMeeting") else "failed")


def busy_of(events: list[dict], organiser: str) -> list[Interval]:
    """Busy time of calendarView occurrences: showAs busy, tentative or oof, not cancelled. Kite's own meetings
    (organised by the scheduling mailbox) are left out: Kite counts them itself, and a meeting being moved must
    not block its own new time."""
    out = []
    for e in events:
        if e.get("isCancelled") or e.get("showAs", "busy") not in BLOCKING:
            continue
        if (e.get("organizer") or {}).get("emailAddress", {}).get("address", "").lower() == organiser.lower():
            continue
        out.append((to_seconds(parse(e["start"])), to_seconds(parse(e["end"]))))
    return sorted(out)
