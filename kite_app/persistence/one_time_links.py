"""Queries of one-time links and held slots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from kite_app.persistence.form_models import OneTimeLink, SlotHold


def by_hash(s: Session, token_hash: str) -> OneTimeLink | None:
    return s.exec(select(OneTimeLink).where(OneTimeLink.token_hash == token_hash)).first()


def of_owner(s: Session, *, agent_id: int | None = None, team_id: int | None = None) -> list[OneTimeLink]:
    """An agent's (or a team's) links, newest first."""
    where = OneTimeLink.agent_id == agent_id if agent_id is not None else OneTimeLink.team_id == team_id
    return list(s.exec(select(OneTimeLink).where(where).order_by(col(OneTimeLink.created_at).desc(),
                                                                 col(OneTimeLink.id).desc())))


def use(s: Session, link_id: int, meeting_id: int, now: datetime) -> bool:
    """Mark the link used by `meeting_id`, in the booking's transaction: whether this booking is the one that used
    it (a concurrent booking through the same link waits on the row, then finds it used)."""
    result = s.exec(update(OneTimeLink).where(
        col(OneTimeLink.id) == link_id, col(OneTimeLink.used_at).is_(None), col(OneTimeLink.revoked_at).is_(None),
    ).values(used_at=now, meeting_id=meeting_id))
    return result.rowcount == 1


def holds_overlapping(s: Session, agent_id: int, start: datetime, end: datetime, now: datetime,
                      except_holder: str | None = None) -> list[tuple[datetime, datetime]]:
    """The live holds on the agent's time that meet [start, end), but those of `except_holder`."""
    query = select(SlotHold.starts_at, SlotHold.ends_at).where(
        SlotHold.agent_id == agent_id, col(SlotHold.starts_at) < end, col(SlotHold.ends_at) > start,
        col(SlotHold.expires_at) > now)
    if except_holder:
        query = query.where(SlotHold.holder != except_holder)
    return [(a, b) for a, b in s.exec(query)]


def holds_of(s: Session, holder: str, now: datetime) -> list[SlotHold]:
    return list(s.exec(select(SlotHold).where(SlotHold.holder == holder, col(SlotHold.expires_at) > now)))


def release(s: Session, *, holder: str | None = None, client: str | None = None, agent_ids: list[int] | None = None,
            now: datetime | None = None) -> None:
    """Delete the holds of `holder` (or of `client` on `agent_ids`), and any that expired before `now`."""
    if holder:
        s.exec(delete(SlotHold).where(col(SlotHold.holder) == holder))
    if client and agent_ids:
        s.exec(delete(SlotHold).where(col(SlotHold.client) == client,
                                      col(SlotHold.agent_id).in_(agent_ids)))
    if now is not None:
        s.exec(delete(SlotHold).where(col(SlotHold.expires_at) <= now))
