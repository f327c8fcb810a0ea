"""Google Workspace calendars through one service account with domain-wide delegation.

Each call impersonates the agent's mailbox (`subject`). Busy time comes from one freebusy.query per
agent and window of whole UTC days (split beyond 50 calendars), cached briefly, so repeated page
views reuse one answer. Meeting events get an id derived from the meeting, so a retried insert
cannot make a second event; the agent is an attendee whose answer starts as needsAction, and the
event stays transparent until the agent says Yes. Google never mails the guest (sendUpdates=none):
Kite sends its own mail.

Threads: httplib2 is not thread-safe, so every request gets an HTTP connection of its own; the
delegated credentials are shared per agent and refreshed under a lock.

Faults: reads retry within a budget of about two seconds, then fail (the caller may serve busy
time up to 15 minutes old); writes retry a few times and run in the background (see
services.booking). Every failure, token endpoint and network included, is a GoogleCalendarError
that says whether trying later can help.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import google_auth_httplib2
import httplib2
from google.auth import exceptions as auth_errors
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from kite_app.domain.intervals import Interval, to_seconds
from kite_app.providers.calendar.base import (
    CalendarError,
    CalendarInfo,
    Conference,
    EventChange,
    EventData,
    EventGone,
    SyncTokenExpired,
)

SCOPES = ("https://www.googleapis.com/auth/calendar",)
PREFIX = "google:"
log = logging.getLogger(__name__)
FREEBUSY_MAX_ITEMS = 50
RETRIES = 4  # attempts after the first, for writes (they run in the background)
READ_BUDGET = 2.0  # seconds a read may take, retries included
WRITE_TIMEOUT = 15.0  # seconds one write attempt may take
CACHE_SECONDS = 60
STALE_SECONDS = 15 * 60  # while Google is down, busy time this old still serves booking
WRITABLE_ROLES = ("owner", "writer")
RATE_LIMITS = ("rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded")


class GoogleCalendarError(CalendarError):
    """Google refused or could not be reached; `reason` is Google's ("unreachable" for the network)."""

    def __init__(self, message: str, reason: str = "", *, transient: bool = True, status: int = 0):
        super().__init__(message, reason, transient=transient)
        self.status = status


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


def _as_error(exc: Exception) -> GoogleCalendarError:
    """Any failure of a request (HTTP, token endpoint, network) as the provider's own error."""
    if isinstance(exc, GoogleCalendarError):
        return exc
    if isinstance(exc, HttpError):
        status, reason = exc.status_code, _reason(exc)
        transient = status >= 500 or status == 429 or (status == 403 and reason in RATE_LIMITS) or status == 401
        return GoogleCalendarError(f"Google answered {status}: {exc.reason}", reason, transient=transient,
                                   status=status)
    if isinstance(exc, auth_errors.RefreshError):  # the token endpoint refused the delegation
        return GoogleCalendarError(f"Google refused a token: {exc}", "tokenRefused", transient=False)
    # auth_errors.TransportError (token endpoint down, DNS), httplib2 errors, timeouts, refused connections
    return GoogleCalendarError(f"Google cannot be reached: {exc or type(exc).__name__}", "unreachable")


class _TokenRequest(google_auth_httplib2.Request):
    """The token endpoint's transport: a 5xx answer fails at once (our own retries and their budget
    apply) instead of google-auth's internal backoff of several seconds."""

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        response = super().__call__(url, method=method, body=body, headers=headers, timeout=timeout, **kwargs)
        if response.status >= 500:
            raise auth_errors.TransportError(f"the token endpoint answered {response.status}")
        return response


