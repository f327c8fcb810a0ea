"""Queries of the booking forms: the questions of an agent's or a team's page."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kite_app.domain.booking_form import Question
from kite_app.persistence.form_models import BookingForm
from kite_app.persistence.models import Team, User


def _row(s: Session, *, agent_id: int | None, team_id: int | None) -> BookingForm | None:
    if agent_id is not None:
        return s.exec(select(BookingForm).where(BookingForm.agent_id == agent_id)).first()
    return s.exec(select(BookingForm).where(BookingForm.team_id == team_id)).first()


def _questions(row: BookingForm | None) -> list[Question]:
    """A form's questions in their order; none for a page whose form was never saved."""
    return [Question.from_json(q) for q in row.questions] if row is not None else []


def questions(s: Session, *, agent_id: int | None = None, team_id: int | None = None) -> list[Question]:
    return _questions(_row(s, agent_id=agent_id, team_id=team_id))


def save(s: Session, form: list[Question], *, now: datetime, agent_id: int | None = None,
         team_id: int | None = None) -> None:
    row = _row(s, agent_id=agent_id, team_id=team_id) or BookingForm(agent_id=agent_id, team_id=team_id,
                                                                     updated_at=now)
    row.questions, row.updated_at = [q.to_json() for q in form], now
    s.add(row)


def questions_of_page(s: Session, *, agent_slug: str | None = None, team_slug: str | None = None) -> list[Question]:
    """The questions of the page at /book/<agent_slug> or /team/<team_slug>."""
    if agent_slug is not None:
        owner = select(BookingForm).join(User, col(User.id) == col(BookingForm.agent_id)).where(User.slug == agent_slug)
    else:
        owner = select(BookingForm).join(Team, col(Team.id) == col(BookingForm.team_id)).where(Team.slug == team_slug)
    return _questions(s.exec(owner).first())
