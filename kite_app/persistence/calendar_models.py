"""Tables of calendar reading: where reading a calendar's changes left off, Google push channels, and agents'
CalDAV logins."""

from __future__ import annotations

from datetime import datetime

import reflex as rx
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from kite_app.persistence.models import _fk, _utc


@rx.ModelRegistry.register
class CalendarSync(SQLModel, table=True):
    """Where reading an agent's calendar changes left off (Google's sync token)."""

    __tablename__ = "calendar_sync"
    __table_args__ = (Index("uq_calendar_sync_agent_calendar", "agent_id", "calendar_id", unique=True),)

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    agent_id: int = _fk("users.id", index=False)
    calendar_id: str = Field(max_length=255)
    sync_token: str | None = Field(default=None, max_length=512)
    updated_at: datetime = _utc()


@rx.ModelRegistry.register
class CalendarWatch(SQLModel, table=True):
    """A Google push-notification channel on an agent's calendar (events.watch)."""

    __tablename__ = "calendar_watches"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    agent_id: int = _fk("users.id")
    calendar_id: str = Field(max_length=255)
    channel_id: str = Field(max_length=64, unique=True)
    token: str = Field(max_length=64)
    resource_id: str = Field(default="", max_length=255)
    expires_at: datetime = _utc()


@rx.ModelRegistry.register
class CalDAVAccount(SQLModel, table=True):
    """An agent's login on a CalDAV server (Nextcloud, Fastmail, iCloud...). The password is stored encrypted
    with KITE_SECRET_KEY and never shown again."""

    __tablename__ = "caldav_accounts"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    agent_id: int = _fk("users.id")
    server_url: str = Field(max_length=500)  # the address the agent typed, as a URL
    username: str = Field(max_length=254)
    sealed_password: str
    principal_url: str = Field(default="", max_length=500)
    home_url: str = Field(default="", max_length=500)  # calendar-home-set; "" for an account of one calendar
    # the principal's calendar-user-address-set: the agent's own ATTENDEE in events (besides their Kite email)
    addresses: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # its calendars when last listed ({"url", "name", "writable"}): still shown while the server cannot be asked
    calendars: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    auth_type: str = Field(default="", max_length=16)
    # "ok", or "unauthorized" once the server refused the password (the agent is asked to reconnect)
    status: str = Field(default="ok", max_length=16)
    created_at: datetime = _utc()
    checked_at: datetime = _utc()
