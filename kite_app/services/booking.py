"""Booking: guests book, change and delete meetings. No two live meetings of an agent ever overlap.

`book` checks the request against the agent's rules, then re-checks busy time and inserts the
meeting inside one write-locked transaction; the database refuses an overlap on its own as well
(a trigger on SQLite), so a race between two guests ends with one meeting and one `SlotTaken`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kite_app import config, i18n, routes
from kite_app.domain import times
from kite_app.domain.accounts import email_error, name_error, normalize_email, time_zone_error
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.domain.errors import KiteError, NotFound, ValidationError
from kite_app.domain.meeting import (
    LIVE,
    MAX_SUBJECT,
    MeetingStatus,
    SlotTaken,
    can_move,
    check_free,
    check_requested_slot,
    longer_meeting_conflict,
)
from kite_app.domain.slots import MAX_DURATION, MIN_DURATION
from kite_app.domain.teams import TeamRules, member_settings
from kite_app.domain.text import msg
from kite_app.persistence import meetings as q
from kite_app.persistence.db import DATABASE_UNAVAILABLE, after_commit, must_get, transaction
from kite_app.persistence.models import IdempotencyKey, Meeting, Team, User
from kite_app.providers.calendar import provider_for
from kite_app.providers.calendar.base import CalendarError, EventData, EventGone
from kite_app.providers.calendar.ics import Invite, invite
from kite_app.providers.calendar.local import LocalCalendarProvider
from kite_app.services import manage_links, meeting_links, notifications, ratelimit, reminders
from kite_app.services.accounts import public_agent
from kite_app.services.availability import (
    Slot,
    agent_in_one_read,
    agent_slots,
    busy_intervals,
    checked_duration,
    label_slots,
    meeting_reservations,
)
from kite_app.services.calendar_settings import published as published_settings

log = logging.getLogger(__name__)
MAX_BROWSER_LINKS = 200  # manage links one browser may ask about at once ("My meetings")


class LoginRequired(KiteError):
    code = "login_required"


class MeetingView(TypedDict):
    manage_token: str
    agent_name: str  # the host; for a collective team meeting, every host ("Ann Able and Ben Bright")
    agent_slug: str  # the (first) host's
    hosts: list[str]  # every host's slug
    page: str  # the booking page it was booked on: /book/<agent> or /team/<team>
    subject: str
    guest_name: str
    guest_email: str
    time_zone: str  # the guest's
    start: str  # ISO 8601 UTC
    end: str
    duration: int
    status: str
    date_label: str  # in the guest's zone: "Tuesday 1 December 2026"
    time_label: str  # "14:00–14:30 (Europe/Berlin)"
    past: bool
    meeting_url: str  # where it takes place; "" for none (or a Meet conference not ready yet)
    link_pending: bool  # a Google Meet conference is being set up: its link comes by mail
    language: str  # the guest's (kite_app/i18n.py): their pages, mails and notices


@dataclass(frozen=True)
class BookingRequest:
    slug: str
    start: datetime
    duration: int | None
    guest_name: str
    guest_email: str
    guest_time_zone: str
    subject: str = ""
    idempotency_key: str | None = None
    verified_email: str | None = None  # the email a guest proved with a login code on this browser
    client: str | None = None  # the asking client's address (its rate limit); None from inside the app
    language: str = "en"  # the guest's language (kite_app/i18n.py): their mails and notices


def clean_text(text: str, limit: int) -> str:
    """One line of text: control characters dropped (line breaks and tabs become spaces), spaces folded.
    Cut at `limit` + 1 characters, so that the caller can still tell the text was too long. HTML stays
    text; pages and mails escape it when they show it."""
    kept = (" " if ch in "\r\n\t" else ch for ch in (text or "")
            if ch in "\r\n\t" or unicodedata.category(ch) != "Cc")
    return " ".join("".join(kept).split())[: limit + 1]


@contextmanager
def refusing_overlap() -> Iterator[None]:
    """The database refused an overlapping meeting (SQLite trigger or PostgreSQL exclusion constraint):
    a race with another booking, which lost. Said as SlotTaken."""
    try:
        yield
    except IntegrityError as exc:
        text = str(exc.orig)
        if "meeting_overlap" in text or "meetings_no_overlap" in text:
            raise SlotTaken() from None
        raise


def _view(meeting: Meeting, agent: User, token: str, now: datetime, s: Session | None = None) -> MeetingView:
    """The meeting as the guest sees it. Given the session, a collective team meeting names every host and
    is "confirmed" once every host said yes."""
    zone = ZoneInfo(meeting.guest_time_zone)
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    names, slugs, status = [agent.name], [agent.slug or ""], meeting.status
    team = s.get(Team, meeting.team_id) if s is not None and meeting.team_id is not None else None
    page = routes.team_path(team.slug) if team is not None else routes.booking_path(agent.slug or "")
    rows = q.group(s, meeting) if s is not None and team is not None else [meeting]
    if len(rows) > 1 and s is not None:
        hosts = [must_get(s, User, r.agent_id) for r in rows]
        names, slugs = [h.name for h in hosts], [h.slug or "" for h in hosts]
        if meeting.status == MeetingStatus.CONFIRMED and any(r.status != MeetingStatus.CONFIRMED for r in rows):
            status = MeetingStatus.PENDING
    return MeetingView(
        manage_token=token, agent_name=" and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1
        else names[0], agent_slug=slugs[0], hosts=slugs, page=page, subject=meeting.subject,
        guest_name=meeting.guest_name, guest_email=meeting.guest_email, time_zone=meeting.guest_time_zone,
        start=meeting.starts_at.astimezone(UTC).isoformat(), end=meeting.ends_at.astimezone(UTC).isoformat(),
        duration=meeting.duration_minutes, status=status,
        date_label=times.day(start), time_label=f"{times.span(start, end, zone)} ({meeting.guest_time_zone})",
        past=meeting.starts_at <= now,
        meeting_url=meeting.meeting_url if meeting.status in LIVE else "",
        link_pending=meeting.status in LIVE and meeting.conference in ("requested", "pending"),
        language=meeting.guest_language,
    )


def in_locale(view: MeetingView, locale: str) -> MeetingView:
    """`view` with its date and time written in the reader's `locale` (in the guest's zone, as always)."""
    zone = ZoneInfo(view["time_zone"])
    start, end = datetime.fromisoformat(view["start"]), datetime.fromisoformat(view["end"])
    return MeetingView(**{**view, "date_label": times.day(start.astimezone(zone), locale),
                          "time_label": f"{times.span(start, end, zone, locale)} ({view['time_zone']})"})


def _validate_guest(req: BookingRequest) -> tuple[str, str, str]:
    name, email = clean_text(req.guest_name, 100), normalize_email(req.guest_email)
    subject = clean_text(req.subject, MAX_SUBJECT)
    errors: dict[str, str] = {}
    if message := name_error(name):
        errors["guest_name"] = message
    if message := email_error(email):
        errors["guest_email"] = message
    if len(subject) > MAX_SUBJECT:
        errors["subject"] = msg("Use at most {count} characters for the subject.", count=MAX_SUBJECT)
    if time_zone_error(req.guest_time_zone):
        errors["time_zone"] = msg("Choose a time zone from the list.")
    if req.start.tzinfo is None:
        errors["start"] = msg("Give the start time with its UTC offset.")
    if errors:
        raise ValidationError(errors)
    return name, email, subject


def check_time(agent: Mapping[str, Any], settings: CalendarSettings, start: datetime, duration: int, now: datetime,
                exclude_meeting: int | None = None) -> None:
    """Rules first (clear 422s), then the agent's calendars (409 if busy). Meetings are checked under the lock."""
    check_requested_slot(start, duration, settings, ZoneInfo(agent["time_zone"]), now)
    margin = timedelta(minutes=settings.rules.buffer_before + settings.rules.buffer_after + duration)
    calendar_busy = busy_intervals(agent["id"], settings, start - margin, start + margin, include_meetings=False)
    check_free(start, duration, settings, calendar_busy)


