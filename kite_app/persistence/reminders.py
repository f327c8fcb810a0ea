"""Queries of reminders: planned, claimed once, cancelled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from kite_app.persistence.models import Reminder


def cancel_scheduled(session: Session, meeting_id: int) -> None:
    session.exec(update(Reminder).where(col(Reminder.meeting_id) == meeting_id, col(Reminder.status) == "scheduled")
                 .values(status="cancelled"))


def due(session: Session, now: datetime, limit: int) -> list[Reminder]:
    """Due reminders, oldest first; on PostgreSQL locked for this transaction (SKIP LOCKED: another
    worker takes the others)."""
    return list(session.exec(select(Reminder).where(Reminder.status == "scheduled", Reminder.remind_at <= now)
                             .order_by(col(Reminder.remind_at)).limit(limit).with_for_update(skip_locked=True)).all())


def claim(session: Session, reminder_id: int, status: str, sent_at: datetime | None) -> bool:
    """Move a scheduled reminder to `status`; False when another worker did first."""
    return session.exec(
        update(Reminder).where(col(Reminder.id) == reminder_id, col(Reminder.status) == "scheduled")
        .values(status=status, sent_at=sent_at)
    ).rowcount == 1
