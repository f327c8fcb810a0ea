"""Queries on meetings and idempotency keys."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kite_app.domain.meeting import LIVE
from kite_app.persistence.models import IdempotencyKey, Meeting, User


def lock_agent(session: Session, agent_id: int) -> None:
    """Serialize booking changes of one agent until the transaction ends (PostgreSQL: a row lock; SQLite's
    write transaction is already exclusive). The overlap guard in the database covers meetings; this also
    covers the buffers around them."""
    session.exec(select(User.id).where(User.id == agent_id).with_for_update()).first()


def by_token_hash(session: Session, token_hash: str) -> Meeting | None:
    return session.exec(select(Meeting).where(Meeting.manage_token_hash == token_hash)).first()


def by_token_hashes(session: Session, hashes: list[str]) -> list[Meeting]:
    if not hashes:
        return []
    query = select(Meeting).where(col(Meeting.manage_token_hash).in_(hashes)).order_by(col(Meeting.starts_at))
    return list(session.exec(query))


def overlapping_live(session: Session, agent_id: int, start: datetime, end: datetime, *, exclude_id: int | None = None):
    query = select(Meeting.starts_at, Meeting.ends_at).where(
        Meeting.agent_id == agent_id, col(Meeting.status).in_(LIVE), Meeting.starts_at < end, Meeting.ends_at > start
    )
    if exclude_id is not None:
        query = query.where(Meeting.id != exclude_id)
    return list(session.exec(query).all())


def idempotent(session: Session, key: str) -> tuple[Meeting, str] | None:
    row = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == key)).first()
    meeting = session.get(Meeting, row.meeting_id) if row is not None else None
    return (meeting, row.manage_token) if row is not None and meeting is not None else None


def live_for_guest(session: Session, agent_id: int, email: str, since: datetime) -> list[Meeting]:
    return list(
        session.exec(
            select(Meeting).where(Meeting.agent_id == agent_id, Meeting.guest_email == email,
                                  col(Meeting.status).in_(LIVE), Meeting.ends_at > since)
            .order_by(col(Meeting.starts_at))
        )
    )


def upcoming_live(session: Session, agent_id: int, now: datetime) -> list[Meeting]:
    """The agent's live meetings that have not ended, by start."""
    return list(session.exec(select(Meeting).where(Meeting.agent_id == agent_id, col(Meeting.status).in_(LIVE),
                                                   Meeting.ends_at > now).order_by(col(Meeting.starts_at))).all())
