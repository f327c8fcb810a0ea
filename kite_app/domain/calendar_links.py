""""Add to calendar" links a guest opens after booking: Google Calendar and Outlook.com take the event
in the address (their documented template links); other calendars take the .ics file."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode


def google_url(title: str, start: datetime, end: datetime, details: str) -> str:
    dates = f"{start.astimezone(UTC):%Y%m%dT%H%M%SZ}/{end.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return "https://calendar.google.com/calendar/render?" + urlencode(
        {"action": "TEMPLATE", "text": title, "dates": dates, "details": details})


def outlook_url(title: str, start: datetime, end: datetime, details: str) -> str:
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(
        {"path": "/calendar/action/compose", "rru": "addevent", "subject": title,
         "startdt": f"{start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}", "enddt": f"{end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
         "body": details})
