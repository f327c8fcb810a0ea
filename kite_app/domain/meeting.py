"""Meeting states, allowed transitions, and the checks a requested time must pass."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from kite_app.domain.availability import working_stretches
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.domain.errors import KiteError
from kite_app.domain.intervals import Interval, merge, overlaps
from kite_app.domain.slots import days_around, is_slot, window_end
from kite_app.domain.text import msg

MAX_SUBJECT = 200


class MeetingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


LIVE = (MeetingStatus.PENDING, MeetingStatus.CONFIRMED)
TRANSITIONS = {
    MeetingStatus.PENDING: {MeetingStatus.CONFIRMED, MeetingStatus.CANCELLED},
    # a confirmed meeting the guest moves waits for the agent's Yes again
    MeetingStatus.CONFIRMED: {MeetingStatus.PENDING, MeetingStatus.CANCELLED},
    MeetingStatus.CANCELLED: set(),
}


def can_move(current: str, target: str) -> bool:
    return MeetingStatus(target) in TRANSITIONS[MeetingStatus(current)]


class SlotUnavailable(KiteError):
    """The requested time breaks a rule. `code` is stable (API), `message` is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class SlotTaken(KiteError):
    def __init__(self, message: str = msg("Sorry, this time was just taken. Please choose another slot."),
                 code: str = "slot_taken"):
        super().__init__(message)
        self.code = code


def longer_meeting_conflict(old_minutes: int, new_minutes: int) -> SlotTaken:
    """A new duration that runs into busy time: there is no other slot to choose, the meeting stays as it was."""
    return SlotTaken(msg("A {minutes}-minute meeting would overlap busy time, so the meeting keeps its "
                         "{old} minutes.", minutes=new_minutes, old=old_minutes), code="duration_overlaps_busy_time")


def check_requested_slot(
    start: datetime, duration: int, settings: CalendarSettings, agent_zone: ZoneInfo, now: datetime
) -> None:
    """Raise SlotUnavailable naming the first rule that `start` breaks (busy time is not looked at)."""
    if duration not in settings.durations:
        raise SlotUnavailable("duration_not_offered", msg("Choose one of the offered durations."))
    s, n = int(start.timestamp()), int(now.timestamp())
    rules = settings.rules
    if s < n:
        raise SlotUnavailable("slot_in_past", msg("This time is in the past."))
    if s < n + rules.min_notice * 60:
        raise SlotUnavailable("too_soon", msg("Meetings need to be booked at least {count} minutes ahead.",
                                              count=rules.min_notice))
    if s >= window_end(n, agent_zone, rules.window_days):
        raise SlotUnavailable("beyond_window", msg("Meetings can be booked at most {count} days ahead.",
                                                   count=rules.window_days))
    stretches = working_stretches(settings.weekly, settings.overrides, agent_zone, *days_around(s, s + 1, agent_zone))
    working = merge((st.start, st.end) for st in stretches)
    e = s + duration * 60
    if not any(w0 <= s and e <= w1 for w0, w1 in working):
        raise SlotUnavailable("outside_hours", msg("This time is outside the agent's working hours."))
    if not is_slot(stretches, duration=duration, rules=rules, start=s):
        raise SlotUnavailable("slot_off_grid", msg("Choose one of the offered start times."))


def check_free(start: datetime, duration: int, settings: CalendarSettings, busy: Iterable[Interval]) -> None:
    """Raise SlotTaken if the meeting, with the agent's buffers, meets busy time."""
    rules = settings.rules
    s = int(start.timestamp())
    wanted = (s - rules.buffer_before * 60, s + duration * 60 + rules.buffer_after * 60)
    if any(overlaps(wanted, b) for b in busy):
        raise SlotTaken()
