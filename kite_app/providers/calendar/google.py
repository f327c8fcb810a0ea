"""Google Workspace calendars, as the calendar provider the services use: the agent's calendars, their busy
time and the meeting events, through one service account with domain-wide delegation (google_api.py: the
connection, its retries and errors; google_events.py: a meeting as an event).

Busy time comes from one freebusy.query per agent and window of whole UTC days (split beyond 50 calendars),
cached briefly, so repeated page views reuse one answer; while Google is down, busy time up to 15 minutes old
still serves booking. Meeting events get an id derived from the meeting, so a retried insert cannot make a
second event; the agent is an attendee whose answer starts as needsAction, and the event stays transparent
until the agent says Yes. Google never mails the guest (sendUpdates=none): Kite sends its own mail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from kite_app.domain.intervals import Interval, to_seconds
from kite_app.providers.calendar import google_events
from kite_app.providers.calendar.base import (
    CalendarInfo,
    Conference,
    EventChange,
    EventData,
    EventGone,
    SyncTokenExpired,
    day_window,
)
from kite_app.providers.calendar.busy_cache import BusyCache, within
from kite_app.providers.calendar.google_api import READ_BUDGET, RETRIES, GoogleCalendarError, GoogleConnection
from kite_app.providers.calendar.google_events import answer_of, conference_of, event_id_for, parse

PREFIX = "google:"
log = logging.getLogger(__name__)
FREEBUSY_MAX_ITEMS = 50
WRITABLE_ROLES = ("owner", "writer")


def google_id(calendar_id: str) -> str:
    return calendar_id[len(PREFIX):] if calendar_id.startswith(PREFIX) else calendar_id



class GoogleCalendarProvider:
    remote = True

    def __init__(self, key_info: dict, *, email_of: Callable[[int], str], api_endpoint: str | None = None,
                 retries: int = RETRIES, read_budget: float = READ_BUDGET):
        self._api = GoogleConnection(key_info, api_endpoint=api_endpoint, retries=retries, read_budget=read_budget)
        self._email_of = email_of
        self._busy_cache = BusyCache()

    # --- calendars and busy time -----------------------------------------------------------------

    def list_calendars(self, agent_id: int) -> list[CalendarInfo]:
        email = self._email_of(agent_id)
        items: list[dict] = []
        page_token = None
        while True:
            params = {"maxResults": 250, **({"pageToken": page_token} if page_token else {})}
            page = self._api.call(email, lambda s, p=params: s.calendarList().list(**p), read=True)
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
        lo, hi = day_window(start, end)
        key = (agent_id, ids, lo, hi)
        if (hit := self._busy_cache.fresh(key)) is not None:
            return within(hit, start, end)
        try:
            busy = self._query_busy(agent_id, ids, lo, hi)
        except GoogleCalendarError as exc:
            if exc.reason != "calendarError" and (
                    stale := self._busy_cache.recent(agent_id, ids, start, end)) is not None:
                return stale  # Google is down: the last known busy time is recent enough
            raise
        self._busy_cache.put(key, busy)
        return within(busy, start, end)

    def prefetch_busy(self, wanted: Sequence[tuple[int, Sequence[str]]], start: datetime, end: datetime) -> None:
        """Busy time of a team's members in one freebusy.query (one per 50 calendars), asked as the first
        member: in a Workspace domain everyone sees everyone's free/busy. A member with a calendar that
        query cannot read is left to their own `busy` (asked as them), as is everyone when Google fails."""
        lo, hi = day_window(start, end)
        todo: dict[int, tuple[str, ...]] = {}
        for agent_id, calendar_ids in wanted:
            ids = tuple(sorted(google_id(c) for c in calendar_ids if c.startswith(PREFIX)))
            if ids and self._busy_cache.fresh((agent_id, ids, lo, hi)) is None:
                todo[agent_id] = ids
        if len(todo) < 2:
            return
        every = tuple(sorted({c for ids in todo.values() for c in ids}))
        try:
            per_calendar, errors = self._freebusy(self._email_of(next(iter(todo))), every, lo, hi)
        except GoogleCalendarError as exc:
            log.info("team busy time in one query failed (%s); each member is asked on their own", exc)
            return
        for agent_id, ids in todo.items():
            if not any(c in errors for c in ids):
                self._busy_cache.put((agent_id, ids, lo, hi), [b for c in ids for b in per_calendar.get(c, [])])

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
            answer = self._api.call(email, lambda s, b=body: s.freebusy().query(body=b), read=True)
            for cal_id, cal in answer.get("calendars", {}).items():
                if cal.get("errors"):
                    errors[cal_id] = cal["errors"][0].get("reason", "error")
                busy.setdefault(cal_id, []).extend(
                    (to_seconds(parse(b["start"])), to_seconds(parse(b["end"]))) for b in cal.get("busy", []))
        return busy, errors

    def unreadable(self, agent_id: int, calendar_ids: Sequence[str]) -> list[str]:
        """Which of these calendars freebusy cannot read for the agent (no longer shared, deleted)."""
        ids = [google_id(c) for c in calendar_ids if c.startswith(PREFIX)]
        if not ids:
            return []
        now = datetime.now(UTC).replace(microsecond=0)
        body = {"timeMin": now.isoformat(), "timeMax": (now + timedelta(minutes=1)).isoformat(),
                "items": [{"id": c} for c in ids]}
        answer = self._api.call(self._email_of(agent_id), lambda s: s.freebusy().query(body=body), read=True)
        return [PREFIX + c for c, cal in answer.get("calendars", {}).items() if cal.get("errors")]

    def invalidate(self, agent_id: int) -> None:
        """Make cached busy time of an agent stale (after one of their meetings changed)."""
        self._busy_cache.invalidate(agent_id)

    # --- meeting events ------------------------------------------------------------------------------


    def create_event(self, agent_id: int, calendar_id: str, event: EventData) -> str:
        email = self._email_of(agent_id)
        cal = google_id(calendar_id)
        body = {"id": event_id_for(event.uid), **google_events.body(email, event)}
        conference: dict = {}
        if event.conference:  # a Meet conference, asked for once: Google ignores a request id it has seen
            body["conferenceData"] = {"createRequest": {"requestId": event.conference_request_id,
                                                        "conferenceSolutionKey": {"type": "hangoutsMeet"}}}
            conference = {"conferenceDataVersion": 1}
        try:
            created = self._api.call(email, lambda s: s.events().insert(calendarId=cal, body=body, sendUpdates="none",
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
            current = self._api.call(email, lambda s: s.events().get(calendarId=cal, eventId=event_id), read=False)
        except GoogleCalendarError as exc:
            if exc.reason in ("notFound", "deleted") or exc.status in (404, 410):
                raise EventGone() from exc
            raise
        if current.get("status") == "cancelled":
            raise EventGone()
        patch = google_events.changes(current, google_events.body(email, event), email, event)
        if patch:
            try:
                self._api.call(email, lambda s: s.events().patch(calendarId=cal, eventId=event_id, body=patch,
                                                             sendUpdates="none"), read=False)
            except GoogleCalendarError as exc:
                if exc.status == 410:
                    raise EventGone() from exc
                raise
        self.invalidate(agent_id)

    def delete_event(self, agent_id: int, calendar_id: str, event_id: str) -> None:
        cal = google_id(calendar_id)
        try:
            self._api.call(self._email_of(agent_id),
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
                page = self._api.call(email, lambda s, p=page_params: s.events().list(**p), read=False)
            except GoogleCalendarError as exc:
                if exc.reason == "fullSyncRequired" or exc.status == 410:
                    raise SyncTokenExpired() from exc
                raise
            for event in page.get("items", []):
                uid = event.get("extendedProperties", {}).get("private", {}).get("kiteMeetingUid")
                if not uid:
                    continue
                out.append(EventChange(meeting_uid=uid, answer=answer_of(event, email)))
            page_token = page.get("nextPageToken")
            if not page_token:
                return out, page.get("nextSyncToken", "")

    def watch(self, agent_id: int, calendar_id: str, *, channel_id: str, token: str, address: str
              ) -> tuple[str, datetime]:
        """Ask Google to POST to `address` when the calendar's events change. Returns (resource id, expiry)."""
        body = {"id": channel_id, "type": "web_hook", "address": address, "token": token}
        answer = self._api.call(self._email_of(agent_id),
                            lambda s: s.events().watch(calendarId=google_id(calendar_id), body=body), read=False)
        expires = datetime.fromtimestamp(int(answer.get("expiration", "0")) / 1000, UTC)
        return answer.get("resourceId", ""), expires

    def stop_watch(self, agent_id: int, channel_id: str, resource_id: str) -> None:
        try:
            self._api.call(self._email_of(agent_id),
                       lambda s: s.channels().stop(body={"id": channel_id, "resourceId": resource_id}), read=False)
        except GoogleCalendarError as exc:
            if exc.status != 404:  # already expired or stopped
                raise

    def conference(self, agent_id: int, calendar_id: str, event_id: str) -> Conference:
        """The event's Meet conference: its status while Google sets it up, then its video link."""
        email = self._email_of(agent_id)
        try:
            event = self._api.call(email, lambda s: s.events().get(calendarId=google_id(calendar_id), eventId=event_id),
                               read=False)
        except GoogleCalendarError as exc:
            if exc.reason in ("notFound", "deleted") or exc.status in (404, 410):
                raise EventGone() from exc
            raise
        return conference_of(event)

    def event_status(self, agent_id: int, calendar_id: str, event_id: str) -> str:
        email = self._email_of(agent_id)
        try:
            event = self._api.call(email, lambda s: s.events().get(calendarId=google_id(calendar_id), eventId=event_id),
                               read=True)
        except GoogleCalendarError as exc:
            if exc.reason in ("notFound", "deleted"):
                return "deleted"
            raise
        return answer_of(event, email)