def check_meetings_locked(s, agent_id: int, settings: CalendarSettings, start: datetime, duration: int,
                           exclude_id: int | None = None) -> None:
    """Take the agent's lock, then `check_meetings`."""
    q.lock_agent(s, agent_id)
    check_meetings(s, agent_id, settings, start, duration, exclude_id)


def check_meetings(s, agent_id: int, settings: CalendarSettings, start: datetime, duration: int,
                   exclude_id: int | None = None) -> None:
    """SlotTaken unless the agent's meetings (with their buffers) leave the time free; the caller holds the
    agent's lock."""
    rules = settings.rules
    margin = timedelta(minutes=2 * (rules.buffer_before + rules.buffer_after))
    rows = q.overlapping_live(s, agent_id, start - margin, start + timedelta(minutes=duration) + margin,
                              exclude_id=exclude_id)
    check_free(start, duration, settings, meeting_reservations(rows, settings))


def _event(meeting: Meeting, language: str) -> EventData:
    """The meeting as an event in the agent's calendar, its texts in the agent's `language`."""
    tr = partial(i18n.say, language or i18n.DEFAULT)
    title = meeting.subject or tr("Meeting with {name}").format(name=meeting.guest_name)
    join = tr("Join the meeting") + f": {meeting.meeting_url}" if meeting.meeting_url and not meeting.conference else ""
    booked = tr("Booked by {guest} with Kite Scheduler").format(guest=f"{meeting.guest_name} <{meeting.guest_email}>")
    return EventData(uid=meeting.uid, title=title, start=meeting.starts_at, end=meeting.ends_at,
                     description=booked + (f"\n\n{join}" if join else ""),
                     guest_email=meeting.guest_email, tentative=meeting.status == MeetingStatus.PENDING,
                     location="" if meeting.conference else meeting.meeting_url,
                     conference=meeting.conference == "requested",
                     conference_request_id="kite-" + hashlib.sha256(meeting.uid.encode()).hexdigest()[:40])


