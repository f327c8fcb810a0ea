"""Queries of keeping meetings and calendars in step: writes waiting for a calendar, the agents'
answers (sync tokens), and push channels."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from kite_app.domain.meeting import LIVE
from kite_app.persistence.calendar_models import CalendarSync, CalendarWatch
from kite_app.persistence.models import Meeting


def meetings_behind_their_calendar(session: Session, now: datetime, limit: int) -> list[int]:
    """Meetings changed in the last week, not yet over, whose calendar event is behind them."""
    return list(session.exec(select(Meeting.id).where(
        or_(col(Meeting.calendar_synced_seq).is_(None), col(Meeting.calendar_synced_seq) < col(Meeting.sequence)),
        Meeting.updated_at > now - timedelta(days=7), Meeting.ends_at > now,
    ).order_by(col(Meeting.updated_at)).limit(limit)).all())


def meetings_awaiting_conference(session: Session, now: datetime, limit: int) -> list[int]:
    """Upcoming live meetings whose Google Meet conference Google is still setting up (or that was asked
    for with an event written since)."""
    return list(session.exec(select(Meeting.id).where(
        col(Meeting.conference).in_(("requested", "pending")), col(Meeting.status).in_(LIVE),
        col(Meeting.calendar_event_id).is_not(None), Meeting.ends_at > now,
    ).order_by(col(Meeting.updated_at)).limit(limit)).all())


def calendars_with_live_events(session: Session, now: datetime, prefix: str) -> list[tuple[int, str]]:
    """(agent, calendar) of every upcoming live meeting whose event is in a calendar of this kind."""
    rows = session.exec(select(Meeting.agent_id, Meeting.calendar_id).where(
        col(Meeting.status).in_(LIVE), Meeting.starts_at > now, col(Meeting.calendar_event_id).is_not(None),
        col(Meeting.calendar_id).startswith(prefix),
    ).distinct()).all()
    return [(agent_id, calendar_id) for agent_id, calendar_id in rows if calendar_id]


def live_events_in(session: Session, agent_id: int, calendar_id: str, now: datetime) -> list[tuple[str, str]]:
    """(uid, event id) of the agent's upcoming live meetings whose event is in this calendar."""
    rows = session.exec(select(Meeting.uid, Meeting.calendar_event_id).where(
        Meeting.agent_id == agent_id, Meeting.calendar_id == calendar_id, col(Meeting.status).in_(LIVE),
        Meeting.starts_at > now, col(Meeting.calendar_event_id).is_not(None))).all()
    return [(uid, event_id) for uid, event_id in rows if event_id]


def live_by_uid(session: Session, agent_id: int, uids: list[str]) -> list[tuple[int, str, str]]:
    """(id, uid, status) of the agent's live meetings among `uids`."""
    return list(session.exec(select(Meeting.id, Meeting.uid, Meeting.status).where(
        Meeting.agent_id == agent_id, col(Meeting.status).in_(LIVE), col(Meeting.uid).in_(uids))).all())


def sync_state(session: Session, agent_id: int, calendar_id: str) -> CalendarSync | None:
    return session.exec(select(CalendarSync).where(CalendarSync.agent_id == agent_id,
                                                   CalendarSync.calendar_id == calendar_id)).first()


def watch_by_channel(session: Session, channel_id: str) -> CalendarWatch | None:
    return session.exec(select(CalendarWatch).where(CalendarWatch.channel_id == channel_id)).first()


def live_watch(session: Session, agent_id: int, calendar_id: str, beyond: datetime) -> CalendarWatch | None:
    """The agent's channel on the calendar that lives on beyond `beyond`, if any."""
    return session.exec(select(CalendarWatch).where(CalendarWatch.agent_id == agent_id,
                                                    CalendarWatch.calendar_id == calendar_id,
                                                    CalendarWatch.expires_at > beyond)).first()


def watches_of(session: Session, agent_id: int) -> list[CalendarWatch]:
    return list(session.exec(select(CalendarWatch).where(CalendarWatch.agent_id == agent_id)))


def watches_on(session: Session, prefix: str) -> list[CalendarWatch]:
    """Channels on calendars of one kind ("google:")."""
    return list(session.exec(select(CalendarWatch).where(col(CalendarWatch.calendar_id).startswith(prefix))))


def watches_ending(session: Session, by: datetime) -> list[CalendarWatch]:
    return list(session.exec(select(CalendarWatch).where(CalendarWatch.expires_at <= by)))
