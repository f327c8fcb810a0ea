"""SQLModel tables, registered with Reflex so that `reflex db makemigrations` sees them."""

from __future__ import annotations

import warnings
from datetime import datetime

import reflex as rx
from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary
from sqlmodel import Field, SQLModel

from kite_app.persistence.types import UTCDateTime

# Reflex merges each registered model's metadata; ours all share SQLModel.metadata, so every
# table is seen once per model. The merge result is right; the repeated warning is noise.
warnings.filterwarnings("ignore", message=r"Table '.*' already exists within the given MetaData")


def _utc(*, nullable: bool = False, index: bool = False):
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index)


def _fk(target: str, *, nullable: bool = False, index: bool = True):
    return Field(sa_column=Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=nullable, index=index))


@rx.ModelRegistry.register
class User(SQLModel, table=True):
    """An admin or an agent. Agents have a booking slug and a time zone."""

    __tablename__ = "users"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    name: str = Field(max_length=100)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str
    role: str = Field(max_length=16)
    time_zone: str = Field(default="UTC", max_length=64)
    slug: str | None = Field(default=None, max_length=60, unique=True)
    active: bool = Field(default=True)
    description: str = Field(default="", max_length=300)  # an agent's few words on their booking page
    photo_version: int = Field(default=0)  # 0: no photo (initials are shown); rises with each new photo
    video_url: str = Field(default="", max_length=500)  # an agent's own video room, for their meetings' link
    language: str = Field(default="", max_length=8)  # their pages and mails; "" until their first login sets it
    # their browser's language tag ("en-US"), set at each login: the date and time conventions of their mails
    locale_tag: str = Field(default="", max_length=35)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


@rx.ModelRegistry.register
class AppSetting(SQLModel, table=True):
    """A setting the admin makes for the whole installation (e.g. "meeting_links"), as JSON."""

    __tablename__ = "app_settings"

    key: str = Field(max_length=64, primary_key=True)
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _utc()


@rx.ModelRegistry.register
class AgentPhoto(SQLModel, table=True):
    """An agent's photo for their booking page (PNG, JPEG or WebP, checked by its bytes)."""

    __tablename__ = "agent_photos"

    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True))
    content_type: str = Field(max_length=32)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


@rx.ModelRegistry.register
class LoginSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of its token is stored."""

    __tablename__ = "login_sessions"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = _fk("users.id")
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    revoked_at: datetime | None = _utc(nullable=True)


@rx.ModelRegistry.register
class CookieTicket(SQLModel, table=True):
    """A cookie on its way to a browser: a page's event handler cannot set an HttpOnly cookie, so it leaves
    the value here under a short-lived ticket that the browser then claims over HTTP. Only the ticket's hash
    is stored, and the value is sealed with a key derived from the ticket."""

    __tablename__ = "cookie_tickets"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    ticket_hash: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=40)
    sealed_value: str = Field(max_length=8000)
    max_age: int
    expires_at: datetime = _utc(index=True)


@rx.ModelRegistry.register
class LoginFailure(SQLModel, table=True):
    """A failed login, kept for the throttle."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_at", "email", "failed_at"),)

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    email: str = Field(max_length=254)
    failed_at: datetime = _utc()


@rx.ModelRegistry.register
class LocalCalendar(SQLModel, table=True):
    """A calendar kept in the app (the built-in calendar provider)."""

    __tablename__ = "local_calendars"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    owner_id: int = _fk("users.id")
    name: str = Field(max_length=100)
    # Where an imported calendar came from (the .ics file's name); None for calendars made in the app.
    source: str | None = Field(default=None, max_length=200)


@rx.ModelRegistry.register
class BusyBlock(SQLModel, table=True):
    """A busy time in a built-in calendar."""

    __tablename__ = "busy_blocks"
    # Found by their end: a block may be long, so only its end tells whether it still matters to a range
    # (busy time from now on, a calendar's listing), and a calendar's past is never scanned.
    __table_args__ = (Index("ix_busy_blocks_calendar_end", "calendar_id", "ends_at"),)

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    calendar_id: int = _fk("local_calendars.id", index=False)
    title: str = Field(default="Busy", max_length=200)
    starts_at: datetime = _utc()
    ends_at: datetime = _utc()
    # The event's UID when it came from an .ics file or stands for a meeting.
    uid: str | None = Field(default=None, max_length=255)
    # "confirmed", or "tentative" for a meeting event awaiting the agent's answer.
    status: str = Field(default="confirmed", max_length=16)