_writer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="calendar-write")
_pending: set[Future] = set()
_pending_lock = threading.Lock()


def schedule_calendar_write(meeting_id: int, settings: CalendarSettings | None) -> None:
    """After a change is committed: the built-in calendar is written in this request; a remote one
    (Google) in the background, so that a guest never waits on it. A write that fails waits in the
    database for `retry_calendar_writes`."""
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
        calendar_id = meeting.calendar_id or (settings.destination_calendar if settings else None)
    try:
        remote = calendar_id is not None and provider_for(calendar_id).remote
    except KeyError:  # the calendar's integration is gone; the retry job reports it
        remote = False
    if not remote:
        write_calendar_event(meeting_id, settings)
        return
    future = _writer.submit(write_calendar_event, meeting_id, settings)
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def flush_calendar_writes(timeout: float = 60) -> None:
    """Wait for the background calendar writes started so far (at shutdown; tests)."""
    deadline = time.monotonic() + timeout
    while True:
        with _pending_lock:
            pending = list(_pending)
        if not pending or time.monotonic() > deadline:
            return
        wait(pending, timeout=max(0.1, deadline - time.monotonic()))


def write_calendar_event(meeting_id: int, settings: CalendarSettings | None = None) -> bool:
    """Bring the meeting's calendar event up to date. A failure (the calendar or the database is down)
    leaves the booking standing and the write waiting: `retry_calendar_writes` tries again until it
    succeeds. Both are expected conditions: one warning line, no traceback. A write that can never
    succeed (no write access) is not retried: the agent gets a notice. An event the agent deleted in
    their calendar counts as their No."""
    try:
        return _write_calendar_event(meeting_id, settings)
    except DATABASE_UNAVAILABLE as exc:
        log.warning("calendar write for meeting %s waits: the database is unavailable (%s); it will be retried",
                    meeting_id, type(exc).__name__)
        return False


def _write_calendar_event(meeting_id: int, settings: CalendarSettings | None) -> bool:
    settings = settings or published_settings_any(meeting_id)
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
        language = must_get(s, User, meeting.agent_id).language
    calendar_id = meeting.calendar_id or (settings.destination_calendar if settings else None)
    event_id = meeting.calendar_event_id
    try:
        if calendar_id is None:
            pass
        elif meeting.status not in LIVE:
            if event_id:
                provider_for(calendar_id).delete_event(meeting.agent_id, calendar_id, event_id)
        elif event_id:
            provider_for(calendar_id).update_event(meeting.agent_id, calendar_id, event_id, _event(meeting, language))
        else:
            event_id = provider_for(calendar_id).create_event(meeting.agent_id, calendar_id, _event(meeting, language))
    except DATABASE_UNAVAILABLE:
        raise
    except EventGone:
        _deleted_in_calendar(meeting_id)
        return True
    except CalendarError as exc:
        if exc.transient:
            log.warning("calendar write for meeting %s failed (%s); it will be retried", meeting_id, exc)
            return False
        log.warning("calendar write for meeting %s can never succeed (%s); the agent is told", meeting_id, exc)
        _give_up_calendar_write(meeting_id, calendar_id or "", exc)
        return False
    except Exception as exc:  # the calendar is outside our control; the meeting itself is safe in the database
        log.warning("calendar write for meeting %s failed (%s: %s); it will be retried", meeting_id,
                    type(exc).__name__, exc)
        return False
    with transaction() as s:
        row = must_get(s, Meeting, meeting_id)
        row.calendar_id, row.calendar_event_id = calendar_id, event_id
        row.calendar_synced_seq = meeting.sequence
        s.add(row)
    if meeting.conference in ("requested", "pending") and meeting.status in LIVE and event_id and calendar_id:
        refresh_conference(meeting_id)
    return True


def refresh_conference(meeting_id: int) -> str:
    """Read the meeting's Google Meet conference from its event: once Google has it ready, its link becomes
    the meeting's (for every host of a collective meeting) and both sides are told, with the link. Returns
    the conference's status; a failure to ask is left for the next run."""
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
    if not (meeting.calendar_id and meeting.calendar_event_id):
        return meeting.conference
    try:
        found = provider_for(meeting.calendar_id).conference(meeting.agent_id, meeting.calendar_id,
                                                             meeting.calendar_event_id)
    except EventGone:
        return meeting.conference  # the write path deals with a deleted event
    except CalendarError as exc:
        log.warning("conference of meeting %s cannot be read now (%s); asked again later", meeting_id, exc)
        return meeting.conference
    status = found.status or "failed"  # an event without a conference after asking: Google refused
    now = datetime.now(UTC)
    with transaction() as s:
        row = must_get(s, Meeting, meeting_id)
        if row.conference not in ("requested", "pending"):
            return row.conference  # another worker got there first
        row.conference = status
        if status == "ready":
            for host_row in q.group(s, row):
                host_row.meeting_url = found.url
                host_row.conference = "ready" if host_row.id == row.id else host_row.conference
                s.add(host_row)
                if host_row.status in LIVE:
                    notifications.record(s, host_row, must_get(s, User, host_row.agent_id), "link_ready",
                                         by="system", now=now, meeting_url=found.url)
        elif status == "failed":
            log.warning("Google could not add a Meet conference to meeting %s", meeting_id)
        s.add(row)
    return status


