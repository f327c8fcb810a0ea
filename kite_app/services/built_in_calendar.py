"""The built-in calendar: busy blocks by hand, .ics import, and the agent's meetings feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import TypedDict
from zoneinfo import ZoneInfo

from kite_app import i18n
from kite_app.domain.accounts import Actor
from kite_app.domain.availability import local_to_utc
from kite_app.domain.errors import KiteError, NotFound, ValidationError
from kite_app.domain.text import msg
from kite_app.domain.times import short_moment
from kite_app.domain.tokens import token_hash
from kite_app.persistence import calendars as q
from kite_app.persistence.db import must_get, transaction
from kite_app.persistence.models import BusyBlock, LocalCalendar, User
from kite_app.providers.calendar.ics import FeedMeeting, IcsError, meetings_feed, read_busy
from kite_app.providers.calendar.local import PREFIX, local_id
from kite_app.services import ratelimit
from kite_app.services.accounts import require_login

MAX_ICS_BYTES = 5 * 1024 * 1024
IMPORT_HORIZON = timedelta(days=366)
MAX_BLOCK_DAYS = 31


class CalendarView(TypedDict):
    id: str
    name: str
    imported: bool


class BlockView(TypedDict):
    id: int
    calendar: str
    title: str
    start: str  # in the agent's zone, "Mon 7 Dec 2026, 10:00"
    end: str
    meeting_status: str  # "" for a busy block; "pending" or "confirmed" where the row is a meeting's event


def _agent(s, actor: Actor | None) -> User:
    actor = require_login(actor)
    user = s.get(User, actor.user_id)
    if user is None:
        raise NotFound(msg("This account no longer exists."))
    return user


def _label(moment: datetime, zone: ZoneInfo, user: User) -> str:
    return short_moment(moment, zone, year=True, locale=i18n.locale_of(user.language, user.locale_tag))


def parse_local(text: str, zone: ZoneInfo) -> datetime:
    """"2026-12-07T10:00" on the agent's wall clock -> aware UTC (DST-safe). ValueError if malformed."""
    naive = datetime.fromisoformat((text or "").strip())
    if naive.tzinfo is not None:
        raise ValueError("expected a local date and time")
    return datetime.fromtimestamp(local_to_utc(naive.date(), naive.hour * 60 + naive.minute, zone), UTC)


def built_in_calendars(actor: Actor | None) -> list[CalendarView]:
    with transaction(read_only=True) as s:
        user = _agent(s, actor)
        return [CalendarView(id=f"{PREFIX}{c.id}", name=c.name, imported=c.source is not None)
                for c in q.calendars_of(s, user.id)]


def list_blocks(actor: Actor | None, *, now: datetime, limit: int = 200) -> list[BlockView]:
    """Busy blocks that have not ended yet, soonest first, written in the agent's zone."""
    with transaction(read_only=True) as s:
        user = _agent(s, actor)
        zone = ZoneInfo(user.time_zone)
        cals = {c.id: c.name for c in q.calendars_of(s, user.id)}
        blocks = q.blocks_of(s, list(cals), now, limit)
        meetings = q.meeting_statuses(s, user.id, [b.uid for b in blocks if b.uid])
        return [
            BlockView(id=b.id, calendar=cals[b.calendar_id], title=b.title,
                      start=_label(b.starts_at, zone, user), end=_label(b.ends_at, zone, user),
                      meeting_status=meetings.get(b.uid or "", ""))
            for b in blocks
        ]


def add_block(actor: Actor | None, *, calendar_id: str, title: str, start: str, end: str) -> BlockView:
    """Add a busy block; start and end are local date-times in the agent's zone (may span days)."""
    with transaction() as s:
        user = _agent(s, actor)
        zone = ZoneInfo(user.time_zone)
        errors: dict[str, str] = {}
        cal = q.calendar_of(s, user.id, local_id(calendar_id) or -1)
        if cal is None:
            errors["calendar"] = msg("Choose one of your calendars.")
        title = (title or "").strip() or "Busy"
        if len(title) > 200:
            errors["title"] = msg("Use at most 200 characters.")
        starts = ends = None
        try:
            starts = parse_local(start, zone)
        except ValueError:
            errors["start"] = msg("Enter the start date and time.")
        try:
            ends = parse_local(end, zone)
        except ValueError:
            errors["end"] = msg("Enter the end date and time.")
        if starts and ends:
            if ends <= starts:
                errors["end"] = msg("The end must be after the start.")
            elif ends - starts > timedelta(days=MAX_BLOCK_DAYS):
                errors["end"] = msg("A busy block can last at most {count} days.", count=MAX_BLOCK_DAYS)
        if errors or cal is None or starts is None or ends is None:
            raise ValidationError(errors)
        block = BusyBlock(calendar_id=cal.id, title=title, starts_at=starts, ends_at=ends)
        s.add(block)
        s.flush()
        return BlockView(id=block.id, calendar=cal.name, title=title, start=_label(starts, zone, user),
                         end=_label(ends, zone, user),
                         meeting_status="")


