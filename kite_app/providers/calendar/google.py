"""Google Workspace calendars through one service account with domain-wide delegation.

Each call impersonates the agent's mailbox (`subject`). Busy time comes from one freebusy.query per
agent and window (split beyond 50 calendars), cached briefly. Meeting events get an id derived from
the meeting, so a retried insert cannot make a second event; the agent is an attendee whose answer
starts as needsAction, and the event stays transparent until the agent says Yes. Google never
mails the guest (sendUpdates=none): Kite sends its own mail.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from kite_app.domain.intervals import Interval, to_seconds
from kite_app.providers.calendar.base import CalendarInfo, EventData

SCOPES = ("https://www.googleapis.com/auth/calendar",)
PREFIX = "google:"
FREEBUSY_MAX_ITEMS = 50
RETRIES = 4
CACHE_SECONDS = 60
STALE_SECONDS = 15 * 60  # while Google is down, busy time this old still serves booking


class GoogleCalendarError(Exception):
    """Google refused or could not be reached; `reason` is Google's (or "unreachable")."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason


def event_id_for(uid: str) -> str:
    """A valid Google event id (base32hex, lowercase) derived from the meeting's UID."""
    return base64.b32hexencode(hashlib.sha256(uid.encode()).digest()).decode().rstrip("=").lower()


def google_id(calendar_id: str) -> str:
    return calendar_id[len(PREFIX):] if calendar_id.startswith(PREFIX) else calendar_id


def _reason(exc: HttpError) -> str:
    try:
        return exc.error_details[0].get("reason", "") if exc.error_details else ""
    except (AttributeError, IndexError, TypeError):
        return ""