def _deleted_in_calendar(meeting_id: int) -> None:
    """The agent deleted the meeting's event in their calendar: as their No (pending) or their delete."""
    now = datetime.now(UTC)
    with transaction() as s:
        row = must_get(s, Meeting, meeting_id)
        row.calendar_synced_seq, status = row.sequence, row.status  # nothing waits on the gone event
        s.add(row)
    try:
        if status == MeetingStatus.PENDING:
            confirm_meeting(meeting_id, now=now, answer=False)
        elif status == MeetingStatus.CONFIRMED:
            delete_meeting(meeting_id, by="agent", now=now)
    except KiteError as exc:  # it has begun meanwhile: it stays as it is
        log.info("meeting %s: its event was deleted in the calendar, left as is (%s)", meeting_id, exc.message)


def _give_up_calendar_write(meeting_id: int, calendar_id: str, exc: CalendarError) -> None:
    """Stop retrying a write that cannot succeed and tell the agent; the meeting stands in Kite."""
    now = datetime.now(UTC)
    with transaction() as s:
        row = must_get(s, Meeting, meeting_id)
        row.calendar_synced_seq = row.sequence  # a later change of the meeting tries again
        s.add(row)
        notifications.record_for_agent(s, row, must_get(s, User, row.agent_id), "calendar_failed", now=now,
                                       calendar=calendar_id.partition(":")[2] or calendar_id, reason=str(exc))


def published_settings_any(meeting_id: int) -> CalendarSettings | None:
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
    return meeting_settings(meeting)


def book(req: BookingRequest, *, now: datetime) -> MeetingView:
    """Book a meeting. Raises TooManyAttempts, NotFound, ValidationError, LoginRequired, SlotUnavailable or
    SlotTaken."""
    ratelimit.check("booking", req.client, now=now.timestamp())
    # An agent whose calendars are all in the database is checked and booked in one transaction; with a
    # calendar on Google the checks' read ends before Google is asked, and the booking is a transaction of
    # its own (see `insert_group`).
    with refusing_overlap(), agent_in_one_read(req.slug, then_write=True) as (agent, settings):
        guest = validate_guest(req, settings, "Log in with your email before booking with this agent.")
        duration = settings.default_duration if req.duration is None else req.duration
        req = replace(req, start=req.start.astimezone(UTC))  # UTC arithmetic from here: +30 min is 30 real minutes
        key = f"{agent['id']}:{req.idempotency_key}" if req.idempotency_key else None
        if key and was_booked(key):
            return again(key, now)
        check_time(agent, settings, req.start, duration, now)
        return insert_meeting(agent["id"], settings, req, guest, duration, now=now, key=key)


@dataclass(frozen=True)
class Guest:
    name: str
    email: str
    subject: str


def validate_guest(req: BookingRequest, settings: CalendarSettings, login_message: str) -> Guest:
    """The guest's fields, cleaned and checked (ValidationError), and their login where it is required."""
    name, email, subject = _validate_guest(req)
    if settings.require_guest_login and normalize_email(req.verified_email or "") != email:
        raise LoginRequired(login_message)
    return Guest(name, email, subject)


def was_booked(key: str) -> bool:
    """Whether a request with this idempotency key already booked."""
    with transaction(read_only=True) as s:
        return q.idempotent(s, key) is not None


def insert_meeting(agent_id: int, settings: CalendarSettings, req: BookingRequest, guest: Guest, duration: int, *,
                   now: datetime, key: str | None, team_id: int | None = None) -> MeetingView:
    """Write the meeting for `agent_id` after the checks that need no lock passed (see `insert_group`)."""
    return insert_group([(agent_id, settings)], req, guest, duration, now=now, key=key, team_id=team_id)


