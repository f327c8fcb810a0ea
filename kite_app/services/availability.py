"""Availability: an agent's rules and busy times -> the slots a guest may book, in the guest's zone."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from kite_app import routes
from kite_app.domain.accounts import initials, time_zone_error
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.domain.errors import CalendarUnavailable, ValidationError
from kite_app.domain.intervals import Interval, to_seconds
from kite_app.domain.slots import MAX_DURATION, MIN_DURATION, slots_between
from kite_app.domain.text import msg
from kite_app.domain.times import DAY, DEFAULT_LOCALE, clock, hour_minute, iso_day, steady_offset, utc_iso
from kite_app.persistence import meetings as meeting_rows
from kite_app.persistence import one_time_links as link_rows
from kite_app.persistence.accounts import UserView
from kite_app.persistence.db import reading, transaction
from kite_app.providers.calendar import provider_for
from kite_app.providers.calendar.base import CalendarError
from kite_app.services.calendar_settings import published_agent

log = logging.getLogger(__name__)


class Slot(TypedDict):
    start: str  # ISO 8601, UTC
    date: str  # the guest's local date, YYYY-MM-DD
    time: str  # the guest's wall-clock time, HH:MM
    label: str  # what the guest reads; names the UTC offset where a wall time occurs twice


def label_slots(slots: Iterable[int], zone: ZoneInfo, locale: str = DEFAULT_LOCALE) -> list[Slot]:
    """Write each slot (whole POSIX seconds) in `zone` and the reader's `locale` ("2:30 PM" or "14:30"); a
    time in a repeated hour names its UTC offset. On a day whose offset holds (nearly every day) a slot's
    reading is its seconds plus that offset; around a change of offset each slot is converted on its own."""
    out: list[Slot] = []
    readings: dict[int, tuple[str, str]] = {}  # seconds into a steady local day → ("14:30", its label)
    for s in slots:
        offset = steady_offset(zone, s // DAY)
        if offset is None:
            d = datetime.fromtimestamp(s, zone)
            out.append(Slot(start=utc_iso(s), date=d.date().isoformat(), time=f"{d.hour:02d}:{d.minute:02d}",
                            label=clock(d, locale)))
            continue
        local_day, rest = divmod(s + offset, DAY)
        if rest not in readings:
            hour, minute = rest // 3600, rest % 3600 // 60
            readings[rest] = (f"{hour:02d}:{minute:02d}", hour_minute(hour, minute, locale))
        time, label = readings[rest]
        out.append(Slot(start=utc_iso(s), date=iso_day(local_day), time=time, label=label))
    return out


def busy_intervals(
    agent_id: int, settings: CalendarSettings, start: datetime, end: datetime, *, include_meetings: bool = True,
    exclude_meeting_id: int | None = None, now: datetime | None = None, holder: str | None = None,
) -> list[Interval]:
    """Busy time of every blocking calendar plus (unless told not to) the agent's live meetings and, given `now`,
    the times held for guests other than `holder`."""
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
            meetings = meeting_rows.overlapping_live(s, agent_id, start, end, exclude_id=exclude_meeting_id)
            if now is not None:
                meetings = [*meetings, *link_rows.holds_overlapping(s, agent_id, start, end, now, holder)]
        busy.extend(meeting_reservations(meetings, settings))
    return busy


def meeting_reservations(meetings: Iterable[tuple[datetime, datetime]], settings: CalendarSettings) -> list[Interval]:
    """Each meeting keeps its own buffers: [start - before, end + after]. A new meeting's buffers come on top,
    so two meetings are always at least after + before apart."""
    before, after = settings.rules.buffer_before * 60, settings.rules.buffer_after * 60
    return [(to_seconds(a) - before, to_seconds(b) + after) for a, b in meetings]


def slots_for(
    slug: str, *, start: datetime, end: datetime, duration: int | None, guest_zone: str, now: datetime,
    exclude_meeting_id: int | None = None, any_duration: bool = False, locale: str = DEFAULT_LOCALE,
    holder: str | None = None,
) -> list[Slot]:
    """The slots a guest may book with the agent behind `slug`, starting in [start, end), in the guest's zone.

    `exclude_meeting_id`: a meeting being moved, whose own time counts as free. `holder`: the guest asking, whose
    own held time stays offered to them (others' is not).
    """
    agent, settings = published_agent(slug)
    return _labelled_slots(agent, settings, start=start, end=end, duration=duration, guest_zone=guest_zone, now=now,
                           exclude_meeting_id=exclude_meeting_id, any_duration=any_duration, locale=locale,
                           holder=holder)


def page_and_slots(slug: str, *, start: datetime, end: datetime, duration: int | None, guest_zone: str,
                   now: datetime) -> tuple[BookingPageInfo, list[Slot]]:
    """`booking_page` and `slots_for` together, from one read of the agent and their settings (the REST
    API's slots: one request, one look-up)."""
    with agent_in_one_read(slug) as (agent, settings):
        return _page_info(agent, settings), _labelled_slots(agent, settings, start=start, end=end,
                                                            duration=duration, guest_zone=guest_zone, now=now)


@contextmanager
def agent_in_one_read(slug: str, *, then_write: bool = False) -> Iterator[tuple[UserView, CalendarSettings]]:
    """The published agent and their settings; inside the block, their built-in calendars and meetings are
    read in the same transaction, unless a calendar of theirs is on Google: then that transaction ends at
    once, so that no connection is held while Google answers. `then_write`: the block's writes join that
    transaction too (see `reading`), which commits when the block ends."""
    with ExitStack() as one_read:
        one_read.enter_context(reading(then_write=then_write))
        agent, settings = published_agent(slug)
        if remote_calendars(settings):
            one_read.close()
        yield agent, settings


def remote_calendars(settings: CalendarSettings) -> bool:
    """Whether any of the agent's blocking calendars is asked over the network (Google)."""
    for cal in settings.blocking_calendars:
        try:
            if provider_for(cal).remote:
                return True
        except KeyError:  # its integration is gone: busy_intervals says so
            return True
    return False


def _labelled_slots(agent: UserView, settings: CalendarSettings, *, start: datetime, end: datetime,
                    duration: int | None, guest_zone: str, now: datetime, exclude_meeting_id: int | None = None,
                    any_duration: bool = False, locale: str = DEFAULT_LOCALE, holder: str | None = None) -> list[Slot]:
    duration = checked_duration(settings, duration, guest_zone, any_duration=any_duration)
    slots = agent_slots(agent["id"], agent["time_zone"], settings, start=start, end=end, duration=duration, now=now,
                        exclude_meeting_id=exclude_meeting_id, holder=holder)
    return label_slots(slots, ZoneInfo(guest_zone), locale)


def checked_duration(settings: CalendarSettings, duration: int | None, guest_zone: str, *,
                     any_duration: bool = False) -> int:
    """The duration asked for (the default when none), refused when not offered; the guest's zone checked."""
    duration = settings.default_duration if duration is None else duration
    if duration not in settings.durations and not (any_duration and MIN_DURATION <= duration <= MAX_DURATION):
        raise ValidationError({"duration": msg("Choose one of the offered durations.")})
    if time_zone_error(guest_zone):
        raise ValidationError({"tz": msg("Choose a time zone from the list.")})
    return duration


def agent_slots(agent_id: int, agent_zone: str, settings: CalendarSettings, *, start: datetime, end: datetime,
                duration: int, now: datetime, exclude_meeting_id: int | None = None, holder: str | None = None
                ) -> list[int]:
    """The slot starts (POSIX seconds) the agent is free for under `settings`, in [start, end); a time held for
    another guest than `holder` is not free."""
    margin = timedelta(minutes=2 * (settings.rules.buffer_before + settings.rules.buffer_after) + duration)
    busy = busy_intervals(agent_id, settings, start - margin, end + margin, exclude_meeting_id=exclude_meeting_id,
                          now=now, holder=holder)
    return slots_between(
        weekly=settings.weekly, overrides=settings.overrides, zone=ZoneInfo(agent_zone), busy=busy,
        duration=duration, rules=settings.rules, now=to_seconds(now), start=to_seconds(start), end=to_seconds(end),
    )


class BookingPageInfo(TypedDict):
    agent_name: str
    agent_time_zone: str
    durations: list[int]
    default_duration: int
    window_days: int
    require_login: bool
    description: str  # the agent's few words; "" for a team
    photo: str  # the photo's address, "" for initials
    initials: str


def booking_page(slug: str) -> BookingPageInfo:
    """What a guest needs to start booking with the agent behind `slug`."""
    return _page_info(*published_agent(slug))


def _page_info(agent: UserView, settings: CalendarSettings) -> BookingPageInfo:
    return BookingPageInfo(agent_name=agent["name"], agent_time_zone=agent["time_zone"],
                           durations=list(settings.durations), default_duration=settings.default_duration,
                           window_days=settings.rules.window_days, require_login=settings.require_guest_login,
                           description=agent["description"], initials=initials(agent["name"]),
                           photo=routes.agent_photo_path(agent["slug"], agent["photo_version"]))
