"""An agent's meetings: "Confirm", "Change duration", "Reschedule", "Delete"."""

from __future__ import annotations

from datetime import datetime, timedelta

from kite_app import i18n
from kite_app.domain.accounts import Actor
from kite_app.domain.errors import NotFound, ValidationError
from kite_app.domain.meeting import MeetingStatus
from kite_app.domain.text import msg
from kite_app.domain.times import DEFAULT_LOCALE
from kite_app.persistence import conversations as conversation_rows
from kite_app.persistence import meetings as meeting_rows
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, User
from kite_app.services import meeting_changes
from kite_app.services.accounts import signed_in_agent
from kite_app.services.availability import Slot, slots_for
from kite_app.services.calendar_settings import meeting_settings
from kite_app.services.conversations import MeetingCard, meeting_cards

AgentMeeting = MeetingCard  # "when" is written in the agent's zone

AGENTS_ONLY = msg("Only agents have meetings.")


def _own(actor: Actor | None, meeting_id: int) -> tuple[User, Meeting]:
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        meeting = s.get(Meeting, meeting_id)
        if meeting is None or meeting.agent_id != agent.id:
            raise NotFound(msg("This meeting does not exist."))
        return agent, meeting


SHOWS = ("upcoming", "pending", "past")


def upcoming(actor: Actor | None, *, now: datetime, show: str = "upcoming", search: str = "") -> list[AgentMeeting]:
    """The Meetings page: "upcoming" live meetings that have not ended (pending first, then by time),
    only the "pending" ones, or the "past" ones (newest first); those of guests whose name or email
    contains `search`."""
    if show not in SHOWS:
        raise ValidationError({"show": msg("Choose Upcoming, Pending or Past.")})
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        rows = meeting_rows.agent_list(s, agent.id, now, show=show, search=search[:100])
        if show == "upcoming":
            rows.sort(key=lambda m: (m.status != MeetingStatus.PENDING, m.starts_at))
        return meeting_cards(s, rows, agent.time_zone, with_guest=True, now=now,
                             locale=i18n.locale_of(agent.language, agent.locale_tag), language=agent.language)


def version(actor: Actor | None) -> int:
    """Changes whenever any of the agent's meetings is booked, changed or deleted (each leaves a notice)."""
    with transaction(read_only=True) as s:
        return conversation_rows.agent_activity(s, signed_in_agent(s, actor, AGENTS_ONLY).id)[0]


def confirm(actor: Actor | None, meeting_id: int, *, now: datetime) -> None:
    _own(actor, meeting_id)
    meeting_changes.confirm_meeting(meeting_id, now=now)


def duration_options(actor: Actor | None, meeting_id: int) -> list[int]:
    """What "Change duration" offers for the agent's meeting: the durations its guests may book (the agent's, or
    its team's), and the meeting's own."""
    _agent, meeting = _own(actor, meeting_id)
    settings = meeting_settings(meeting)
    return sorted({*(settings.durations if settings else ()), meeting.duration_minutes})


def change_duration(actor: Actor | None, meeting_id: int, minutes: int, *, now: datetime) -> None:
    _own(actor, meeting_id)
    meeting_changes.change_meeting(meeting_id, by="agent", now=now, duration=minutes)


def reschedule(actor: Actor | None, meeting_id: int, start: datetime, *, now: datetime) -> None:
    _own(actor, meeting_id)
    meeting_changes.change_meeting(meeting_id, by="agent", now=now, start=start)


def delete(actor: Actor | None, meeting_id: int, *, now: datetime, reason: str = "") -> None:
    _own(actor, meeting_id)
    meeting_changes.delete_meeting(meeting_id, by="agent", now=now, reason=reason)


def reschedule_slots(actor: Actor | None, meeting_id: int, *, now: datetime, days: int = 31,
                     locale: str = DEFAULT_LOCALE) -> list[Slot]:
    """Free times the meeting could move to, in the agent's zone (its own time counts as free)."""
    agent, meeting = _own(actor, meeting_id)
    duration = meeting.duration_minutes
    return slots_for(agent.slug or "", start=now, end=now + timedelta(days=days), duration=duration,
                     guest_zone=agent.time_zone, now=now, exclude_meeting_id=meeting.id, any_duration=True,
                     locale=locale)