def insert_group(hosts: list[tuple[int, CalendarSettings]], req: BookingRequest, guest: Guest, duration: int, *,
                 now: datetime, key: str | None, team_id: int | None = None) -> MeetingView:
    """Write the meeting with each of `hosts` (one, but every member for a collective team) after the checks
    that need no lock passed, in one transaction: what no other request touches first (the hosts and the
    meeting-link rules read, the built-in calendar's new events), then under the hosts' locks (taken in one
    order) their meetings are checked again (SlotTaken if one took the time) and one row per host, the
    guest's link, notices, mails and reminders are written. Remote calendar events follow the commit."""
    ordered = sorted(a for a, _ in hosts)
    with refusing_overlap(), transaction() as s:
        retried = False
        if key:  # a retry with the same key waits here for the first request, and writes nothing
            for agent_id in ordered:
                q.lock_agent(s, agent_id)
            retried = q.idempotent(s, key) is not None
        if not retried:
            people = [must_get(s, User, agent_id) for agent_id, _settings in hosts]
            names = [p.name for p in people]
            together = " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else ""
            # one place for the whole meeting (a collective meeting's Meet conference is the first host's)
            first = hosts[0][1]
            url, conference = meeting_links.for_new_meeting(s, first.meeting_link,
                                                            destination=first.destination_calendar,
                                                            video_url=people[0].video_url)
            rows = [Meeting(
                uid=f"{secrets.token_hex(16)}@kite", agent_id=agent_id, guest_name=guest.name,
                guest_email=guest.email, guest_time_zone=req.guest_time_zone, subject=guest.subject,
                guest_language=req.language if req.language in i18n.LANGUAGES else i18n.DEFAULT,
                starts_at=req.start.astimezone(UTC), ends_at=(req.start + timedelta(minutes=duration)).astimezone(UTC),
                status=MeetingStatus.PENDING, created_at=now, updated_at=now, team_id=team_id, meeting_url=url,
                conference="" if i else conference,
            ) for i, (agent_id, _settings) in enumerate(hosts)]
            for meeting, (_agent_id, settings), person in zip(rows, hosts, people, strict=True):
                _write_built_in_event(s, meeting, settings, person)  # a new event: no one else writes it
            if not key:
                for agent_id in ordered:
                    q.lock_agent(s, agent_id)
            for agent_id, settings in hosts:
                check_meetings(s, agent_id, settings, req.start, duration)
            token = ""
            for meeting, (_agent_id, settings), person in zip(rows, hosts, people, strict=True):
                meeting.host_of = rows[0].id if meeting is not rows[0] else None
                s.add(meeting)
                s.flush()
                if meeting is rows[0]:  # the guest's one link: in their mail and in the confirmation
                    token = q.new_link(s, meeting.id, now)
                notifications.record(s, meeting, person, "booked", by="guest", now=now, guest_link=token,
                                     hosts=together, meeting_url=url)
                reminders.schedule(s, meeting, settings.reminders, now, new=True)
            if key:
                s.add(IdempotencyKey(key=key[:255], meeting_id=rows[0].id, created_at=now))
            view = _view(rows[0], people[0], token, now, s)
            for row, (_agent_id, settings) in zip(rows, hosts, strict=True):
                if row.calendar_event_id is None:
                    after_commit(s, partial(schedule_calendar_write, row.id, settings))
    if retried:
        return again(key or "", now)
    return view


def _write_built_in_event(s: Session, meeting: Meeting, settings: CalendarSettings, agent: User) -> None:
    """A new meeting bound for the built-in calendar gets its event in the booking's own transaction: the
    two commit together and nothing is left to write. Other calendars (Google) are written after the
    commit, in the background; so is an event the built-in calendar refuses (its write reports why)."""
    calendar_id = settings.destination_calendar
    if not calendar_id or meeting.conference:
        return
    try:
        provider = provider_for(calendar_id)
    except KeyError:
        return
    if not isinstance(provider, LocalCalendarProvider):
        return
    try:
        event_id = provider.create_event(meeting.agent_id, calendar_id, _event(meeting, agent.language), session=s)
    except CalendarError:
        return
    meeting.calendar_id, meeting.calendar_event_id = calendar_id, event_id
    meeting.calendar_synced_seq = meeting.sequence


def again(key: str, now: datetime) -> MeetingView:
    """A retried request (same Idempotency-Key): the meeting it booked, with a link of its own (links are
    not stored, so the first answer's cannot be repeated; every link opens the same meeting)."""
    with transaction() as s:
        meeting = q.idempotent(s, key)
        if meeting is None:
            raise NotFound(msg("This booking no longer exists."))
        return _view(meeting, must_get(s, User, meeting.agent_id), q.new_link(s, meeting.id, now), now, s)


def view_of(meeting: Meeting, agent: User, now: datetime) -> MeetingView:
    """The meeting as the guest sees it (without a link: theirs are where they were sent)."""
    return _view(meeting, agent, "", now)


def get(token: str, *, now: datetime, client: str | None = None) -> MeetingView:
    with transaction(read_only=True) as s:
        meeting = manage_links.meeting_for(s, token, client=client, now=now)
        return _view(meeting, must_get(s, User, meeting.agent_id), token, now, s)


def set_guest_language(token: str, language: str, *, now: datetime, client: str | None = None) -> MeetingView:
    """The guest changed the language of their pages: their mails and notices follow it from now on."""
    if language not in i18n.LANGUAGES:
        raise ValidationError({"language": msg("Choose one of the offered languages.")})
    with transaction() as s:
        meeting = manage_links.meeting_for(s, token, client=client, now=now)
        for row in q.group(s, meeting):
            row.guest_language = language
            s.add(row)
        return _view(meeting, must_get(s, User, meeting.agent_id), token, now, s)


