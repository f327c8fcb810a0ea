"""Queries of teams, their members, and the meetings booked on a team's page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from kite_app.domain.meeting import LIVE
from kite_app.persistence.models import Meeting, Team, TeamMember, User


def all_teams(session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(col(Team.name))).all())


def by_slug(session: Session, slug: str) -> Team | None:
    return session.exec(select(Team).where(Team.slug == slug)).first()


def members(session: Session, team_id: int) -> list[tuple[TeamMember, User]]:
    rows = session.exec(select(TeamMember, User).join(User, col(User.id) == TeamMember.agent_id)
                        .where(TeamMember.team_id == team_id).order_by(col(TeamMember.id)))
    return [(m, u) for m, u in rows.all()]


def set_members(session: Session, team_id: int, weights: dict[int, int]) -> None:
    session.exec(delete(TeamMember).where(col(TeamMember.team_id) == team_id))
    for agent_id, weight in weights.items():
        session.add(TeamMember(team_id=team_id, agent_id=agent_id, weight=weight))


def month_loads(session: Session, team_id: int, since: datetime) -> dict[int, tuple[int, datetime | None]]:
    """Per member: the team's live meetings given to them since `since`, and when their latest team meeting
    (of any time) was booked."""
    counts = dict(session.exec(
        select(Meeting.agent_id, func.count()).where(Meeting.team_id == team_id, col(Meeting.status).in_(LIVE),
                                                    Meeting.created_at >= since).group_by(col(Meeting.agent_id))).all())
    latest = dict(session.exec(
        select(Meeting.agent_id, func.max(Meeting.created_at)).where(Meeting.team_id == team_id)
        .group_by(col(Meeting.agent_id))).all())
    return {agent_id: (counts.get(agent_id, 0), latest.get(agent_id)) for agent_id in {*counts, *latest}}


def met_before(session: Session, guest_email: str, agent_ids: list[int]) -> int | None:
    """The agent among `agent_ids` the guest had their latest meeting with."""
    return session.exec(select(Meeting.agent_id).where(Meeting.guest_email == guest_email,
                                                       col(Meeting.agent_id).in_(agent_ids))
                        .order_by(col(Meeting.created_at).desc(), col(Meeting.id).desc())).first()


def card_teams(session: Session, meetings: list[Meeting]) -> dict[int, tuple[str, list[dict[str, str]]]]:
    """For each meeting booked on a team's page: the team's name and, for round robin, the other active
    members it could be reassigned to ({"id", "name"})."""
    team_ids = {m.team_id for m in meetings if m.team_id is not None}
    if not team_ids:
        return {}
    found = {t.id: t for t in session.exec(select(Team).where(col(Team.id).in_(team_ids))).all()}
    people: dict[int, list[User]] = {}
    for member, user in session.exec(select(TeamMember, User).join(User, col(User.id) == TeamMember.agent_id)
                                     .where(col(TeamMember.team_id).in_(team_ids)).order_by(col(User.name))).all():
        people.setdefault(member.team_id, []).append(user)
    out = {}
    for m in meetings:
        team = found.get(m.team_id) if m.team_id is not None else None
        if team is None:
            continue
        others = [{"id": str(u.id), "name": u.name} for u in people.get(team.id, [])
                  if u.active and u.id != m.agent_id] if team.kind == "round_robin" else []
        out[m.id] = (team.name, others)
    return out


def hosts_answers(session: Session, meetings: list[Meeting]) -> dict[int, list[tuple[str, str]]]:
    """For each meeting with several hosts (a collective team meeting): every host's name and their row's status,
    first host first; in one query."""
    roots = {m.host_of or m.id for m in meetings if m.team_id is not None}
    if not roots:
        return {}
    rows = session.exec(select(Meeting, User).join(User, col(User.id) == Meeting.agent_id)
                        .where(col(Meeting.id).in_(roots) | col(Meeting.host_of).in_(roots))
                        .order_by(col(Meeting.id))).all()
    groups: dict[int, list[tuple[str, str]]] = {}
    for row, user in rows:
        groups.setdefault(row.host_of or row.id, []).append((user.name, row.status))
    return {m.id: groups[m.host_of or m.id] for m in meetings
            if m.team_id is not None and len(groups.get(m.host_of or m.id, [])) > 1}


def upcoming_team_meetings(session: Session, now: datetime) -> list[Meeting]:
    """Live meetings booked on any team's page that have not ended (one row per meeting: a collective
    meeting's first host's), soonest first."""
    return list(session.exec(select(Meeting).where(col(Meeting.team_id).is_not(None), col(Meeting.host_of).is_(None),
                                                   col(Meeting.status).in_(LIVE), Meeting.ends_at > now)
                             .order_by(col(Meeting.starts_at))).all())
