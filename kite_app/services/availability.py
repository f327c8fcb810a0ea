"""Availability: an agent's rules and busy times -> the slots a guest may book, in the guest's zone."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from kite_app import config, routes
from kite_app.domain.accounts import Actor, Role, time_zone_error
from kite_app.domain.calendar_settings import CalendarSettings, default_settings, parse_settings, to_form
from kite_app.domain.errors import CalendarUnavailable, NotFound, ValidationError
from kite_app.domain.intervals import Interval, to_seconds
from kite_app.domain.slots import MAX_DURATION, MIN_DURATION, slots_between
from kite_app.domain.times import clock
from kite_app.persistence import calendars as q
from kite_app.persistence.db import transaction
from kite_app.persistence.models import CalendarSettingsRow, User
from kite_app.providers.calendar import all_providers, provider_for
from kite_app.providers.calendar.base import CalendarError, CalendarInfo
from kite_app.services import watches
from kite_app.services.accounts import public_agent, signed_in_agent

log = logging.getLogger(__name__)

AGENTS_ONLY = "Only agents have calendar settings."


class Slot(TypedDict):
    start: str  # ISO 8601, UTC
    date: str  # the guest's local date, YYYY-MM-DD
    time: str  # the guest's wall-clock time, HH:MM
    label: str  # what the guest reads; names the UTC offset where a wall time occurs twice


def label_slots(slots: Iterable[int], zone: ZoneInfo) -> list[Slot]:
    """Write each slot (POSIX seconds) in `zone`; a time in a repeated hour names its UTC offset."""
    out: list[Slot] = []
    for s in slots:
        d = datetime.fromtimestamp(s, zone)
        out.append(Slot(start=datetime.fromtimestamp(s, UTC).isoformat(), date=d.date().isoformat(),
                        time=f"{d.hour:02d}:{d.minute:02d}", label=clock(d)))
    return out


class SettingsView(TypedDict):
    form: dict  # the "Calendar Settings" form, as `parse_settings` reads it
    calendars: list[CalendarInfo]
    calendar_problem: str
    saved: bool
    booking_url: str
    feed_url: str


def _calendars(agent_id: int, blocking: tuple[str, ...] = ()) -> tuple[list[CalendarInfo], str]:
    """Every calendar the agent can choose, and what could not be listed or read (said, not hidden)."""
    found: list[CalendarInfo] = []
    problems: list[str] = []
    for provider in all_providers():
        try:
            found.extend(provider.list_calendars(agent_id))
            lost = provider.unreadable(agent_id, [c for c in blocking if provider_for(c) is provider])
        except (CalendarError, KeyError) as exc:  # a remote calendar service; the built-in calendar still works
            log.warning("calendars of agent %s cannot be listed: %s", agent_id, exc)
            problems.append("Your Google Workspace calendars cannot be listed right now. The built-in calendar "
                            "still works; try again later or ask your admin to test the Google connection.")
            continue
        if lost:
            problems.append(f"Busy time of {', '.join(c.partition(':')[2] for c in lost)} cannot be read: the calendar "
                            "is no longer shared with you or was deleted. Untick it or have it shared again; until "
                            "then guests cannot book with you.")
    return found, " ".join(problems)


def _view(agent: User, row) -> SettingsView:
    saved = CalendarSettings.from_json(row.data) if row else None
    calendars, problem = _calendars(agent.id, saved.blocking_calendars if saved else ())
    settings = saved or default_settings(calendars[0]["id"] if calendars else "")
    return SettingsView(
        form=to_form(settings),
        calendars=calendars,
        calendar_problem=problem,
        saved=row is not None,
        booking_url=routes.booking_url(config.settings.public_url, agent.slug) if row and agent.slug else "",
        feed_url=routes.feed_url(config.settings.public_url, row.feed_token) if row else "",
    )


def calendar_settings(actor: Actor | None) -> SettingsView:
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        row = q.settings_row(s, agent.id)
    return _view(agent, row)


def save_calendar_settings(actor: Actor | None, form: Mapping[str, object], *, now: datetime) -> SettingsView:
    """Validate the whole form and save it, or change nothing and raise ValidationError."""
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
    calendars = _calendars(agent.id)[0]
    settings = parse_settings(form, calendars={c["id"] for c in calendars},
                              writable={c["id"] for c in calendars if c["writable"]})
    with transaction() as s:
        row = q.settings_row(s, agent.id)
        if row is None:
            row = CalendarSettingsRow(agent_id=agent.id, data={}, feed_token=secrets.token_urlsafe(24), updated_at=now)
        row.data, row.updated_at = settings.to_json(), now
        s.add(row)
    watches.ensure_watch(agent.id, settings.destination_calendar, now=now)
    return _view(agent, row)


def booking_link(agent: Mapping) -> str:
    """The agent's public booking address once their calendar settings are saved, else ""."""
    if agent.get("role") != Role.AGENT or not agent.get("slug") or published_settings(agent["id"]) is None:
        return ""
    return routes.booking_url(config.settings.public_url, agent["slug"])