def calendar_file(token: str, *, now: datetime, client: str | None = None) -> str:
    """The meeting behind `token` as an .ics file for the guest's own calendar (the same UID as the invitations
    they were mailed, so a calendar holds it once)."""
    with transaction(read_only=True) as s:
        meeting = manage_links.meeting_for(s, token, client=client, now=now)
        agent = must_get(s, User, meeting.agent_id)
        link = routes.manage_url(config.settings.public_url, token)
        tr = partial(i18n.say, meeting.guest_language)
        return invite(Invite(
            uid=meeting.uid, sequence=meeting.sequence, method="PUBLISH",
            summary=meeting.subject or tr("Meeting with {name}").format(name=agent.name),
            description=tr("Change or delete the meeting, or write to {name}").format(name=agent.name) + f": {link}",
            start=meeting.starts_at, end=meeting.ends_at, organizer_name=agent.name, organizer_email=agent.email,
            attendee_name=meeting.guest_name, attendee_email=meeting.guest_email, stamp=now,
            confirmed=meeting.status == MeetingStatus.CONFIRMED, cancelled=meeting.status not in LIVE,
            meeting_url=meeting.meeting_url if meeting.status in LIVE else ""))


def my_meetings(tokens: list[str], *, slug: str, verified_email: str | None, now: datetime,
                client: str | None = None) -> list[MeetingView]:
    """Upcoming live meetings with the agent behind `slug`: those whose links this browser holds, and,
    for a guest who logged in, every one booked with their email. Unknown links count as guesses."""
    agent_id = public_agent(slug)["id"]
    return browser_meetings(tokens, lambda m: m.agent_id == agent_id,
                            lambda s, email: q.live_for_guest(s, email, now, agent_id=agent_id),
                            verified_email=verified_email, now=now, client=client)


def browser_meetings(tokens: list[str], belongs: Callable[[Meeting], bool],
                     by_email: Callable[[Session, str], list[Meeting]], *, verified_email: str | None,
                     now: datetime, client: str | None) -> list[MeetingView]:
    """The upcoming live meetings of a booking page (`belongs`) that this browser's links open, and those
    `by_email` finds for a guest who logged in (each with a new link of its own, so they can change or delete
    it here: the browser may be one that cannot keep their links, like a widget on another site)."""
    tokens = [t for t in dict.fromkeys(tokens) if t][:MAX_BROWSER_LINKS]
    if tokens:
        ratelimit.looking_up_secret(client, now=now.timestamp())
    with transaction(read_only=not verified_email) as s:
        meetings = {t: q.by_token(s, t) for t in tokens}
        for _ in range(sum(m is None for m in meetings.values())):
            ratelimit.unknown_secret(client, now=now.timestamp())
        found = {m.id: (m, t) for t, m in meetings.items() if m is not None
                 and belongs(m) and m.status in LIVE and m.ends_at > now}
        if verified_email:
            for m in by_email(s, normalize_email(verified_email)):
                if m.id not in found:
                    found[m.id] = (m, q.new_link(s, m.id, now))
        return [_view(m, must_get(s, User, m.agent_id), t, now, s)
                for m, t in sorted(found.values(), key=lambda mt: mt[0].starts_at)]


def change_slots(token: str, *, start: datetime, end: datetime, duration: int, guest_zone: str,
                 now: datetime, client: str | None = None, locale: str = times.DEFAULT_LOCALE) -> list[Slot]:
    """Slots the meeting behind `token` could move to; its own current time counts as free."""
    with transaction(read_only=True) as s:
        meeting = manage_links.meeting_for(s, token, client=client, now=now)
        agent = must_get(s, User, meeting.agent_id)
    settings = meeting_settings(meeting)
    if settings is None or not agent.active:
        raise NotFound(msg("This agent is not taking bookings any more."))
    duration = checked_duration(settings, duration, guest_zone)
    return label_slots(agent_slots(agent.id, agent.time_zone, settings, start=start, end=end, duration=duration,
                                   now=now, exclude_meeting_id=meeting.id), ZoneInfo(guest_zone), locale)


def meeting_settings(meeting: Meeting) -> CalendarSettings | None:
    """What a meeting's changes follow: its agent's published settings, with its team's rules for a meeting
    booked on a team's page. None when the agent closed their calendar."""
    own = published_settings(meeting.agent_id)
    if own is None or meeting.team_id is None:
        return own
    with transaction(read_only=True) as s:
        team = s.get(Team, meeting.team_id)
    return member_settings(own, TeamRules.from_json(team.data)) if team is not None else own


