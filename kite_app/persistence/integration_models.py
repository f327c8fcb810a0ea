"""Tables of the integrations: API keys, webhook endpoints, and their deliveries (an outbox, like mails)."""

from __future__ import annotations

from datetime import datetime

import reflex as rx
from sqlalchemy import JSON, Column, Index, Integer, Text
from sqlmodel import Field, SQLModel

from kite_app.persistence.models import _fk, _utc


@rx.ModelRegistry.register
class ApiKey(SQLModel, table=True):
    """A key for /api/v1. Only its SHA-256 is kept: the key itself was shown once, when it was made."""

    __tablename__ = "api_keys"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    name: str = Field(max_length=100)
    scope: str = Field(max_length=16)  # "admin" (everything) or "agent" (user_id's own meetings and settings)
    user_id: int = _fk("users.id")  # the agent of an Agent key; the admin who made an Admin key
    created_by: int = Field(sa_column=Column(Integer, nullable=False))
    key_hash: str = Field(max_length=64, unique=True)
    hint: str = Field(max_length=16)  # the key's first characters, to tell keys apart in the list
    created_at: datetime = _utc()
    last_used_at: datetime | None = _utc(nullable=True)
    revoked_at: datetime | None = _utc(nullable=True)


@rx.ModelRegistry.register
class WebhookEndpoint(SQLModel, table=True):
    """Where events are delivered. Its secret (whsec_…) is sealed with KITE_SECRET_KEY; after a rotation the
    previous one also signs until `previous_until`."""

    __tablename__ = "webhook_endpoints"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    url: str = Field(max_length=500)
    description: str = Field(default="", max_length=200)
    events: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    agent_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))  # only this agent's
    team_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))  # only this team's
    enabled: bool = Field(default=True)
    # why it was disabled by Kite ("gone": the receiver answered 410; "failing": the last retry failed)
    disabled_reason: str = Field(default="", max_length=16)
    sealed_secret: str
    previous_secret: str = Field(default="")
    previous_until: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


@rx.ModelRegistry.register
class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint, written in the same transaction as the change it reports. `msg_id` is its
    webhook-id, the same on every try (receivers deduplicate on it)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"))

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    endpoint_id: int = _fk("webhook_endpoints.id", index=False)
    msg_id: str = Field(max_length=40, unique=True)
    event: str = Field(max_length=40)
    meeting_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))  # one meeting in order
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _utc()
    # "pending" (waiting for its next try), "delivered", or "failed" (its tries are over; Replay tries again)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = _utc()
    claimed_until: datetime | None = _utc(nullable=True)
    last_status: int | None = Field(default=None)  # the receiver's HTTP status; None when none came
    last_error: str = Field(default="", max_length=300)


@rx.ModelRegistry.register
class WebhookAttempt(SQLModel, table=True):
    """One try of a delivery, for the Deliveries log: what the receiver answered and how fast."""

    __tablename__ = "webhook_attempts"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    delivery_id: int = _fk("webhook_deliveries.id")
    attempt: int
    at: datetime = _utc()
    status: int | None = Field(default=None)
    milliseconds: int = Field(default=0)
    response: str = Field(default="", max_length=1024)  # the first KB of the answer (or what went wrong)
