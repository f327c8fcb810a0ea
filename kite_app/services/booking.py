"""Booking: a guest books a meeting. No two live meetings of an agent ever overlap.

`book` checks the request against the agent's rules, then re-checks busy time and inserts the
meeting inside one write-locked transaction; the database refuses an overlap on its own as well
(a trigger on SQLite), so a race between two guests ends with one meeting and one `SlotTaken`.
The checks here (`check_time`, `check_meetings`) serve every later change too (meeting_changes.py).
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kite_app import i18n
from kite_app.domain.accounts import email_error, name_error, normalize_email, time_zone_error
from kite_app.domain.booking_form import Question, check_answers, region_of, utm_tags
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.domain.errors import KiteError, LinkUsed, NotFound, ValidationError
from kite_app.domain.meeting import MAX_SUBJECT, MeetingStatus, SlotTaken, check_free, check_requested_slot
from kite_app.domain.text import msg
from kite_app.persistence import meetings as q
from kite_app.persistence import one_time_links as link_rows
from kite_app.persistence.db import after_commit, must_get, transaction
from kite_app.persistence.models import IdempotencyKey, Meeting, User
from kite_app.providers.calendar import provider_for
from kite_app.providers.calendar.base import CalendarError
from kite_app.providers.calendar.local import LocalCalendarProvider
from kite_app.services import booking_form, meeting_links, meeting_views, notifications, ratelimit, reminders
from kite_app.services.availability import agent_in_one_read, busy_intervals, meeting_reservations
from kite_app.services.calendar_writes import event_data, schedule_calendar_write
from kite_app.services.meeting_views import MeetingView


class LoginRequired(KiteError):
    code = "login_required"


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
    locale_tag: str = ""  # the guest's browser's language tag ("en-US"): the date and time conventions they read
    answers: Mapping[str, Any] = field(default_factory=dict)  # the booking form's, by question id
    utm: Mapping[str, Any] = field(default_factory=dict)  # the page address's parameters with the campaign tags
    holder: str | None = None  # whose held time this may book (kite_app/services/holds.py); others' holds refuse
    one_time_link: int | None = None  # the one-time link booking (used up in the booking's transaction)
    fixed_duration: int | None = None  # a one-time link's own duration, offered or not on the page


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
                           exclude_id: int | None = None, *, now: datetime) -> None:
    """Take the agent's lock, then `check_meetings`."""
    q.lock_agent(s, agent_id)
    check_meetings(s, agent_id, settings, start, duration, exclude_id, now=now)


def check_meetings(s, agent_id: int, settings: CalendarSettings, start: datetime, duration: int,
                   exclude_id: int | None = None, *, now: datetime, holder: str | None = None) -> None:
    """SlotTaken unless the agent's meetings and the times held for other guests than `holder` (each with the
    buffers) leave the time free; the caller holds the agent's lock."""
    rules = settings.rules
    margin = timedelta(minutes=2 * (rules.buffer_before + rules.buffer_after))
    lo, hi = start - margin, start + timedelta(minutes=duration) + margin
    rows = [*q.overlapping_live(s, agent_id, lo, hi, exclude_id=exclude_id),
            *link_rows.holds_overlapping(s, agent_id, lo, hi, now, except_holder=holder)]
    check_free(start, duration, settings, meeting_reservations(rows, settings))


def with_duration(settings: CalendarSettings, minutes: int | None) -> CalendarSettings:
    """`settings` offering only `minutes` (a one-time link's own duration); as they are for None."""
    return settings if minutes is None else replace(settings, durations=(minutes,), default_duration=minutes)


def book(req: BookingRequest, *, now: datetime) -> MeetingView:
    """Book a meeting. Raises TooManyAttempts, NotFound, ValidationError, LoginRequired, SlotUnavailable or
    SlotTaken."""
    ratelimit.check("booking", req.client, now=now.timestamp())
    # An agent whose calendars are all in the database is checked and booked in one transaction; with a
    # calendar on Google the checks' read ends before Google is asked, and the booking is a transaction of
    # its own (see `insert_group`).
    with refusing_overlap(), agent_in_one_read(req.slug, then_write=True) as (agent, page_settings):
        settings = with_duration(page_settings, req.fixed_duration)
        guest = validate_guest(req, settings, "Log in with your email before booking with this agent.",
                               booking_form.page_questions(agent_id=agent["id"]))
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
    answers: list[dict[str, Any]] = field(default_factory=list)  # kite_app/domain/booking_form.py
    utm: dict[str, str] = field(default_factory=dict)


def validate_guest(req: BookingRequest, settings: CalendarSettings, login_message: str,
                   questions: Sequence[Question] = ()) -> Guest:
    """The guest's fields and answers to the page's `questions`, cleaned and checked (ValidationError naming
    every wrong field at once), and their login where it is required."""
    errors: dict[str, str] = {}
    try:
        name, email, subject = _validate_guest(req)
    except ValidationError as exc:
        errors.update(exc.errors)
    language = req.language if req.language in i18n.LANGUAGES else i18n.DEFAULT
    try:
        answers = check_answers(questions, req.answers, language=language, default=i18n.DEFAULT,
                                region=region_of(req.locale_tag))
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if settings.require_guest_login and normalize_email(req.verified_email or "") != email:
        raise LoginRequired(login_message)
    return Guest(name, email, subject, answers, utm_tags(req.utm))


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
                guest_locale_tag=i18n.first_tag(req.locale_tag),
                starts_at=req.start.astimezone(UTC), ends_at=(req.start + timedelta(minutes=duration)).astimezone(UTC),
                status=MeetingStatus.PENDING, created_at=now, updated_at=now, team_id=team_id, meeting_url=url,
                conference="" if i else conference, answers=guest.answers, utm=guest.utm,
            ) for i, (agent_id, _settings) in enumerate(hosts)]
            for meeting, (_agent_id, settings), person in zip(rows, hosts, people, strict=True):
                _write_built_in_event(s, meeting, settings, person)  # a new event: no one else writes it
            if not key:
                for agent_id in ordered:
                    q.lock_agent(s, agent_id)
            for agent_id, settings in hosts:
                check_meetings(s, agent_id, settings, req.start, duration, now=now, holder=req.holder)
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
            if req.one_time_link is not None and not link_rows.use(s, req.one_time_link, rows[0].id, now):
                raise LinkUsed()  # another booking used the link first: this one writes nothing
            if req.holder:
                link_rows.release(s, holder=req.holder)  # the held time is a meeting now
            if key:
                s.add(IdempotencyKey(key=key[:255], meeting_id=rows[0].id, created_at=now))
            view = meeting_views.view(rows[0], people[0], token, now, s)
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
        event_id = provider.create_event(meeting.agent_id, calendar_id, event_data(meeting, agent.language), session=s)
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
        return meeting_views.view(meeting, must_get(s, User, meeting.agent_id), q.new_link(s, meeting.id, now), now, s)


