"""An agent's meetings: "Confirm", "Change duration", "Reschedule", "Delete"."""

from __future__ import annotations

from datetime import datetime, timedelta

from kite_app.domain.accounts import Actor
from kite_app.domain.errors import NotFound
from kite_app.domain.meeting import MeetingStatus
from kite_app.persistence import conversations as conversation_rows
from kite_app.persistence import meetings as meeting_rows
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, User
from kite_app.services import booking
from kite_app.services.accounts import signed_in_agent
from kite_app.services.availability import Slot, slots_for
from kite_app.services.conversations import MeetingCard, meeting_cards

AgentMeeting = MeetingCard  # "when" is written in the agent's zone

AGENTS_ONLY = "Only agents have meetings."


def _own(actor: Actor | None, meeting_id: int) -> tuple[User, Meeting]:
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        meeting = s.get(Meeting, meeting_id)
        if meeting is None or meeting.agent_id != agent.id:
            raise NotFound("This meeting does not exist.")
        return agent, meeting


def upcoming(actor: Actor | None, *, now: datetime) -> list[AgentMeeting]:
    """Live meetings that have not ended: pending first, then by time."""
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        rows = sorted(meeting_rows.upcoming_live(s, agent.id, now),
                      key=lambda m: (m.status != MeetingStatus.PENDING, m.starts_at))
        return meeting_cards(s, rows, agent.time_zone, with_guest=True)


def version(actor: Actor | None) -> int:
    """Changes whenever any of the agent's meetings is booked, changed or deleted (each leaves a notice)."""
    with transaction(read_only=True) as s:
        return conversation_rows.agent_activity(s, signed_in_agent(s, actor, AGENTS_ONLY).id)[0]


def confirm(actor: Actor | None, meeting_id: int, *, now: datetime) -> None:
    _own(actor, meeting_id)
    booking.confirm_meeting(meeting_id, now=now)


def change_duration(actor: Actor | None, meeting_id: int, minutes: int, *, now: datetime) -> None:
    _own(actor, meeting_id)
    booking.change_meeting(meeting_id, by="agent", now=now, duration=minutes)


def reschedule(actor: Actor | None, meeting_id: int, start: datetime, *, now: datetime) -> None:
    _own(actor, meeting_id)
    booking.change_meeting(meeting_id, by="agent", now=now, start=start)


def delete(actor: Actor | None, meeting_id: int, *, now: datetime) -> None:
    _own(actor, meeting_id)
    booking.delete_meeting(meeting_id, by="agent", now=now)


def reschedule_slots(actor: Actor | None, meeting_id: int, *, now: datetime, days: int = 31) -> list[Slot]:
    """Free times the meeting could move to, in the agent's zone (its own time counts as free)."""
    agent, meeting = _own(actor, meeting_id)
    duration = meeting.duration_minutes
    return slots_for(agent.slug or "", start=now, end=now + timedelta(days=days), duration=duration,
                     guest_zone=agent.time_zone, now=now, exclude_meeting_id=meeting.id, any_duration=True)
