"""A meeting as a Google Calendar event, and back: the event's id, its body, the patch that brings it up to date,
the agent's answer and the Meet conference read from it."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from kite_app.providers.calendar.base import Conference, EventData


def event_id_for(uid: str) -> str:
    """A valid Google event id (base32hex, lowercase) derived from the meeting's UID."""
    return base64.b32hexencode(hashlib.sha256(uid.encode()).digest()).decode().rstrip("=").lower()


def attendees(agent_email: str, event: EventData) -> list[dict]:
    return [{"email": agent_email, "responseStatus": "needsAction" if event.tentative else "accepted"},
            {"email": event.guest_email, "responseStatus": "accepted"}]


def body(agent_email: str, event: EventData) -> dict:
    return {
        "summary": event.title,
        "description": event.description,
        **({"location": event.location} if event.location else {}),
        "start": {"dateTime": event.start.astimezone(UTC).isoformat()},
        "end": {"dateTime": event.end.astimezone(UTC).isoformat()},
        "transparency": "transparent" if event.tentative else "opaque",
        "attendees": attendees(agent_email, event),
        "guestsCanModify": False,
        "extendedProperties": {"private": {"kiteMeetingUid": event.uid}},
    }


def answer_of(event: dict, agent_email: str) -> str:
    """The agent's answer to the event as Google has it: "deleted" for a cancelled event, else their
    responseStatus ("needsAction" when they are not an attendee)."""
    if event.get("status") == "cancelled":
        return "deleted"
    return next((a.get("responseStatus", "needsAction") for a in event.get("attendees", [])
                 if a.get("email", "").lower() == agent_email.lower()), "needsAction")


def changes(current: dict, wanted: dict, agent_email: str, event: EventData) -> dict:
    """The fields of `wanted` that differ from the event as Google has it."""
    patch = {k: wanted[k] for k in ("summary", "description", "transparency", "guestsCanModify",
                                    "extendedProperties") if current.get(k) != wanted[k]}
    moved = any(parse(current.get(k, {}).get("dateTime", "1970-01-01T00:00:00Z")) != parse(wanted[k]["dateTime"])
                for k in ("start", "end"))
    if moved:
        patch["start"], patch["end"] = wanted["start"], wanted["end"]
        patch["attendees"] = wanted["attendees"]  # a new time: the agent is asked again
    elif not event.tentative:
        attendees = [dict(a) for a in current.get("attendees", [])]
        mine = [a for a in attendees if a.get("email", "").lower() == agent_email.lower()]
        if not mine or any(a.get("responseStatus") != "accepted" for a in mine):
            for a in mine:
                a["responseStatus"] = "accepted"  # the agent said Yes in Kite
            patch["attendees"] = attendees if mine else wanted["attendees"]
    return patch


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def conference_of(event: dict) -> Conference:
    """Read an event's conferenceData: the create request's status ("pending", "success", "failure") and the
    video entry point once there is one."""
    data = event.get("conferenceData") or {}
    video = next((e.get("uri", "") for e in data.get("entryPoints", []) if e.get("entryPointType") == "video"),
                 "") or event.get("hangoutLink", "")
    if video:
        return Conference(status="ready", url=video)
    status = data.get("createRequest", {}).get("status", {}).get("statusCode", "")
    return Conference(status={"pending": "pending", "failure": "failed", "success": "ready"}.get(status, ""))
