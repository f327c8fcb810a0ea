"""Tables of the booking form: the questions an agent or a team asks (kite_app/domain/booking_form.py)."""

from __future__ import annotations

from datetime import datetime

import reflex as rx
from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from kite_app.persistence.models import _utc


@rx.ModelRegistry.register
class BookingForm(SQLModel, table=True):
    """The questions of one booking page: an agent's own (agent_id) or a team's (team_id)."""

    __tablename__ = "booking_forms"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    agent_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, unique=True))
    team_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("teams.id", ondelete="CASCADE"), nullable=True, unique=True))
    questions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _utc()