@rx.ModelRegistry.register
class CalendarSettingsRow(SQLModel, table=True):
    """An agent's calendar settings (kite_app.domain.calendar_settings.CalendarSettings as JSON)."""

    __tablename__ = "calendar_settings"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    agent_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                           unique=True))
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    # Secret part of the agent's .ics feed address (shown to the agent), and its SHA-256, which the feed
    # is looked up by.
    feed_token: str = Field(max_length=64, unique=True)
    feed_token_hash: str = Field(max_length=64, unique=True)
    updated_at: datetime = _utc()


@rx.ModelRegistry.register
class Team(SQLModel, table=True):
    """A team booking page (kite_app.domain.teams): its rules as JSON (TeamRules)."""

    __tablename__ = "teams"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    name: str = Field(max_length=100)
    slug: str = Field(max_length=60, unique=True)
    kind: str = Field(max_length=16)
    active: bool = Field(default=True)
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


@rx.ModelRegistry.register
class TeamMember(SQLModel, table=True):
    __tablename__ = "team_members"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    team_id: int = _fk("teams.id")
    agent_id: int = _fk("users.id")
    weight: int = Field(default=1)


@rx.ModelRegistry.register
class Meeting(SQLModel, table=True):
    """A meeting booked with an agent."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_agent_start", "agent_id", "starts_at"),
    )

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    uid: str = Field(max_length=255, unique=True)
    agent_id: int = _fk("users.id", index=False)
    guest_name: str = Field(max_length=100)
    guest_email: str = Field(max_length=254)
    guest_time_zone: str = Field(default="UTC", max_length=64)
    guest_language: str = Field(default="en", max_length=8)  # what the guest reads: mails, notices, .ics
    # the guest's browser's language tag ("en-US"): the date and time conventions of what they read
    guest_locale_tag: str = Field(default="", max_length=35)
    subject: str = Field(default="", max_length=200)
    starts_at: datetime = _utc()
    ends_at: datetime = _utc()
    # "pending" until the agent says Yes, then "confirmed"; "cancelled" when deleted.
    status: str = Field(default="pending", max_length=16)
    sequence: int = Field(default=0)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    # Where the calendar event lives once written: provider-qualified calendar id and event id.
    calendar_id: str | None = Field(default=None, max_length=255)
    calendar_event_id: str | None = Field(default=None, max_length=255)
    # The `sequence` last written to the calendar; behind `sequence` means a write is waiting (retried).
    calendar_synced_seq: int | None = Field(default=None)
    # The team whose page it was booked on (round robin: the member it was given to is `agent_id`). Teams
    # are deactivated, never deleted.
    team_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("teams.id"),
                                                 nullable=True, index=True))
    # A collective team meeting has one row per host; the others point at the first host's row, which the
    # guest's links open.
    host_of: int | None = Field(default=None, index=True)
    # Where it takes place (kite_app/domain/meeting_links.py): chosen at booking, kept through every change.
    meeting_url: str = Field(default="", max_length=500)
    # A Google Meet conference: "requested" (with the event's creation), "pending" (Google is setting it up),
    # "ready" (meeting_url is its link) or "failed"; "" for none.
    conference: str = Field(default="", max_length=16)
    cancelled_by: str = Field(default="", max_length=16)  # "guest" or "agent" once deleted or declined
    cancel_reason: str = Field(default="", max_length=500)  # what they said
    # the booking form's answers as the guest was asked (kite_app/domain/booking_form.py) and the campaign tags
    # of the page it was booked from ({"source": ..., "campaign": ...})
    answers: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    utm: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@rx.ModelRegistry.register
class IdempotencyKey(SQLModel, table=True):
    """A booking request's Idempotency-Key: a retried request returns the first meeting."""

    __tablename__ = "idempotency_keys"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    key: str = Field(max_length=255, unique=True)
    meeting_id: int = _fk("meetings.id", index=False)
    created_at: datetime = _utc()


