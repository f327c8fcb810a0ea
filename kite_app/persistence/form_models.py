"""Tables of the booking form and what surrounds it: the questions an agent or a team asks
(kite_app/domain/booking_form.py), one-time links, and times held for a guest while they fill the form."""

from __future__ import annotations

from datetime import datetime

import reflex as rx
from sqlalchemy import JSON, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from kite_app.persistence.models import _fk, _utc


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


@rx.ModelRegistry.register
class OneTimeLink(SQLModel, table=True):
    """A booking link that works once: for an agent's page (agent_id) or a team's (team_id). Only the SHA-256 of
    its secret is kept; `used_at` and `meeting_id` are set in the transaction of the booking that used it."""

    __tablename__ = "one_time_links"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    token_hash: str = Field(max_length=64, unique=True)
    hint: str = Field(max_length=12)  # the link's first characters, to tell links apart in the list
    agent_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True))
    team_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("teams.id", ondelete="CASCADE"), nullable=True, index=True))
    created_by: int = Field()
    duration: int | None = Field(default=None)  # minutes; None: the page's durations
    expires_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()
    used_at: datetime | None = _utc(nullable=True)
    meeting_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("meetings.id", ondelete="SET NULL"), nullable=True))
    revoked_at: datetime | None = _utc(nullable=True)


@rx.ModelRegistry.register
class SlotHold(SQLModel, table=True):
    """A time held for one guest while they fill in their details: other guests do not see it and cannot book it
    until `expires_at`. One row per host (a collective team's time holds every member). `holder` is the SHA-256
    of what identifies the guest (their browser's hold cookie, or the API's hold token); `client` the SHA-256 of
    their address."""

    __tablename__ = "slot_holds"
    __table_args__ = (Index("ix_slot_holds_agent_start", "agent_id", "starts_at"),)

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    holder: str = Field(max_length=64, index=True)
    client: str = Field(max_length=64)
    agent_id: int = _fk("users.id", index=False)
    team_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("teams.id", ondelete="CASCADE"), nullable=True))
    starts_at: datetime = _utc()
    ends_at: datetime = _utc()
    expires_at: datetime = _utc(index=True)
    created_at: datetime = _utc()