class GoogleCalendarProvider:
    def __init__(self, key_info: dict, *, email_of: Callable[[int], str], api_endpoint: str | None = None,
                 retries: int = RETRIES):
        self._key_info = key_info
        self._retries = retries
        self._email_of = email_of
        self._endpoint = api_endpoint
        self._services: dict[str, object] = {}
        self._busy_cache: dict[tuple, tuple[float, list[Interval]]] = {}
        self._lock = threading.Lock()

    def _service(self, email: str):
        with self._lock:
            if email not in self._services:
                creds = service_account.Credentials.from_service_account_info(
                    self._key_info, scopes=list(SCOPES), subject=email)
                options = {"api_endpoint": self._endpoint} if self._endpoint else None
                self._services[email] = build("calendar", "v3", credentials=creds, static_discovery=True,
                                              client_options=options, cache_discovery=False)
            return self._services[email]

    def _run(self, request):
        try:
            return request.execute(num_retries=self._retries)
        except HttpError as exc:
            raise GoogleCalendarError(f"Google answered {exc.status_code}: {exc.reason}", _reason(exc)) from exc
        except OSError as exc:
            raise GoogleCalendarError(f"Google cannot be reached: {exc}", "unreachable") from exc

    def list_calendars(self, agent_id: int) -> list[CalendarInfo]:
        email = self._email_of(agent_id)
        items = self._run(self._service(email).calendarList().list())["items"]
        items.sort(key=lambda c: (not c.get("primary", False), c.get("summary", "")))
        return [CalendarInfo(id=PREFIX + c["id"], name=c.get("summary", c["id"])) for c in items]

    def busy(self, agent_id: int, calendar_ids: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        ids = tuple(sorted(google_id(c) for c in calendar_ids if c.startswith(PREFIX)))
        if not ids:
            return []
        key = (agent_id, ids, start, end)
        with self._lock:
            hit = self._busy_cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        try:
            busy = self._query_busy(agent_id, ids, start, end)
        except GoogleCalendarError as exc:
            if exc.reason != "calendarError" and (stale := self._recent(agent_id, ids, start, end)) is not None:
                return stale  # Google is down: the last known busy time is recent enough
            raise
        with self._lock:
            self._busy_cache[key] = (time.monotonic() + CACHE_SECONDS, busy)
        return busy

    def _recent(self, agent_id: int, ids: tuple[str, ...], start: datetime, end: datetime) -> list[Interval] | None:
        """Busy time of a recent answer whose window covers [start, end), if any."""
        lo, hi, now = to_seconds(start), to_seconds(end), time.monotonic()
        with self._lock:
            for (a, i, s, e), (expires, busy) in self._busy_cache.items():
                if a == agent_id and i == ids and s <= start and e >= end and expires - CACHE_SECONDS + STALE_SECONDS > now:
                    return [(b0, b1) for b0, b1 in busy if b0 < hi and b1 > lo]
        return None

    def _query_busy(self, agent_id: int, ids: tuple[str, ...], start: datetime, end: datetime) -> list[Interval]:
        service = self._service(self._email_of(agent_id))
        busy: list[Interval] = []
        errors: dict[str, str] = {}
        for i in range(0, len(ids), FREEBUSY_MAX_ITEMS):
            body = {"timeMin": start.astimezone(UTC).isoformat(), "timeMax": end.astimezone(UTC).isoformat(),
                    "items": [{"id": c} for c in ids[i:i + FREEBUSY_MAX_ITEMS]]}
            answer = self._run(service.freebusy().query(body=body))
            for cal_id, cal in answer.get("calendars", {}).items():
                if cal.get("errors"):
                    errors[cal_id] = cal["errors"][0].get("reason", "error")
                for b in cal.get("busy", []):
                    busy.append((to_seconds(_parse(b["start"])), to_seconds(_parse(b["end"]))))
        if errors:  # a calendar we cannot read could hide busy time: refuse rather than guess
            raise GoogleCalendarError(f"Busy time of {', '.join(sorted(errors))} cannot be read", "calendarError")
        return busy

    def invalidate(self, agent_id: int) -> None:
        """Make cached busy time of an agent stale (after one of their meetings changed): the next
        view asks Google again, and only if Google is down is the old answer used."""
        with self._lock:
            for key, (expires, busy) in list(self._busy_cache.items()):
                if key[0] == agent_id:
                    self._busy_cache[key] = (min(expires, time.monotonic()), busy)

    def _body(self, agent_email: str, event: EventData) -> dict:
        return {
            "summary": event.title,
            "description": event.description,
            "start": {"dateTime": event.start.astimezone(UTC).isoformat()},
            "end": {"dateTime": event.end.astimezone(UTC).isoformat()},
            "transparency": "transparent" if event.tentative else "opaque",
            "attendees": [
                {"email": agent_email, "responseStatus": "needsAction" if event.tentative else "accepted"},
                {"email": event.guest_email, "responseStatus": "accepted"},
            ],
            "guestsCanModify": False,
            "extendedProperties": {"private": {"kiteMeetingUid": event.uid}},
        }

    def create_event(self, agent_id: int, calendar_id: str, event: EventData) -> str:
        email = self._email_of(agent_id)
        events = self._service(email).events()
        body = {"id": event_id_for(event.uid), **self._body(email, event)}
        try:
            created = self._run(events.insert(calendarId=google_id(calendar_id), body=body, sendUpdates="none"))
        except GoogleCalendarError as exc:
            if exc.reason != "duplicate":
                raise
            # an earlier try went through: make it match
            created = self._run(events.patch(calendarId=google_id(calendar_id), eventId=body["id"],
                                             body=self._body(email, event), sendUpdates="none"))
        self.invalidate(agent_id)
        return created["id"]

    def update_event(self, agent_id: int, calendar_id: str, event_id: str, event: EventData) -> None:
        email = self._email_of(agent_id)
        self._run(self._service(email).events().patch(calendarId=google_id(calendar_id), eventId=event_id,
                                                      body=self._body(email, event), sendUpdates="none"))
        self.invalidate(agent_id)

    def delete_event(self, agent_id: int, calendar_id: str, event_id: str) -> None:
        try:
            self._run(self._service(self._email_of(agent_id)).events().delete(
                calendarId=google_id(calendar_id), eventId=event_id, sendUpdates="none"))
        except GoogleCalendarError as exc:
            if exc.reason not in ("notFound", "deleted"):
                raise
        self.invalidate(agent_id)

    def changes(self, agent_id: int, calendar_id: str, sync_token: str | None, *, since: datetime
                ) -> tuple[list[EventChange], str]:
        """Meeting events changed since `sync_token` (all from `since` when None), and the next token."""
        email = self._email_of(agent_id)
        events = self._service(email).events()
        params = {"calendarId": google_id(calendar_id), "showDeleted": True, "singleEvents": True}
        if sync_token:
            params["syncToken"] = sync_token
        else:
            params["timeMin"] = since.astimezone(UTC).isoformat()
        out: list[EventChange] = []
        page_token = None
        while True:
            try:
                page = self._run(events.list(**params, pageToken=page_token) if page_token else events.list(**params))
            except GoogleCalendarError as exc:
                if exc.reason == "fullSyncRequired" or "410" in str(exc):
                    raise SyncTokenExpired() from exc
                raise
            for event in page.get("items", []):
                uid = event.get("extendedProperties", {}).get("private", {}).get("kiteMeetingUid")
                if not uid:
                    continue
                answer = "deleted" if event.get("status") == "cancelled" else next(
                    (a.get("responseStatus", "needsAction") for a in event.get("attendees", [])
                     if a.get("email", "").lower() == email.lower()), "needsAction")
                out.append(EventChange(meeting_uid=uid, answer=answer))
            page_token = page.get("nextPageToken")
            if not page_token:
                return out, page.get("nextSyncToken", "")

    def watch(self, agent_id: int, calendar_id: str, *, channel_id: str, token: str, address: str
              ) -> tuple[str, datetime]:
        """Ask Google to POST to `address` when the calendar's events change. Returns (resource id, expiry)."""
        answer = self._run(self._service(self._email_of(agent_id)).events().watch(
            calendarId=google_id(calendar_id),
            body={"id": channel_id, "type": "web_hook", "address": address, "token": token}))
        expires = datetime.fromtimestamp(int(answer.get("expiration", "0")) / 1000, UTC)
        return answer.get("resourceId", ""), expires

    def event_status(self, agent_id: int, calendar_id: str, event_id: str) -> str:
        email = self._email_of(agent_id)
        try:
            event = self._run(self._service(email).events().get(calendarId=google_id(calendar_id), eventId=event_id))
        except GoogleCalendarError as exc:
            if exc.reason in ("notFound", "deleted"):
                return "deleted"
            raise
        if event.get("status") == "cancelled":
            return "deleted"
        for attendee in event.get("attendees", []):
            if attendee.get("email", "").lower() == email.lower():
                return attendee.get("responseStatus", "needsAction")
        return "needsAction"


@dataclass(frozen=True)
class EventChange:
    meeting_uid: str
    answer: str  # the agent's responseStatus, or "deleted"


class SyncTokenExpired(Exception):
    """Google answered 410: the changes must be read again from scratch."""


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
