"""CalDAV calendars (Nextcloud, Fastmail, iCloud, mailbox.org, SOGo, Radicale, Baikal, Xandikos...), as the
calendar provider the services use. A calendar's id is "caldav:<account id>:<calendar URL>"; an account is one
server login of one agent (services/caldav_accounts.py keeps them, passwords encrypted).

Busy time: a time-range calendar-query per calendar for a window of whole UTC days, expanded here
(caldav_events.busy_of), cached briefly; while the server is down, busy time up to 15 minutes old still serves
booking. Meetings: an object named after the meeting's UID, created with If-None-Match (a retried create cannot
make a second one), changed with If-Match on its ETag (a 412 reads it again and retries), deleted when the meeting
is. Answers: the agent's PARTSTAT, read with sync-collection (RFC 6578) where the server offers it, else when the
calendar's ctag changed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote, urljoin
from zoneinfo import ZoneInfo

import icalendar

from kite_app.domain.intervals import Interval, merge, to_seconds
from kite_app.providers.calendar import caldav_answers, caldav_events
from kite_app.providers.calendar.base import (
    CalendarInfo,
    Conference,
    EventChange,
    EventData,
    EventGone,
    day_window,
)
from kite_app.providers.calendar.caldav_events import UnreadableObject
from kite_app.providers.calendar.caldav_http import (
    NS,
    Answer,
    CalDAVError,
    Connection,
    Credentials,
    FoundCalendar,
    calendar_query,
    found_props,
    responses,
)
from kite_app.providers.calendar.caldav_http import list_calendars as list_at

PREFIX = "caldav:"
T = TypeVar("T")
log = logging.getLogger(__name__)
CACHE_SECONDS = 60
STALE_SECONDS = 15 * 60  # while a server is down, busy time this old still serves booking
WRITE_TRIES = 3  # a 412 (the object changed meanwhile) reads it again; this many times
MAX_KNOWN_OBJECTS = 5000  # parsed objects kept per calendar between reads


@dataclass(frozen=True)
class Access:
    """What the provider needs of one account: its login and whose it is."""

    account_id: int
    agent_id: int
    credentials: Credentials
    home_url: str
    agent_email: str
    agent_name: str
    zone: str
    addresses: frozenset[str] = field(default_factory=frozenset)  # lower case, without mailto:
    known_calendars: tuple[FoundCalendar, ...] = ()  # as last listed: shown while the server cannot be asked


def calendar_id(account_id: int, url: str) -> str:
    return f"{PREFIX}{account_id}:{url}"


def parse_id(cal_id: str) -> tuple[int, str]:
    """"caldav:3:https://…/work/" -> (3, "https://…/work/"); ValueError for anything else."""
    if not cal_id.startswith(PREFIX):
        raise ValueError(cal_id)
    account, _, url = cal_id[len(PREFIX):].partition(":")
    if not account.isdigit() or not url:
        raise ValueError(cal_id)
    return int(account), url


def object_name(uid: str) -> str:
    """Where a meeting's object lives in the calendar: named after its UID (so a sync's deleted href names it)."""
    return quote(uid, safe="@") + ".ics"


@dataclass
class _Parsed:
    """A calendar object as last read: its ETag, parsed, and its busy time per window it was asked for."""

    etag: str
    calendar: icalendar.Calendar
    busy: dict[tuple, list[Interval]] = field(default_factory=dict)


class PartialListing(CalDAVError):
    """Some accounts' calendars could not be listed: `found` holds the others', `failed` (account id, error)."""

    def __init__(self, found: list[CalendarInfo], failed: list[tuple[int, CalDAVError]]):
        first = failed[0][1]
        super().__init__(str(first), first.reason, transient=first.transient)
        self.found, self.failed = found, failed


class CalDAVCalendarProvider:
    remote = True

    def __init__(self, accounts_of: Callable[[int], list[Access]], *, organizer_email: str,
                 on_unauthorized: Callable[[int], None] = lambda account_id: None, timeout: float = 10):
        self._accounts_of = accounts_of  # an agent's connected accounts
        self._organizer = organizer_email
        self._on_unauthorized = on_unauthorized
        self._timeout = timeout
        self._connections: dict[tuple[int, Credentials], Connection] = {}
        self._busy_cache: dict[tuple, tuple[float, list[Interval], bool]] = {}  # key -> (fetched, busy, fresh)
        self._objects: dict[str, dict[str, _Parsed]] = {}  # calendar URL -> href -> the object as last read
        self._lock = threading.Lock()
        self._parsing = threading.Lock()  # guards _objects

    # --- accounts -----------------------------------------------------------------------------------------------

    def _access(self, agent_id: int, cal_id: str) -> tuple[Access, str]:
        try:
            account_id, url = parse_id(cal_id)
        except ValueError:
            raise CalDAVError(f"{cal_id} is not a CalDAV calendar.", "notFound", transient=False) from None
        access = next((a for a in self._accounts_of(agent_id) if a.account_id == account_id), None)
        if access is None:
            raise CalDAVError("This CalDAV account is not connected any more.", "notFound", transient=False)
        return access, url

    def _conn(self, access: Access) -> Connection:
        key = (access.account_id, access.credentials)
        with self._lock:
            conn = self._connections.get(key)
            if conn is None:
                for old in [k for k in self._connections if k[0] == access.account_id]:
                    self._connections.pop(old).close()
                conn = self._connections[key] = Connection(access.credentials, timeout=self._timeout)
        return conn

    def forget_connections(self) -> None:
        """Close every connection (an account's login changed or it was disconnected); busy time read with it
        is asked again."""
        with self._lock:
            for conn in self._connections.values():
                conn.close()
            self._connections.clear()
            self._busy_cache.clear()
        with self._parsing:
            self._objects.clear()

    def _call(self, access: Access, do: Callable[[Connection], T]) -> T:
        """`do` with the account's connection; a refused login is reported once per change of state."""
        try:
            return do(self._conn(access))
        except CalDAVError as exc:
            if exc.reason == "unauthorized":
                self._on_unauthorized(access.account_id)
            raise

    # --- calendars and busy time ----------------------------------------------------------------------------------

    def list_calendars(self, agent_id: int) -> list[CalendarInfo]:
        """The event calendars of every account of the agent. An account that cannot be listed does not hide
        the others': PartialListing carries what was found and what failed, account by account."""
        found: list[CalendarInfo] = []
        failed: list[tuple[int, CalDAVError]] = []
        for access in self._accounts_of(agent_id):
            try:
                found.extend(self.calendars_of(access))
            except CalDAVError as exc:
                failed.append((access.account_id, exc))
                found.extend(CalendarInfo(id=calendar_id(access.account_id, cal.url), name=cal.name,
                                          writable=cal.writable) for cal in access.known_calendars)
        if failed:
            raise PartialListing(found, failed)
        return found

    def calendars_of(self, access: Access) -> list[CalendarInfo]:
        if not access.home_url:  # an account of one calendar (a server that names no principal)
            url = access.credentials.url
            found = self._call(access, lambda c: list_at(c, url, depth=0))
        else:
            found = self._call(access, lambda c: list_at(c, access.home_url))
        return [CalendarInfo(id=calendar_id(access.account_id, cal.url), name=cal.name, writable=cal.writable)
                for cal in found]

    def busy(self, agent_id: int, calendar_ids: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        lo, hi = day_window(start, end)
        busy: list[Interval] = []
        for cal_id in sorted(c for c in calendar_ids if c.startswith(PREFIX)):
            busy.extend(self._calendar_busy(agent_id, cal_id, lo, hi))
        s, e = to_seconds(start), to_seconds(end)
        return [(a, b) for a, b in busy if a < e and b > s]

    def _calendar_busy(self, agent_id: int, cal_id: str, lo: datetime, hi: datetime) -> list[Interval]:
        key = (agent_id, cal_id, lo, hi)
        now = time.monotonic()
        with self._lock:
            hit = self._busy_cache.get(key)
        if hit and hit[2] and hit[0] + CACHE_SECONDS > now:
            return hit[1]
        try:
            access, url = self._access(agent_id, cal_id)
            busy = self._read_busy(access, url, lo, hi)
        except CalDAVError as exc:
            if exc.transient and exc.reason != "unauthorized" and (stale := self._recent(key)) is not None:
                return stale  # the server is down: the last known busy time is recent enough
            raise
        with self._lock:
            self._busy_cache[key] = (time.monotonic(), busy, True)
            for k in [k for k, v in self._busy_cache.items() if v[0] + STALE_SECONDS < now]:
                del self._busy_cache[k]
        return busy

    def _read_busy(self, access: Access, url: str, lo: datetime, hi: datetime) -> list[Interval]:
        """One calendar-query for the window; an object seen before with the same ETag is not parsed or
        expanded again (a refresh after the short cache costs the server's answer, not the parsing)."""
        status, tree = self._call(access, partial(_report, url=url, body=calendar_query(lo, hi)))
        if tree is None:
            raise CalDAVError(f"The calendar's events cannot be read (the server answered {status}).", "notCalDAV",
                              transient=False, status=status)
        zone, window = ZoneInfo(access.zone), (lo, hi, access.zone, access.addresses)
        returned = responses(tree, url)
        busy: list[Interval] = []
        with self._parsing:  # one reader of the parsed objects at a time (parsing holds the interpreter anyway)
            known = self._objects.setdefault(url, {})
            if len(known) > MAX_KNOWN_OBJECTS:  # objects deleted on the server, or far from the windows asked for
                hrefs = {href for href, _ in returned}
                for gone in [h for h in known if h not in hrefs]:
                    del known[gone]
            for href, response in returned:
                props = found_props(response)
                data = props.findtext("c:calendar-data", namespaces=NS) if props is not None else None
                if not data:
                    continue
                etag = (props.findtext("d:getetag", namespaces=NS) or "").strip() if props is not None else ""
                seen = known.get(href)
                if seen is None or not etag or seen.etag != etag:
                    try:
                        seen = known[href] = _Parsed(etag, caldav_events.parse(data))
                    except UnreadableObject as exc:  # one unreadable event could hide busy time: never guess
                        raise CalDAVError(f"An event of the calendar cannot be read: {exc}", "badEvent",
                                          transient=False) from exc
                if window not in seen.busy:
                    if len(seen.busy) >= 8:
                        seen.busy.pop(next(iter(seen.busy)))
                    seen.busy[window] = caldav_events.object_busy(seen.calendar, start=lo, end=hi, zone=zone,
                                                                  addresses=access.addresses)
                busy.extend(seen.busy[window])
        return merge(busy)

    def _recent(self, key: tuple) -> list[Interval] | None:
        agent_id, cal_id, start, end = key
        now = time.monotonic()
        with self._lock:
            for (a, c, s, e), (fetched, busy, _fresh) in self._busy_cache.items():
                if a == agent_id and c == cal_id and s <= start and e >= end and fetched + STALE_SECONDS > now:
                    return busy
        return None

    def prefetch_busy(self, wanted: Sequence[tuple[int, Sequence[str]]], start: datetime, end: datetime) -> None:
        """A team's page: each member's calendars read side by side (a CalDAV server answers one calendar at a
        time). Failures are left to `busy`, member by member."""
        lo, hi = day_window(start, end)
        todo = [(agent_id, c) for agent_id, ids in wanted for c in ids if c.startswith(PREFIX)]
        if len(todo) < 2:
            return
        threads = [threading.Thread(target=self._quietly, args=(agent_id, c, lo, hi), daemon=True)
                   for agent_id, c in todo[:16]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(self._timeout + 1)

    def _quietly(self, agent_id: int, cal_id: str, lo: datetime, hi: datetime) -> None:
        try:
            self._calendar_busy(agent_id, cal_id, lo, hi)
        except CalDAVError:
            pass  # `busy` says it for this member

    def invalidate(self, agent_id: int) -> None:
        with self._lock:
            for key, (fetched, busy, _fresh) in list(self._busy_cache.items()):
                if key[0] == agent_id:
                    self._busy_cache[key] = (fetched, busy, False)

    def unreadable(self, agent_id: int, calendar_ids: Sequence[str]) -> list[str]:
        """Which of these calendars are gone from the server (deleted) or from Kite (account disconnected)."""
        gone = []
        for cal_id in calendar_ids:
            if not cal_id.startswith(PREFIX):
                continue
            try:
                access, url = self._access(agent_id, cal_id)
                self._call(access, partial(_exists, url=url))
            except CalDAVError as exc:
                if exc.reason == "notFound":
                    gone.append(cal_id)
                # other failures (a refused login, the server down) are said by the listing
        return gone

    # --- meeting events -----------------------------------------------------------------------------------------

    def _object(self, access: Access, event: EventData, partstat: str) -> str:
        return caldav_events.meeting_object(event, agent_name=access.agent_name, agent_email=access.agent_email,
                                            organizer_email=self._organizer, partstat=partstat,
                                            stamp=datetime.now(UTC))

    def create_event(self, agent_id: int, calendar_id: str, event: EventData) -> str:
        access, url = self._access(agent_id, calendar_id)
        href = urljoin(url if url.endswith("/") else url + "/", object_name(event.uid))
        partstat = "NEEDS-ACTION" if event.tentative else "ACCEPTED"
        answer = self._call(access, lambda c: c.request(href, "PUT", self._object(access, event, partstat),
                                                        {"If-None-Match": "*"}))
        if answer.status == 412:  # an earlier try went through: bring that object up to date
            self.update_event(agent_id, calendar_id, href, event)
        else:
            _check_written(answer.status, "create")
        self.invalidate(agent_id)
        return href

    def update_event(self, agent_id: int, calendar_id: str, event_id: str, event: EventData) -> None:
        """Write the meeting over its object. The agent's answer stays unless the time changed (then they are
        asked again) or they said Yes in Kite (then their calendar learns it)."""
        access, url = self._access(agent_id, calendar_id)
        for _ in range(WRITE_TRIES):
            current = self._call(access, lambda c: c.request(event_id, "GET"))
            if current.status in (404, 410):
                self._gone(access, url)
            _check_read(current.status)
            if not event.tentative:
                partstat = "ACCEPTED"
            elif caldav_events.same_time(current.body, event):
                partstat = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE"}.get(
                    caldav_events.answer(current.body, self._addresses(access)), "NEEDS-ACTION")
            else:
                partstat = "NEEDS-ACTION"
            etag = current.headers.get("etag")
            body, condition = self._object(access, event, partstat), {"If-Match": etag} if etag else {}
            answer = self._call(access, partial(_put, url=event_id, body=body, headers=condition))
            if answer.status == 412:
                continue  # changed meanwhile (the agent answered): read it again
            if answer.status in (404, 410):
                self._gone(access, url)
            _check_written(answer.status, "update")
            self.invalidate(agent_id)
            return
        raise CalDAVError("The event kept changing while it was written.", "conflict")

    def _gone(self, access: Access, calendar_url: str) -> NoReturn:
        """The event is not there: deleted by the agent (EventGone, their No), or with its whole calendar (an
        error the agent is told of: their answer was not asked)."""
        try:
            self._call(access, partial(_exists, url=calendar_url))
        except CalDAVError as exc:
            if exc.reason == "notFound":
                raise CalDAVError("The calendar is not on the server any more.", "notFound", transient=False,
                                  status=404) from None
            raise
        raise EventGone()

    def delete_event(self, agent_id: int, calendar_id: str, event_id: str) -> None:
        access, _url = self._access(agent_id, calendar_id)
        answer = self._call(access, lambda c: c.request(event_id, "DELETE"))
        if answer.status not in (200, 204, 404, 410):
            _check_written(answer.status, "delete")
        self.invalidate(agent_id)

    def conference(self, agent_id: int, calendar_id: str, event_id: str) -> Conference:
        return Conference()  # CalDAV has no conferences: meetings use a template or the agent's own link

    def _addresses(self, access: Access) -> frozenset[str]:
        return access.addresses | {access.agent_email.lower()}

    def event_status(self, agent_id: int, calendar_id: str, event_id: str) -> str:
        access, _url = self._access(agent_id, calendar_id)
        current = self._call(access, lambda c: c.request(event_id, "GET"))
        if current.status in (404, 410):
            return "deleted"
        _check_read(current.status)
        return caldav_events.answer(current.body, self._addresses(access))

    def changes(self, agent_id: int, calendar_id: str, sync_token: str | None, *, since: datetime
                ) -> tuple[list[EventChange], str]:
        """Meeting events changed since `sync_token` (caldav_answers.py: sync-collection or ctag)."""
        access, url = self._access(agent_id, calendar_id)
        return caldav_answers.changes(partial(self._call, access), url, sync_token, since=since,
                                      addresses=self._addresses(access))

    def watch(self, agent_id: int, calendar_id: str, *, channel_id: str, token: str, address: str
              ) -> tuple[str, datetime]:
        raise CalDAVError("CalDAV has no push notifications; answers are read periodically.", "unsupported",
                          transient=False)

    def stop_watch(self, agent_id: int, channel_id: str, resource_id: str) -> None:
        return None


def _report(conn: Connection, *, url: str, body: str) -> tuple[int, Any]:
    return conn.report(url, body)


def _exists(conn: Connection, *, url: str) -> None:
    conn.propfind(url, "<d:resourcetype/>")


def _put(conn: Connection, *, url: str, body: str, headers: dict[str, str]) -> Answer:
    return conn.request(url, "PUT", body, headers)


def _check_read(status: int) -> None:
    if status == 403:
        raise CalDAVError("The server does not let this account read the event.", "forbidden", transient=False,
                          status=status)
    if status >= 300:
        raise CalDAVError(f"Reading the event answered {status}.", "server", status=status)


def _check_written(status: int, what: str) -> None:
    if status in (200, 201, 204):
        return
    if status in (403, 405, 409, 415):  # no write access, or the server refuses the object: trying again won't help
        raise CalDAVError(f"The server refused to {what} the event ({status}).", "forbidden", transient=False,
                          status=status)
    if status == 404:
        raise CalDAVError("The calendar is not on the server any more.", "notFound", transient=False, status=status)
    raise CalDAVError(f"The server answered {status} to {what} the event.", "server", status=status)
