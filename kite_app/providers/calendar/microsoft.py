"""Microsoft 365 (Exchange Online) calendars, as the calendar provider the services use, through one app
registration with application permissions (microsoft_graph.py: the connection; microsoft_events.py: a meeting
as an event).

Calendar ids are "microsoft:<Graph calendar id>" of the agent's mailbox (the agent's Kite email). Busy time comes
from each calendar's calendarView (occurrences expanded by Graph, times in UTC, paged), cached as Google's; a
team page asks once for all members in `$batch` calls.

Meetings: an organiser cannot accept their own meeting, so the event is created in the scheduling mailbox with
the agent as a required attendee; Exchange puts the invitation in the agent's calendar, where they Accept or
Decline in Outlook or Teams. Their answer is read from the organiser's event. A retried create carries the same
`transactionId` (the meeting's UID), which Exchange uses to make one event, and the event is first looked for by
the UID kept in an extended property. A Yes in Kite is the agent's accept of their own copy (found by iCalUId).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from tzlocal.windows_tz import win_tz

from kite_app.domain.intervals import Interval
from kite_app.providers.calendar import microsoft_events as events
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
from kite_app.providers.calendar.microsoft_graph import GraphConnection, GraphError, error_of, path

PREFIX = "microsoft:"
log = logging.getLogger(__name__)
# times in UTC, bodies as plain text (as Kite writes them: compared before a patch), pages of 200
UTC_TIMES = {"Prefer": 'outlook.timezone="UTC", outlook.body-content-type="text", odata.maxpagesize=200'}
VIEW_FIELDS = "showAs,isCancelled,start,end,organizer"
EVENT_FIELDS = "id,subject,body,start,end,attendees,showAs,isCancelled,location,isOnlineMeeting,onlineMeeting," \
               "iCalUId,transactionId"
ANSWER_WINDOW = timedelta(days=400)  # how far ahead the scheduling mailbox's meetings are read for answers


def graph_id(calendar_id: str) -> str:
    return calendar_id[len(PREFIX):] if calendar_id.startswith(PREFIX) else calendar_id


class MicrosoftCalendarProvider:
    remote = True

    def __init__(self, connection: GraphConnection, *, mailbox: str, email_of: Callable[[int], str],
                 name_of: Callable[[int], str] = lambda _id: ""):
        self._graph = connection
        self.mailbox = mailbox  # the scheduling mailbox: organiser of every meeting
        self._email_of, self._name_of = email_of, name_of
        self._busy_cache = BusyCache()
        self._seen: dict[int, dict[str, datetime]] = {}  # agent -> meetings (UID -> start) of their last `changes`

    # --- calendars and busy time -----------------------------------------------------------------

    def list_calendars(self, agent_id: int) -> list[CalendarInfo]:
        """The agent's Outlook calendars; none when their email is no mailbox of the tenant. Meetings arrive as
        invitations in their default calendar: that one is offered under "Add meetings to"."""
        try:
            found = list(self._graph.pages(path("users", self._email_of(agent_id), "calendars"),
                                           params={"$select": "id,name,isDefaultCalendar,canEdit"}))
        except GraphError as exc:
            if exc.not_found:
                return []
            raise
        found.sort(key=lambda c: (not c.get("isDefaultCalendar", False), c.get("name", "")))
        return [CalendarInfo(id=PREFIX + c["id"], name=c.get("name", ""),
                             writable=bool(c.get("isDefaultCalendar"))) for c in found]

    def busy(self, agent_id: int, calendar_ids: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        ids = tuple(sorted(c for c in calendar_ids if c.startswith(PREFIX)))
        if not ids:
            return []
        lo, hi = day_window(start, end)
        key = (agent_id, ids, lo, hi)
        if (hit := self._busy_cache.fresh(key)) is not None:
            return within(hit, start, end)
        try:
            busy = [b for c in ids for b in self._view(self._email_of(agent_id), c, lo, hi)]
        except GraphError as exc:
            if exc.transient and (stale := self._busy_cache.recent(agent_id, ids, start, end)) is not None:
                return stale  # Microsoft is down: the last known busy time is recent enough
            raise
        self._busy_cache.put(key, sorted(busy))
        return within(sorted(busy), start, end)

    def _view_path(self, email: str, calendar_id: str, start: datetime, end: datetime) -> str:
        query = urlencode({"startDateTime": start.astimezone(UTC).isoformat(),
                           "endDateTime": end.astimezone(UTC).isoformat(), "$select": VIEW_FIELDS})
        return path("users", email, "calendars", graph_id(calendar_id), "calendarView") + "?" + query

    def _view(self, email: str, calendar_id: str, start: datetime, end: datetime) -> list[Interval]:
        """Busy time of one calendar (an unreadable one is an error, never free time)."""
        try:
            return events.busy_of(list(self._graph.pages(self._view_path(email, calendar_id, start, end),
                                                         headers=UTC_TIMES)), self.mailbox)
        except GraphError as exc:
            if exc.not_found:
                raise GraphError(f"Calendar {calendar_id} of {email} cannot be read", "calendarGone",
                                 transient=False, status=404) from exc
            raise

    def prefetch_busy(self, wanted: Sequence[tuple[int, Sequence[str]]], start: datetime, end: datetime) -> None:
        """Busy time of a team's members in `$batch` calls (20 calendars each). A member whose calendar could
        not be read that way, or whose answer has more pages, is left to their own `busy`."""
        lo, hi = day_window(start, end)
        todo = {}
        for agent_id, calendar_ids in wanted:
            ids = tuple(sorted(c for c in calendar_ids if c.startswith(PREFIX)))
            if ids and self._busy_cache.fresh((agent_id, ids, lo, hi)) is None:
                todo[agent_id] = ids
        if len(todo) < 2:
            return
        asks = [(agent_id, c) for agent_id, ids in todo.items() for c in ids]
        requests_ = [{"id": str(n), "method": "GET", "headers": UTC_TIMES,
                      "url": self._view_path(self._email_of(agent_id), c, lo, hi)}
                     for n, (agent_id, c) in enumerate(asks)]
        try:
            answers = self._graph.batch(requests_)
        except GraphError as exc:
            log.info("team busy time in one batch failed (%s); each member is asked on their own", exc)
            return
        per_agent: dict[int, list[Interval]] = {}
        failed: set[int] = set()
        for n, (agent_id, _c) in enumerate(asks):
            answer = answers.get(str(n), {})
            if int(answer.get("status", 0)) != 200 or (answer.get("body") or {}).get("@odata.nextLink"):
                if answer and int(answer.get("status", 0)) != 200:
                    log.info("busy time of agent %s in a batch: %s", agent_id, error_of(answer))
                failed.add(agent_id)
                continue
            per_agent.setdefault(agent_id, []).extend(events.busy_of(answer["body"].get("value", []), self.mailbox))
        for agent_id, ids in todo.items():
            if agent_id not in failed:
                self._busy_cache.put((agent_id, ids, lo, hi), sorted(per_agent.get(agent_id, [])))

    def unreadable(self, agent_id: int, calendar_ids: Sequence[str]) -> list[str]:
        """Which of these calendars the agent's mailbox no longer has (deleted)."""
        ids = [c for c in calendar_ids if c.startswith(PREFIX)]
        if not ids:
            return []
        have = {c["id"] for c in self.list_calendars(agent_id)}
        return [c for c in ids if c not in have]

    def invalidate(self, agent_id: int) -> None:
        self._busy_cache.invalidate(agent_id)

    def mailbox_zone(self, agent_id: int) -> str:
        """The IANA name of the agent's mailbox time zone, which Exchange names the Windows way ("W. Europe
        Standard Time" is Europe/Berlin, by CLDR's windowsZones); "" when unknown or unreadable."""
        try:
            answer = self._graph.call("GET", path("users", self._email_of(agent_id), "mailboxSettings", "timeZone"),
                                      read=True)
        except GraphError:
            return ""
        name = str(answer.get("value", ""))
        return name if "/" in name else win_tz.get(name, "")  # a mailbox may also hold an IANA name

    # --- meeting events: organised by the scheduling mailbox -------------------------------------------

    def _event_path(self, event_id: str = "") -> str:
        return path("users", self.mailbox, "events", *([event_id] if event_id else []))

    def _find(self, uid: str) -> dict | None:
        """The organiser's event of a meeting, by the meeting's UID kept on it (an earlier create whose answer was
        lost)."""
        found = self._graph.pages(self._event_path(), read=False, params={
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{events.UID_PROPERTY}' and ep/value eq "
                       f"'{uid}')", "$select": "id"})
        return next(iter(found), None)

    def _get(self, event_id: str, *, read: bool = False) -> dict:
        try:
            current = self._graph.call("GET", self._event_path(event_id), read=read,
                                       params={"$select": EVENT_FIELDS}, headers=UTC_TIMES)
        except GraphError as exc:
            if exc.not_found:
                raise EventGone() from exc
            raise
        if current.get("isCancelled"):
            raise EventGone()
        return current

    def create_event(self, agent_id: int, calendar_id: str, event: EventData) -> str:
        if (existing := self._find(event.uid)) is not None:
            self.update_event(agent_id, calendar_id, existing["id"], event)
            return existing["id"]
        wanted = events.body(self._email_of(agent_id), self._name_of(agent_id), event, teams=event.conference)
        created = self._graph.call("POST", self._event_path(), read=False, body=wanted, headers=UTC_TIMES)
        self.invalidate(agent_id)
        return created["id"]

    def update_event(self, agent_id: int, calendar_id: str, event_id: str, event: EventData) -> None:
        """Patch only what changed (Exchange sends the agent the update; a new time asks them again). A Yes
        said in Kite becomes the agent's accept of their copy, so Outlook shows it too."""
        email = self._email_of(agent_id)
        current = self._get(event_id)
        teams = bool(current.get("isOnlineMeeting"))
        patch = events.changes(current, events.body(email, self._name_of(agent_id), event, teams=teams))
        if patch:
            try:
                current = self._graph.call("PATCH", self._event_path(event_id), read=False, body=patch,
                                           headers=UTC_TIMES)
            except GraphError as exc:
                if exc.not_found:
                    raise EventGone() from exc
                raise
        if not event.tentative and events.answer_of(current, email) != "accepted":
            self._accept_as_agent(email, current)
        self.invalidate(agent_id)

    def _accept_as_agent(self, email: str, organisers: dict) -> None:
        """The agent's Yes given in Kite: accept the invitation in their own calendar."""
        copies = list(self._graph.pages(path("users", email, "events"), read=False, params={
            "$filter": f"iCalUId eq '{organisers.get('iCalUId', '')}'", "$select": "id"}))
        for copy in copies:
            self._graph.call("POST", path("users", email, "events", copy["id"], "accept"), read=False,
                             body={"sendResponse": True})
        if not copies:
            log.warning("the invitation of event %s is not in %s's calendar yet; their Yes stays in Kite",
                        organisers.get("id"), email)

    def delete_event(self, agent_id: int, calendar_id: str, event_id: str) -> None:
        """Delete the organiser's event: Exchange sends the agent the cancellation."""
        try:
            self._graph.call("DELETE", self._event_path(event_id), read=False)
        except GraphError as exc:
            if not exc.not_found:
                raise
        self.invalidate(agent_id)

    def conference(self, agent_id: int, calendar_id: str, event_id: str) -> Conference:
        return events.conference_of(self._get(event_id))

    def event_status(self, agent_id: int, calendar_id: str, event_id: str) -> str:
        try:
            return events.answer_of(self._get(event_id, read=True), self._email_of(agent_id))
        except EventGone:
            return "deleted"

    def changes(self, agent_id: int, calendar_id: str, sync_token: str | None, *, since: datetime
                ) -> tuple[list[EventChange], str]:
        """The agent's answers to the meetings of the scheduling mailbox from `since` on, read whole each time
        (a calendarView of that mailbox), and the meetings gone since the last read as "deleted". What the last
        read saw is kept in memory: after a restart the token counts as expired, so the caller reads everything
        again and asks after each missing event itself."""
        if sync_token and agent_id not in self._seen:
            raise SyncTokenExpired()
        email = self._email_of(agent_id)
        query = {"startDateTime": since.astimezone(UTC).isoformat(),
                 "endDateTime": (since + ANSWER_WINDOW).astimezone(UTC).isoformat(),
                 "$select": "id,start,attendees,isCancelled,transactionId"}
        out, seen = [], {}
        for item in self._graph.pages(path("users", self.mailbox, "calendarView"), params=query, headers=UTC_TIMES,
                                      read=False):
            uid = item.get("transactionId") or ""
            if uid and any(a.get("emailAddress", {}).get("address", "").lower() == email.lower()
                           for a in item.get("attendees", [])):
                out.append(EventChange(meeting_uid=uid, answer=events.answer_of(item, email)))
                seen[uid] = events.parse(item["start"])
        before = self._seen.get(agent_id, {}) if sync_token else {}
        out += [EventChange(meeting_uid=uid, answer="deleted") for uid, start in before.items()
                if uid not in seen and start >= since]
        self._seen[agent_id] = seen
        return out, "seen"

    # --- change notifications: one subscription on the scheduling mailbox's events ---------------------

    def subscribe(self, *, address: str, lifecycle_address: str, client_state: str, expires: datetime) -> dict:
        """Ask Graph to POST to `address` when the scheduling mailbox's events change (Graph first sends
        `address` a validation request, which must be answered within 10 seconds)."""
        return self._graph.call("POST", "/subscriptions", read=False, body={
            "changeType": "created,updated,deleted", "notificationUrl": address,
            "lifecycleNotificationUrl": lifecycle_address, "resource": f"users/{self.mailbox}/events",
            "expirationDateTime": expires.astimezone(UTC).isoformat(), "clientState": client_state})

    def renew_subscription(self, subscription_id: str, expires: datetime) -> bool:
        """Extend a subscription; False when Graph no longer has it."""
        try:
            self._graph.call("PATCH", path("subscriptions", subscription_id), read=False,
                             body={"expirationDateTime": expires.astimezone(UTC).isoformat()})
        except GraphError as exc:
            if exc.not_found:
                return False
            raise
        return True

    def unsubscribe(self, subscription_id: str) -> None:
        try:
            self._graph.call("DELETE", path("subscriptions", subscription_id), read=False)
        except GraphError as exc:
            if not exc.not_found:
                raise

    # Google's per-calendar push channels (services/watches.py) do not apply: the scheduling mailbox has one
    # subscription for the whole installation (services/microsoft_push.py).

    def watch(self, agent_id: int, calendar_id: str, *, channel_id: str, token: str, address: str
              ) -> tuple[str, datetime]:
        raise GraphError("Microsoft 365 pushes changes of the scheduling mailbox, not of one calendar",
                         "notSupported", transient=False)

    def stop_watch(self, agent_id: int, channel_id: str, resource_id: str) -> None:
        return None