@rx.ModelRegistry.register
class MeetingLink(SQLModel, table=True):
    """A secret link to a meeting's manage page, made for one answer or one mail to the guest. Only its
    SHA-256 is kept: the link itself exists only where it was sent."""

    __tablename__ = "meeting_links"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    meeting_id: int = _fk("meetings.id")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _utc()


@rx.ModelRegistry.register
class OutboxMail(SQLModel, table=True):
    """A mail to send. Written in the same transaction as the change it reports; a dispatcher sends it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_attempt_at"),)

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    kind: str = Field(max_length=32)
    to_email: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str = Field(default="")
    # The iCalendar attachment (REQUEST or CANCEL) of a meeting mail, as the facts it is written from
    # (kite_app.providers.calendar.ics.Invite, its description being the mail's text): written out when the
    # mail is sent, so that the change it reports does not wait on it. `ics`: the finished text, in rows
    # queued before the facts were stored.
    invite: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    ics: str | None = Field(default=None)
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id", ondelete="SET NULL")
    created_at: datetime = _utc(index=True)
    sent_at: datetime | None = _utc(nullable=True)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = _utc(nullable=True)
    # A dispatcher owns the row until then; a crashed one's claim runs out and another takes over.
    claimed_until: datetime | None = _utc(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)


@rx.ModelRegistry.register
class Conversation(SQLModel, table=True):
    """One conversation per guest and agent, holding all their meetings."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("uq_conversations_agent_guest", "agent_id", "guest_email", unique=True),
        Index("ix_conversations_agent_activity", "agent_id", "last_activity_at"),
    )

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    agent_id: int = _fk("users.id", index=False)
    guest_email: str = Field(max_length=254)
    guest_name: str = Field(max_length=100)
    guest_time_zone: str = Field(default="UTC", max_length=64)
    created_at: datetime = _utc()
    last_activity_at: datetime = _utc()
    # The newest message each side has seen.
    agent_read_id: int = Field(default=0)
    guest_read_id: int = Field(default=0)


@rx.ModelRegistry.register
class Message(SQLModel, table=True):
    """A message or a system notice in a conversation. Notices keep their facts (as JSON) so that each
    reader sees times in their own zone."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id", "conversation_id", "id"),)

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    conversation_id: int = _fk("conversations.id", index=False)
    author: str = Field(max_length=16)  # guest, agent, system
    caused_by: str = Field(default="system",
                           max_length=16)  # whose action: guest, agent, system (never unread for them)
    body: str = Field(default="")
    notice: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id", ondelete="SET NULL")
    created_at: datetime = _utc()


@rx.ModelRegistry.register
class Reminder(SQLModel, table=True):
    """A reminder due before a meeting; claimed atomically so it goes out once."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "status", "remind_at"),)

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    meeting_id: int = _fk("meetings.id", index=False)
    remind_at: datetime = _utc()
    status: str = Field(default="scheduled", max_length=16)  # scheduled, sent, cancelled
    claimed_until: datetime | None = _utc(nullable=True)
    sent_at: datetime | None = _utc(nullable=True)


@rx.ModelRegistry.register
class GuestCode(SQLModel, table=True):
    """A one-time login code mailed to a guest (only its hash is kept)."""

    __tablename__ = "guest_codes"
    __table_args__ = (Index("ix_guest_codes_email_created", "email", "created_at"),)

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    email: str = Field(max_length=254)
    code_hash: str = Field(max_length=64)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    attempts: int = Field(default=0)
    used_at: datetime | None = _utc(nullable=True)


@rx.ModelRegistry.register
class GuestSession(SQLModel, table=True):
    """A guest who proved their email on this browser."""

    __tablename__ = "guest_sessions"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=254, index=True)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()


@rx.ModelRegistry.register
class Integration(SQLModel, table=True):
    """An activated integration (Google Calendar). The service-account key is stored encrypted."""

    __tablename__ = "integrations"

    id: int = Field(default=None, primary_key=True)  # set by the database on insert
    name: str = Field(max_length=32, unique=True)
    encrypted_key: str
    client_id: str = Field(max_length=64)
    client_email: str = Field(max_length=254)
    admin_email: str = Field(max_length=254)
    primary_domain: str = Field(max_length=253)
    installed_at: datetime = _utc()
    checked_at: datetime = _utc()
