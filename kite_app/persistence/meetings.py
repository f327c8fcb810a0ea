"""Queries on meetings and idempotency keys."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_
from sqlmodel import Session, col, select

from kite_app.domain.meeting import LIVE, MeetingStatus
from kite_app.domain.tokens import new_token, token_hash
from kite_app.persistence.models import IdempotencyKey, Meeting, MeetingLink, User

_LOCK_AGENT = select(User.id).where(User.id == bindparam("agent_id")).with_for_update(key_share=True)


def lock_agent(session: Session, agent_id: int) -> None:
    """Serialize booking changes of one agent until the transaction ends (PostgreSQL: a row lock; SQLite's
    write transaction is already exclusive). The overlap guard in the database covers meetings; this also
    covers the buffers around them. FOR NO KEY UPDATE: the rows that refer to the agent (a meeting being
    written) hold a key-share lock on theirs, which this one need not wait for."""
    if session.get_bind().dialect.name == "sqlite":
        return  # BEGIN IMMEDIATE took the database's one write lock: nothing more to take
    session.exec(_LOCK_AGENT, params={"agent_id": agent_id}).first()


def new_link(session: Session, meeting_id: int, now: datetime) -> str:
    """A new secret manage link token for the meeting (192 random bits); only its SHA-256 is stored."""
    token = new_token()
    session.add(MeetingLink(meeting_id=meeting_id, token_hash=token_hash(token), created_at=now))
    return token


def by_token(session: Session, token: str) -> Meeting | None:
    """The meeting a manage link token opens, or None."""
    if not token:
        return None
    return session.exec(select(Meeting).join(MeetingLink, col(MeetingLink.meeting_id) == col(Meeting.id))
                        .where(MeetingLink.token_hash == token_hash(token))).first()


# No meeting lasts this long (the longest is MAX_DURATION, 6 hours): a meeting overlapping [start, end)
# starts after start - LONGEST, which keeps the scan of (agent_id, starts_at) to the asked range however
# many meetings lie in the past.
LONGEST = timedelta(days=1)


# Built once (every slot query and booking asks it); the values are parameters.
_OVERLAPPING = select(Meeting.starts_at, Meeting.ends_at).where(
    Meeting.agent_id == bindparam("agent_id"), col(Meeting.status).in_(LIVE),
    Meeting.starts_at < bindparam("end"), Meeting.ends_at > bindparam("start"),
    Meeting.starts_at > bindparam("earliest_start"),
)
_OVERLAPPING_OTHERS = _OVERLAPPING.where(Meeting.id != bindparam("exclude_id"))


def overlapping_live(session: Session, agent_id: int, start: datetime, end: datetime, *,
                     exclude_id: int | None = None) -> list[tuple[datetime, datetime]]:
    """(start, end) of the agent's live meetings overlapping [start, end), but `exclude_id`'s."""
    params = {"agent_id": agent_id, "start": start, "end": end, "earliest_start": start - LONGEST}
    if exclude_id is None:
        return list(session.exec(_OVERLAPPING, params=params).all())
    return list(session.exec(_OVERLAPPING_OTHERS, params=params | {"exclude_id": exclude_id}).all())


def idempotent(session: Session, key: str) -> Meeting | None:
    """The meeting that a request with this Idempotency-Key booked before, if any."""
    row = session.exec(select(IdempotencyKey).where(IdempotencyKey.key == key)).first()
    return session.get(Meeting, row.meeting_id) if row is not None else None


def live_for_guest(session: Session, email: str, since: datetime, *, agent_id: int | None = None,
                   team_id: int | None = None) -> list[Meeting]:
    """The guest's live meetings ending after `since`, with one agent or on one team's page."""
    query = select(Meeting).where(Meeting.guest_email == email, col(Meeting.status).in_(LIVE), Meeting.ends_at > since)
    if agent_id is not None:
        query = query.where(Meeting.agent_id == agent_id)
    if team_id is not None:
        query = query.where(Meeting.team_id == team_id)
    return list(session.exec(query.order_by(col(Meeting.starts_at))))


def agent_list(session: Session, agent_id: int, now: datetime, *, show: str, search: str = "",
               limit: int = 200) -> list[Meeting]:
    """The agent's meetings for the Meetings page: "pending" (not ended, waiting for the agent's Yes),
    "upcoming" (live, not ended: by start) or "past" (live when they ended: newest first), whose guest's
    name or email contains `search`."""
    query = select(Meeting).where(Meeting.agent_id == agent_id, col(Meeting.status).in_(LIVE))
    if show == "past":
        query = query.where(Meeting.ends_at <= now).order_by(col(Meeting.starts_at).desc())
    else:
        query = query.where(Meeting.ends_at > now).order_by(col(Meeting.starts_at))
        if show == "pending":
            query = query.where(Meeting.status == MeetingStatus.PENDING)
    if term := search.strip().lower():
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Meeting.guest_name).like(pattern, escape="\\"),
                                func.lower(Meeting.guest_email).like(pattern, escape="\\")))
    return list(session.exec(query.limit(limit)).all())


def move_links(session: Session, old_id: int, new_id: int) -> None:
    """The guest's links (and idempotent retries) of a meeting now open `new_id` (a reassigned meeting)."""
    for link in session.exec(select(MeetingLink).where(MeetingLink.meeting_id == old_id)).all():
        link.meeting_id = new_id
        session.add(link)
    for key in session.exec(select(IdempotencyKey).where(IdempotencyKey.meeting_id == old_id)).all():
        key.meeting_id = new_id
        session.add(key)


def group(session: Session, meeting: Meeting) -> list[Meeting]:
    """Every row of the meeting: for a collective team meeting, the first host's row and the other hosts'
    (in that order); otherwise the meeting alone."""
    first_id = meeting.host_of or meeting.id
    rows = session.exec(select(Meeting).where((Meeting.id == first_id) | (Meeting.host_of == first_id))
                        .order_by(col(Meeting.id))).all()
    return list(rows) or [meeting]