def published_settings(agent_id: int) -> CalendarSettings | None:
    with transaction(read_only=True) as s:
        row = q.settings_row(s, agent_id)
        return CalendarSettings.from_json(row.data) if row else None


def published_agent(slug: str) -> tuple[dict, CalendarSettings]:
    """The agent behind a booking link and their published settings, read together. NotFound for an
    unknown or deactivated agent, and for one who has not opened their calendar yet."""
    with transaction(read_only=True) as s:
        agent = public_agent(slug, session=s)
        row = q.settings_row(s, agent["id"])
    if row is None:
        raise NotFound("This agent has not opened their calendar for booking yet.")
    return agent, CalendarSettings.from_json(row.data)


def busy_intervals(
    agent_id: int, settings: CalendarSettings, start: datetime, end: datetime, *, include_meetings: bool = True,
    exclude_meeting_id: int | None = None,
) -> list[Interval]:
    """Busy time of every blocking calendar plus (unless told not to) the agent's live meetings."""
    by_provider: dict[int, tuple] = {}
    for cal in settings.blocking_calendars:
        provider = provider_for(cal)
        by_provider.setdefault(id(provider), (provider, []))[1].append(cal)
    busy: list[Interval] = []
    for provider, cals in by_provider.values():
        try:
            busy.extend(provider.busy(agent_id, cals, start, end))
        except CalendarError as exc:  # unknown busy time could mean a double booking: offer nothing
            log.warning("busy time of agent %s cannot be read: %s", agent_id, exc)
            raise CalendarUnavailable() from None
    if include_meetings:
        with transaction(read_only=True) as s:
            busy.extend(meeting_reservations(q.live_meetings(s, agent_id, start, end, exclude_id=exclude_meeting_id),
                                             settings))
    return busy


def meeting_reservations(meetings: Iterable[tuple[datetime, datetime]], settings: CalendarSettings) -> list[Interval]:
    """Each meeting keeps its own buffers: [start - before, end + after]. A new meeting's buffers come on top,
    so two meetings are always at least after + before apart."""
    before, after = settings.rules.buffer_before * 60, settings.rules.buffer_after * 60
    return [(to_seconds(a) - before, to_seconds(b) + after) for a, b in meetings]


def slots_for(
    slug: str, *, start: datetime, end: datetime, duration: int | None, guest_zone: str, now: datetime,
    exclude_meeting_id: int | None = None, any_duration: bool = False,
) -> list[Slot]:
    """The slots a guest may book with the agent behind `slug`, starting in [start, end), in the guest's zone.

    `exclude_meeting_id`: a meeting being moved, whose own time counts as free.
    """
    agent, settings = published_agent(slug)
    duration = settings.default_duration if duration is None else duration
    if duration not in settings.durations and not (any_duration and MIN_DURATION <= duration <= MAX_DURATION):
        raise ValidationError({"duration": "Choose one of the offered durations."})
    if time_zone_error(guest_zone):
        raise ValidationError({"tz": "Choose a time zone from the list."})
    margin = timedelta(minutes=2 * (settings.rules.buffer_before + settings.rules.buffer_after) + duration)
    busy = busy_intervals(agent["id"], settings, start - margin, end + margin, exclude_meeting_id=exclude_meeting_id)
    slots = slots_between(
        weekly=settings.weekly, overrides=settings.overrides, zone=ZoneInfo(agent["time_zone"]), busy=busy,
        duration=duration, rules=settings.rules, now=to_seconds(now), start=to_seconds(start), end=to_seconds(end),
    )
    return label_slots(slots, ZoneInfo(guest_zone))


class BookingPageInfo(TypedDict):
    agent_name: str
    agent_time_zone: str
    durations: list[int]
    default_duration: int
    window_days: int
    require_login: bool


def booking_page(slug: str) -> BookingPageInfo:
    """What a guest needs to start booking with the agent behind `slug`."""
    agent, settings = published_agent(slug)
    return BookingPageInfo(agent_name=agent["name"], agent_time_zone=agent["time_zone"],
                           durations=list(settings.durations), default_duration=settings.default_duration,
                           window_days=settings.rules.window_days, require_login=settings.require_guest_login)