def change(token: str, *, now: datetime, start: datetime | None = None, duration: int | None = None,
           subject: str | None = None, client: str | None = None) -> MeetingView:
    """A guest changes subject, duration or time. New times pass the same checks as booking, and the
    same rate limit."""
    ratelimit.check("booking", client, now=now.timestamp())
    with transaction(read_only=True) as s:
        meeting_id = manage_links.meeting_for(s, token, client=client, now=now).id
    view = change_meeting(meeting_id, by="guest", now=now, start=start, duration=duration, subject=subject)
    return MeetingView(**{**view, "manage_token": token})


def cancel(token: str, *, now: datetime, client: str | None = None, reason: str = "") -> MeetingView:
    """A guest deletes their meeting (saying why, if they like); its time is free again at once."""
    with transaction(read_only=True) as s:
        meeting_id = manage_links.meeting_for(s, token, client=client, now=now).id
    view = delete_meeting(meeting_id, by="guest", now=now, reason=reason)
    return MeetingView(**{**view, "manage_token": token})


def _changeable(meeting: Meeting, now: datetime) -> None:
    if meeting.status not in LIVE:
        raise ValidationError({"meeting": msg("This meeting was deleted and cannot be changed.")})
    if meeting.starts_at <= now:
        raise ValidationError({"meeting": msg("This meeting has already started and cannot be changed.")})


def change_meeting(meeting_id: int, *, by: str, now: datetime, start: datetime | None = None,
                   duration: int | None = None, subject: str | None = None) -> MeetingView:
    """Change a meeting's time, duration or subject (`by` "guest" or "agent"): the same checks as
    booking, for every host of a collective team meeting; a notice in the conversation, mails to both,
    reminders moved, the calendar events updated."""
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
        rows = q.group(s, meeting)
        hosts = [must_get(s, User, r.agent_id) for r in rows]
    meeting = rows[0]
    _changeable(meeting, now)
    all_settings = [meeting_settings(r) for r in rows]
    for host, settings in zip(hosts, all_settings, strict=True):
        if settings is None or not host.active:
            raise NotFound(msg("{name} is not taking bookings any more.", name=host.name))
    new_subject = meeting.subject if subject is None else clean_text(subject, MAX_SUBJECT)
    if len(new_subject) > MAX_SUBJECT:
        raise ValidationError({"subject": msg("Use at most {count} characters for the subject.", count=MAX_SUBJECT)})
    new_start = meeting.starts_at if start is None else start
    if new_start.tzinfo is None:
        raise ValidationError({"start": msg("Give the start time with its UTC offset.")})
    new_start = new_start.astimezone(UTC)
    old_duration = meeting.duration_minutes
    new_duration = old_duration if duration is None else duration
    time_changed = new_start != meeting.starts_at or new_duration != old_duration
    subject_changed = new_subject != meeting.subject
    if not time_changed and not subject_changed:
        return get_view(meeting_id, now)  # nothing to announce
    longer_only = new_start == meeting.starts_at and new_duration > old_duration
    try:
        return _apply_change(rows, hosts, [st for st in all_settings if st is not None], by=by, now=now,
                             new_start=new_start, new_duration=new_duration, new_subject=new_subject,
                             time_changed=time_changed)
    except SlotTaken:
        if longer_only:
            raise longer_meeting_conflict(old_duration, new_duration) from None
        raise


def _apply_change(rows: list[Meeting], hosts: list[User], all_settings: list[CalendarSettings], *, by: str,
                  now: datetime, new_start: datetime, new_duration: int, new_subject: str,
                  time_changed: bool) -> MeetingView:
    if time_changed:
        checked = []
        for host, settings in zip(hosts, all_settings, strict=True):
            if by == "agent" and new_duration not in settings.durations:
                # an agent may give an existing meeting any length from 15 to 360 minutes
                check_duration_only(new_duration)
                settings = replace(settings, durations=(*settings.durations, new_duration))
            check_time({"id": host.id, "time_zone": host.time_zone}, settings, new_start, new_duration, now)
            checked.append(settings)
        all_settings = checked
    with refusing_overlap(), transaction() as s:
        for agent_id in sorted(h.id for h in hosts):
            q.lock_agent(s, agent_id)
        views = []
        for meeting, host, settings in zip(rows, hosts, all_settings, strict=True):
            row = must_get(s, Meeting, meeting.id)
            _changeable(row, now)
            old, old_subject = (row.starts_at, row.ends_at), row.subject
            if time_changed:
                check_meetings(s, row.agent_id, settings, new_start, new_duration, exclude_id=row.id)
                row.starts_at = new_start.astimezone(UTC)
                row.ends_at = (new_start + timedelta(minutes=new_duration)).astimezone(UTC)
                if by == "guest":
                    row.status = MeetingStatus.PENDING  # a moved meeting waits for the agent's Yes again
            row.subject = new_subject
            views.append(_step(s, row, host, "changed", by=by, now=now, old=old,
                               old_subject=old_subject if new_subject != old_subject else None))
            if time_changed:
                reminders.schedule(s, row, settings.reminders, now)
        view = _view(must_get(s, Meeting, rows[0].id), hosts[0], "", now, s) if len(rows) > 1 else views[0]
    for meeting, settings in zip(rows, all_settings, strict=True):
        schedule_calendar_write(meeting.id, settings)
    return view


