""""Add to calendar" for a guest after booking: what their calendar gets (the same title, description and place
as the .ics file the page offers and the invitations they are mailed), and the Google Calendar and Outlook.com
links that carry it in the address (their documented template links)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode


@dataclass(frozen=True)
class GuestEvent:
    title: str
    description: str
    location: str  # the meeting's video link, "" for none


def guest_event(*, subject: str, agent_name: str, meeting_url: str, manage_url: str,
                tr: Callable[[str], str], details: str = "") -> GuestEvent:
    """The meeting as the guest's calendar shows it, in the guest's language (`tr`); `details`: their answers."""
    lines = [tr("With {name}").format(name=agent_name)]
    if meeting_url:
        lines.append(tr("Join the meeting") + f": {meeting_url}")
    if details:
        lines += ["", details]
    lines += ["", tr("Change or delete the meeting, or write to {name}").format(name=agent_name) + f": {manage_url}"]
    return GuestEvent(title=subject or tr("Meeting with {name}").format(name=agent_name),
                      description="\n".join(lines), location=meeting_url)


def google_url(event: GuestEvent, start: datetime, end: datetime) -> str:
    dates = f"{start.astimezone(UTC):%Y%m%dT%H%M%SZ}/{end.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return "https://calendar.google.com/calendar/render?" + urlencode(
        {"action": "TEMPLATE", "text": event.title, "dates": dates, "details": event.description,
         **({"location": event.location} if event.location else {})})


def outlook_url(event: GuestEvent, start: datetime, end: datetime) -> str:
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(
        {"path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
         "startdt": f"{start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}", "enddt": f"{end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
         "body": event.description, **({"location": event.location} if event.location else {})})
