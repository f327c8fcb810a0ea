"""The staff API's list of meetings: filtered, one row per meeting (a collective team meeting's first host's
row), paged by a keyset cursor so that rows written meanwhile never shift a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from kite_app.persistence.models import Meeting


@dataclass(frozen=True)
class MeetingFilter:
    agent_id: int | None = None  # meetings this agent hosts (any host of a collective meeting)
    team_id: int | None = None
    status: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    guest_email: str | None = None
    updated_since: datetime | None = None


def _hosted_by(agent_id: int):
    other_hosts = select(Meeting.host_of).where(Meeting.agent_id == agent_id, col(Meeting.host_of).is_not(None))
    return or_(col(Meeting.agent_id) == agent_id, col(Meeting.id).in_(other_hosts))


def page(session: Session, where: MeetingFilter, *, newest_changes: bool, after: tuple[datetime, int] | None,
         limit: int) -> list[Meeting]:
    """Up to `limit` meetings after the cursor `after` (the last row's sort time and id): by start time, or
    newest changes first (`updated_at` descending)."""
    query = select(Meeting).where(col(Meeting.host_of).is_(None))
    if where.agent_id is not None:
        query = query.where(_hosted_by(where.agent_id))
    if where.team_id is not None:
        query = query.where(Meeting.team_id == where.team_id)
    if where.status:
        query = query.where(Meeting.status == where.status)
    if where.starts_from is not None:
        query = query.where(col(Meeting.starts_at) >= where.starts_from)
    if where.starts_before is not None:
        query = query.where(col(Meeting.starts_at) < where.starts_before)
    if where.guest_email:
        query = query.where(Meeting.guest_email == where.guest_email)
    if where.updated_since is not None:
        query = query.where(col(Meeting.updated_at) >= where.updated_since)
    key = col(Meeting.updated_at) if newest_changes else col(Meeting.starts_at)
    if after is not None:
        moment, last_id = after
        query = query.where(or_(key < moment, and_(key == moment, col(Meeting.id) < last_id)) if newest_changes
                            else or_(key > moment, and_(key == moment, col(Meeting.id) > last_id)))
    order = (key.desc(), col(Meeting.id).desc()) if newest_changes else (key, col(Meeting.id))
    return list(session.exec(query.order_by(*order).limit(limit)))


def hosted_by(session: Session, meeting_id: int, agent_id: int) -> Meeting | None:
    """The row of meeting `meeting_id` (its first host's id) that `agent_id` hosts, if any."""
    return session.exec(select(Meeting).where(or_(col(Meeting.id) == meeting_id, col(Meeting.host_of) == meeting_id),
                                              Meeting.agent_id == agent_id)).first()