def _step(s, meeting: Meeting, agent: User, kind: str, *, by: str, now: datetime,
          status: MeetingStatus | None = None, **change) -> MeetingView:
    """One step in a meeting's life, in the caller's transaction: the new status (where `can_move`
    allows it), a higher SEQUENCE, the notice in the conversation and the mails."""
    if status is not None and status != meeting.status:
        if not can_move(meeting.status, status):
            raise ValidationError({"meeting": msg("A {status} meeting cannot become {new}.",
                                                  status=meeting.status, new=status)})
        meeting.status = status
    meeting.sequence += 1
    meeting.updated_at = now
    s.add(meeting)
    s.flush()
    notifications.record(s, meeting, agent, kind, by=by, now=now, **change)
    return _view(meeting, agent, "", now)  # the guest's own links are where they were sent


def get_view(meeting_id: int, now: datetime) -> MeetingView:
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
        first = q.group(s, meeting)[0]
        return _view(first, must_get(s, User, first.agent_id), "", now, s)


MAX_REASON = 500


def checked_reason(reason: str) -> str:
    """Why a meeting is deleted, as the other side will read it: one paragraph of at most MAX_REASON characters."""
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": msg("Keep the reason under {count} characters.", count=MAX_REASON)})
    return reason


def check_duration_only(minutes: int) -> None:
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise ValidationError({"duration": msg("A meeting lasts {low} to {high} minutes.",
                                               low=MIN_DURATION, high=MAX_DURATION)})


def delete_meeting(meeting_id: int, *, by: str, now: datetime, kind: str = "deleted",
                   reason: str = "") -> MeetingView:
    """Delete a meeting (`by` "guest" or "agent"), with every host of a collective team meeting: its time
    is free again at once, both sides hear of it, with the `reason` given (`kind` "declined" for the agent's
    No to a pending meeting: the guest is told)."""
    facts = {"reason": checked_reason(reason)} if reason.strip() else {}
    with transaction() as s:
        meeting = must_get(s, Meeting, meeting_id)
        if meeting.status not in LIVE:
            raise ValidationError({"meeting": msg("This meeting was already deleted.")})
        if meeting.starts_at <= now:
            raise ValidationError({"meeting": msg("This meeting has already started and cannot be deleted.")})
        views, written = [], []
        for row in q.group(s, meeting):
            if row.status not in LIVE:
                continue
            views.append(_step(s, row, must_get(s, User, row.agent_id), kind, by=by, now=now,
                               status=MeetingStatus.CANCELLED, **facts))
            reminders.cancel(s, row.id)
            written.append((row.id, row.agent_id))
    for row_id, agent_id in written:
        settings = published_settings(agent_id)
        if settings is not None:
            schedule_calendar_write(row_id, settings)
    return views[0]


def confirm_meeting(meeting_id: int, *, now: datetime, answer: bool = True) -> MeetingView:
    """The agent's Yes (or No): "Pending" becomes "Confirmed"; No deletes it and tells the guest. A
    collective team meeting is confirmed for the guest once every host said yes (each host's Yes is a
    notice in their conversation)."""
    if not answer:
        with transaction(read_only=True) as s:
            pending = must_get(s, Meeting, meeting_id).status == MeetingStatus.PENDING
        if not pending:
            raise ValidationError({"meeting": msg("Only a pending meeting can be declined.")})
        return delete_meeting(meeting_id, by="agent", now=now, kind="declined")
    with transaction() as s:
        meeting = must_get(s, Meeting, meeting_id)
        _changeable(meeting, now)
        if meeting.status == MeetingStatus.CONFIRMED:
            raise ValidationError({"meeting": msg("This meeting is already confirmed.")})
        agent = must_get(s, User, meeting.agent_id)
        rows = q.group(s, meeting)
        if len(rows) == 1:
            view = _step(s, meeting, agent, "confirmed", by="agent", now=now, status=MeetingStatus.CONFIRMED)
        else:
            others = sum(r.status == MeetingStatus.CONFIRMED for r in rows if r.id != meeting.id)
            view = _step(s, meeting, agent, "confirmed", by="agent", now=now, status=MeetingStatus.CONFIRMED,
                         recipients=(), answered=f"{others + 1} of {len(rows)} hosts")
            if all(r.status == MeetingStatus.CONFIRMED for r in rows):  # the last Yes: the guest hears of it
                notifications.record(s, rows[0], must_get(s, User, rows[0].agent_id), "confirmed", by="agent",
                                     now=now, recipients=("guest",), all_hosts="yes")
    settings = published_settings(agent.id)
    if settings is not None:
        schedule_calendar_write(meeting_id, settings)
    return view