def remove_block(actor: Actor | None, block_id: int) -> None:
    with transaction() as s:
        user = _agent(s, actor)
        block = s.get(BusyBlock, block_id)
        if block is None or q.calendar_of(s, user.id, block.calendar_id) is None:
            raise NotFound(msg("This busy block does not exist."))
        if block.uid and q.meeting_statuses(s, user.id, [block.uid]):
            raise KiteError(msg("This is a meeting, not a busy block: change or delete it on the Meetings page."))
        s.delete(block)


def import_ics(actor: Actor | None, *, filename: str, data: bytes, now: datetime) -> tuple[str, int]:
    """Read an .ics file into a built-in calendar of its own (importing the same file again replaces it).

    Recurring events are expanded for the next year. Returns (calendar name, busy events imported).
    """
    if len(data) > MAX_ICS_BYTES:
        raise ValidationError({"file": msg("The file is larger than {count} MB.",
                                           count=MAX_ICS_BYTES // (1024 * 1024))})
    source = PurePosixPath((filename or "calendar.ics").replace("\\", "/")).name[:200] or "calendar.ics"
    with transaction(read_only=True) as s:
        user = _agent(s, actor)
        zone = ZoneInfo(user.time_zone)
    try:
        name, events = read_busy(data, start=now - timedelta(days=1), end=now + IMPORT_HORIZON, zone=zone)
    except IcsError as exc:
        raise ValidationError({"file": exc.args[0]}) from None
    name = name or PurePosixPath(source).stem[:100] or "Imported calendar"
    with transaction() as s:
        cal = next((c for c in q.calendars_of(s, user.id) if c.source == source), None)
        if cal is None:
            cal = LocalCalendar(owner_id=user.id, name=name, source=source)
            s.add(cal)
            s.flush()
        else:
            cal.name = name
            q.clear_calendar(s, cal.id)
        for ev in events:
            s.add(BusyBlock(calendar_id=cal.id, title=ev.title, starts_at=ev.start, ends_at=ev.end, uid=ev.uid[:255]))
    return name, len(events)


def remove_calendar(actor: Actor | None, calendar_id: str) -> None:
    """Remove an imported calendar and its busy blocks (the calendar made with the account stays)."""
    with transaction() as s:
        user = _agent(s, actor)
        cal = q.calendar_of(s, user.id, local_id(calendar_id) or -1)
        if cal is None:
            raise NotFound(msg("This calendar does not exist."))
        if cal.source is None:
            raise KiteError(msg("Only imported calendars can be removed."))
        q.clear_calendar(s, cal.id)
        s.delete(cal)


def meetings_ics(feed_token: str, *, now: datetime, client: str | None = None) -> bytes:
    """The .ics feed behind an agent's secret feed address: meetings from 30 days ago on. The address is
    looked up by its hash; a client that tried too many unknown addresses is refused for a while."""
    ratelimit.looking_up_secret(client, now=now.timestamp())
    with transaction(read_only=True) as s:
        row = q.settings_by_feed(s, token_hash(feed_token)) if feed_token else None
        if row is None:
            ratelimit.unknown_secret(client, now=now.timestamp())
            raise NotFound(msg("Unknown calendar feed."))
        agent = must_get(s, User, row.agent_id)
        meetings = [
            FeedMeeting(uid=m.uid, subject=m.subject, guest_name=m.guest_name, guest_email=m.guest_email,
                        start=m.starts_at, end=m.ends_at, status=m.status, sequence=m.sequence, updated_at=m.updated_at,
                        meeting_url=m.meeting_url)
            for m in q.meetings_since(s, row.agent_id, now - timedelta(days=30))
        ]
    return meetings_feed(meetings, calendar_name=f"Kite meetings · {agent.name}")