def _day_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[start, end) widened to whole UTC days: the freebusy window (and cache key) of a page view."""
    lo = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    hi = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return lo, hi if hi >= end else hi + timedelta(days=1)


class GoogleCalendarProvider:
    remote = True

    def __init__(self, key_info: dict, *, email_of: Callable[[int], str], api_endpoint: str | None = None,
                 retries: int = RETRIES, read_budget: float = READ_BUDGET):
        self._key_info = key_info
        self._retries = retries
        self._read_budget = read_budget
        self._email_of = email_of
        self._endpoint = api_endpoint
        self._credentials: dict[str, service_account.Credentials] = {}
        self._refresh_locks: dict[str, threading.Lock] = {}
        self._services: dict[str, object] = {}
        self._busy_cache: dict[tuple, tuple[float, list[Interval], bool]] = {}  # key -> (fetched, busy, fresh)
        self._lock = threading.Lock()
        self._local = threading.local()  # the timeout of the request being built on this thread

    # --- transport: one HTTP connection per request, shared credentials --------------------------

    def _creds(self, email: str) -> service_account.Credentials:
        with self._lock:
            if email not in self._credentials:
                self._credentials[email] = service_account.Credentials.from_service_account_info(
                    self._key_info, scopes=list(SCOPES), subject=email)
                self._refresh_locks[email] = threading.Lock()
            return self._credentials[email]

    def _fresh_token(self, email: str, timeout: float) -> None:
        creds = self._creds(email)
        with self._refresh_locks[email]:  # one refresh at a time per agent; the others then find it valid
            if not creds.valid:
                creds.refresh(_TokenRequest(httplib2.Http(timeout=timeout)))

    def _service(self, email: str):
        with self._lock:
            if email not in self._services:

                def request_builder(_http, *args, **kwargs):
                    http = google_auth_httplib2.AuthorizedHttp(  # a 401 comes back to _call, which refreshes
                        self._credentials[email], http=httplib2.Http(timeout=getattr(self._local, "timeout", 10)),
                        refresh_status_codes=())
                    return HttpRequest(http, *args, **kwargs)

                options = {"api_endpoint": self._endpoint} if self._endpoint else None
                self._services[email] = build("calendar", "v3", http=httplib2.Http(), requestBuilder=request_builder,
                                              static_discovery=True, client_options=options, cache_discovery=False)
            return self._services[email]

    def _call(self, email: str, make: Callable, *, read: bool):
        """Run `make(service)`'s request, retrying what may pass on a later try: reads within the read
        budget, writes up to `retries` more times. Raises GoogleCalendarError."""
        deadline = time.monotonic() + (self._read_budget if read else 3600)
        attempts = 1_000 if read else self._retries + 1
        pause = 0.1 if read else 0.5
        for attempt in range(attempts):
            timeout = max(0.3, min(deadline - time.monotonic(), WRITE_TIMEOUT))
            try:
                self._fresh_token(email, timeout)
                self._local.timeout = timeout
                return make(self._service(email)).execute(num_retries=0)
            except Exception as exc:  # noqa: BLE001 - every failure becomes the provider's own error
                error = _as_error(exc)
                if error.status == 401:  # the access token was refused: get a new one on the next try
                    self._creds(email).token = None
                wait = pause * (2 ** attempt) * (0.5 + random.random() / 2)
                if not error.transient or attempt + 1 >= attempts or time.monotonic() + wait >= deadline:
                    raise error from exc
                time.sleep(wait)
        raise AssertionError("unreachable")

    # --- calendars and busy time -----------------------------------------------------------------

    def list_calendars(self, agent_id: int) -> list[CalendarInfo]:
        email = self._email_of(agent_id)
        items: list[dict] = []
        page_token = None
        while True:
            params = {"maxResults": 250, **({"pageToken": page_token} if page_token else {})}
            page = self._call(email, lambda s, p=params: s.calendarList().list(**p), read=True)
            items += page.get("items", [])
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        items.sort(key=lambda c: (not c.get("primary", False), c.get("summary", "")))
        return [CalendarInfo(id=PREFIX + c["id"], name=c.get("summary", c["id"]),
                             writable=c.get("accessRole") in WRITABLE_ROLES) for c in items]

    def busy(self, agent_id: int, calendar_ids: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        ids = tuple(sorted(google_id(c) for c in calendar_ids if c.startswith(PREFIX)))
        if not ids:
            return []
        lo, hi = _day_window(start, end)
        key = (agent_id, ids, lo, hi)
        now = time.monotonic()
        with self._lock:
            hit = self._busy_cache.get(key)
        if hit and hit[2] and hit[0] + CACHE_SECONDS > now:
            return _within(hit[1], start, end)
        try:
            busy = self._query_busy(agent_id, ids, lo, hi)
        except GoogleCalendarError as exc:
            if exc.reason != "calendarError" and (stale := self._recent(agent_id, ids, start, end)) is not None:
                return stale  # Google is down: the last known busy time is recent enough
            raise
        with self._lock:
            self._busy_cache[key] = (time.monotonic(), busy, True)
            for k in [k for k, v in self._busy_cache.items() if v[0] + STALE_SECONDS < now]:
                del self._busy_cache[k]
        return _within(busy, start, end)

    def prefetch_busy(self, wanted: Sequence[tuple[int, Sequence[str]]], start: datetime, end: datetime) -> None:
        """Busy time of a team's members in one freebusy.query (one per 50 calendars), asked as the first
        member: in a Workspace domain everyone sees everyone's free/busy. A member with a calendar that
        query cannot read is left to their own `busy` (asked as them), as is everyone when Google fails."""
        lo, hi = _day_window(start, end)
        now = time.monotonic()
        todo: dict[int, tuple[str, ...]] = {}
        with self._lock:
            for agent_id, calendar_ids in wanted:
                ids = tuple(sorted(google_id(c) for c in calendar_ids if c.startswith(PREFIX)))
                hit = self._busy_cache.get((agent_id, ids, lo, hi))
                if ids and not (hit and hit[2] and hit[0] + CACHE_SECONDS > now):
                    todo[agent_id] = ids
        if len(todo) < 2:
            return
        every = tuple(sorted({c for ids in todo.values() for c in ids}))
        try:
            per_calendar, errors = self._freebusy(self._email_of(next(iter(todo))), every, lo, hi)
        except GoogleCalendarError as exc:
            log.info("team busy time in one query failed (%s); each member is asked on their own", exc)
            return
        fetched = time.monotonic()
        with self._lock:
            for agent_id, ids in todo.items():
                if not any(c in errors for c in ids):
                    self._busy_cache[(agent_id, ids, lo, hi)] = (
                        fetched, [b for c in ids for b in per_calendar.get(c, [])], True)

    def _recent(self, agent_id: int, ids: tuple[str, ...], start: datetime, end: datetime) -> list[Interval] | None:
        """Busy time of a recent answer whose window covers [start, end), if any."""
        now = time.monotonic()
        with self._lock:
            for (a, i, s, e), (fetched, busy, _fresh) in self._busy_cache.items():
                if a == agent_id and i == ids and s <= start and e >= end and fetched + STALE_SECONDS > now:
                    return _within(busy, start, end)
        return None

    def _query_busy(self, agent_id: int, ids: tuple[str, ...], start: datetime, end: datetime) -> list[Interval]:
        per_calendar, errors = self._freebusy(self._email_of(agent_id), ids, start, end)
        if errors:  # a calendar we cannot read could hide busy time: refuse rather than guess
            raise GoogleCalendarError(f"Busy time of {', '.join(sorted(errors))} cannot be read", "calendarError",
                                      transient=False)
        return [b for c in ids for b in per_calendar.get(c, [])]

    def _freebusy(self, email: str, ids: tuple[str, ...], start: datetime, end: datetime
                  ) -> tuple[dict[str, list[Interval]], dict[str, str]]:
        """freebusy.query as `email`, 50 calendars at a time: busy time per calendar, and the calendars it
        could not read (with Google's reason)."""
        busy: dict[str, list[Interval]] = {}
        errors: dict[str, str] = {}
        for i in range(0, len(ids), FREEBUSY_MAX_ITEMS):
            body = {"timeMin": start.astimezone(UTC).isoformat(), "timeMax": end.astimezone(UTC).isoformat(),
                    "items": [{"id": c} for c in ids[i:i + FREEBUSY_MAX_ITEMS]]}
            answer = self._call(email, lambda s, b=body: s.freebusy().query(body=b), read=True)
            for cal_id, cal in answer.get("calendars", {}).items():
                if cal.get("errors"):
                    errors[cal_id] = cal["errors"][0].get("reason", "error")
                busy.setdefault(cal_id, []).extend(
                    (to_seconds(_parse(b["start"])), to_seconds(_parse(b["end"]))) for b in cal.get("busy", []))
        return busy, errors

    def unreadable(self, agent_id: int, calendar_ids: Sequence[str]) -> list[str]:
        """Which of these calendars freebusy cannot read for the agent (no longer shared, deleted)."""
        ids = [google_id(c) for c in calendar_ids if c.startswith(PREFIX)]
        if not ids:
            return []
        now = datetime.now(UTC).replace(microsecond=0)
        body = {"timeMin": now.isoformat(), "timeMax": (now + timedelta(minutes=1)).isoformat(),
                "items": [{"id": c} for c in ids]}
        answer = self._call(self._email_of(agent_id), lambda s: s.freebusy().query(body=body), read=True)
        return [PREFIX + c for c, cal in answer.get("calendars", {}).items() if cal.get("errors")]

    def invalidate(self, agent_id: int) -> None:
        """Make cached busy time of an agent stale (after one of their meetings changed): the next
        view asks Google again, and only if Google is down is the old answer used."""
        with self._lock:
            for key, (fetched, busy, _fresh) in list(self._busy_cache.items()):
                if key[0] == agent_id:
                    self._busy_cache[key] = (fetched, busy, False)

    # --- meeting events ------------------------------------------------------------------------------

    @staticmethod
    def _attendees(agent_email: str, event: EventData) -> list[dict]:
        return [{"email": agent_email, "responseStatus": "needsAction" if event.tentative else "accepted"},
                {"email": event.guest_email, "responseStatus": "accepted"}]

    def _body(self, agent_email: str, event: EventData) -> dict:
        return {
            "summary": event.title,
            "description": event.description,
            **({"location": event.location} if event.location else {}),
            "start": {"dateTime": event.start.astimezone(UTC).isoformat()},
            "end": {"dateTime": event.end.astimezone(UTC).isoformat()},
            "transparency": "transparent" if event.tentative else "opaque",
            "attendees": self._attendees(agent_email, event),
            "guestsCanModify": False,
            "extendedProperties": {"private": {"kiteMeetingUid": event.uid}},
        }

    def create_event(self, agent_id: int, calendar_id: str, event: EventData) -> str:
        email = self._email_of(agent_id)
        cal = google_id(calendar_id)
        body = {"id": event_id_for(event.uid), **self._body(email, event)}
        conference: dict = {}
        if event.conference:  # a Meet conference, asked for once: Google ignores a request id it has seen
            body["conferenceData"] = {"createRequest": {"requestId": event.conference_request_id,
                                                        "conferenceSolutionKey": {"type": "hangoutsMeet"}}}
            conference = {"conferenceDataVersion": 1}
        try:
            created = self._call(email, lambda s: s.events().insert(calendarId=cal, body=body, sendUpdates="none",
                                                                    **conference), read=False)
        except GoogleCalendarError as exc:
            if exc.reason != "duplicate":
                raise
            self.update_event(agent_id, calendar_id, body["id"], event)  # an earlier try went through
            return body["id"]
        self.invalidate(agent_id)
        return created["id"]

    def update_event(self, agent_id: int, calendar_id: str, event_id: str, event: EventData) -> None:
        """Patch only what changed. The attendees' answers stay unless the time changed (then the agent
        is asked again), or the agent said Yes in Kite (then Google learns it)."""
        email = self._email_of(agent_id)
        cal = google_id(calendar_id)
        try:
            current = self._call(email, lambda s: s.events().get(calendarId=cal, eventId=event_id), read=False)
        except GoogleCalendarError as exc:
            if exc.reason in ("notFound", "deleted") or exc.status in (404, 410):
                raise EventGone() from exc
            raise
        if current.get("status") == "cancelled":
            raise EventGone()
        patch = _changes(current, self._body(email, event), email, event)
        if patch:
            try:
                self._call(email, lambda s: s.events().patch(calendarId=cal, eventId=event_id, body=patch,
                                                             sendUpdates="none"), read=False)
            except GoogleCalendarError as exc:
                if exc.status == 410:
                    raise EventGone() from exc
                raise
        self.invalidate(agent_id)

    def delete_event(self, agent_id: int, calendar_id: str, event_id: str) -> None:
        cal = google_id(calendar_id)
        try:
            self._call(self._email_of(agent_id),
                       lambda s: s.events().delete(calendarId=cal, eventId=event_id, sendUpdates="none"), read=False)
        except GoogleCalendarError as exc:
            if exc.reason not in ("notFound", "deleted") and exc.status not in (404, 410):
                raise
        self.invalidate(agent_id)

    def changes(self, agent_id: int, calendar_id: str, sync_token: str | None, *, since: datetime
                ) -> tuple[list[EventChange], str]:
        """Meeting events changed since `sync_token` (all from `since` when None), and the next token."""
        email = self._email_of(agent_id)
        params: dict = {"calendarId": google_id(calendar_id), "showDeleted": True, "singleEvents": True}
        if sync_token:
            params["syncToken"] = sync_token
        else:
            params["timeMin"] = since.astimezone(UTC).isoformat()
        out: list[EventChange] = []
        page_token = None
        while True:
            page_params = {**params, **({"pageToken": page_token} if page_token else {})}
            try:
                page = self._call(email, lambda s, p=page_params: s.events().list(**p), read=False)
            except GoogleCalendarError as exc:
                if exc.reason == "fullSyncRequired" or exc.status == 410:
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
        body = {"id": channel_id, "type": "web_hook", "address": address, "token": token}
        answer = self._call(self._email_of(agent_id),
                            lambda s: s.events().watch(calendarId=google_id(calendar_id), body=body), read=False)
        expires = datetime.fromtimestamp(int(answer.get("expiration", "0")) / 1000, UTC)
        return answer.get("resourceId", ""), expires

    def stop_watch(self, agent_id: int, channel_id: str, resource_id: str) -> None:
        try:
            self._call(self._email_of(agent_id),
                       lambda s: s.channels().stop(body={"id": channel_id, "resourceId": resource_id}), read=False)
        except GoogleCalendarError as exc:
            if exc.status != 404:  # already expired or stopped
                raise

    def conference(self, agent_id: int, calendar_id: str, event_id: str) -> Conference:
        """The event's Meet conference: its status while Google sets it up, then its video link."""
        email = self._email_of(agent_id)
        try:
            event = self._call(email, lambda s: s.events().get(calendarId=google_id(calendar_id), eventId=event_id),
                               read=False)
        except GoogleCalendarError as exc:
            if exc.reason in ("notFound", "deleted") or exc.status in (404, 410):
                raise EventGone() from exc
            raise
        return conference_of(event)

    def event_status(self, agent_id: int, calendar_id: str, event_id: str) -> str:
        email = self._email_of(agent_id)
        try:
            event = self._call(email, lambda s: s.events().get(calendarId=google_id(calendar_id), eventId=event_id),
                               read=True)
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


def _changes(current: dict, wanted: dict, agent_email: str, event: EventData) -> dict:
    """The fields of `wanted` that differ from the event as Google has it."""
    patch = {k: wanted[k] for k in ("summary", "description", "transparency", "guestsCanModify",
                                    "extendedProperties") if current.get(k) != wanted[k]}
    moved = any(_parse(current.get(k, {}).get("dateTime", "1970-01-01T00:00:00Z")) != _parse(wanted[k]["dateTime"])
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


def _within(busy: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    lo, hi = to_seconds(start), to_seconds(end)
    return [(b0, b1) for b0, b1 in busy if b0 < hi and b1 > lo]


def _parse(text: str) -> datetime:
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
