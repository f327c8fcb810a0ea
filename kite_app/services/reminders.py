"""Reminders before meetings: rows in the database, each claimed atomically so it goes out once,
also across restarts and with several workers. One missed while the server was down goes out at
the next run if the meeting has not begun."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from kite_app.domain.meeting import LIVE
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, Reminder, User
from kite_app.services import notifications

BATCH = 50


def schedule(s: Session, meeting: Meeting, offsets: tuple[int, ...], now: datetime) -> None:
    """(Re)plan the meeting's reminders `offsets` minutes before it; earlier plans are cancelled."""
    cancel(s, meeting.id)
    for minutes in offsets:
        at = meeting.starts_at - timedelta(minutes=minutes)
        if at > now:
            s.add(Reminder(meeting_id=meeting.id, remind_at=at))


def cancel(s: Session, meeting_id: int) -> None:
    s.exec(update(Reminder).where(Reminder.meeting_id == meeting_id, Reminder.status == "scheduled")
           .values(status="cancelled"))


def send_due(*, now: datetime) -> int:
    """Send every reminder that is due; returns how many went out. On PostgreSQL the due rows are
    locked (SKIP LOCKED: another worker's run takes the others); the conditional UPDATE claims each once."""
    sent = 0
    with transaction() as s:
        due = s.exec(select(Reminder).where(Reminder.status == "scheduled", Reminder.remind_at <= now)
                     .order_by(Reminder.remind_at).limit(BATCH).with_for_update(skip_locked=True)).all()
        for reminder in due:
            meeting = s.get(Meeting, reminder.meeting_id)
            begun = meeting is None or meeting.starts_at <= now or meeting.status not in LIVE
            claimed = s.exec(
                update(Reminder).where(Reminder.id == reminder.id, Reminder.status == "scheduled")
                .values(status="cancelled" if begun else "sent", sent_at=None if begun else now)
            ).rowcount
            if claimed == 1 and not begun:
                notifications.record(s, meeting, s.get(User, meeting.agent_id), "reminder", by="system", now=now)
                sent += 1
    return sent
