"""Reminders before meetings: rows in the database, each claimed atomically so it goes out once,
also across restarts and with several workers. One missed while the server was down goes out at
the next run if the meeting has not begun."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from kite_app.domain.meeting import LIVE, MeetingStatus
from kite_app.persistence import meetings as meeting_rows
from kite_app.persistence import reminders as q
from kite_app.persistence.db import must_get, transaction
from kite_app.persistence.models import Meeting, Reminder, User
from kite_app.services import notifications

BATCH = 50


def schedule(s: Session, meeting: Meeting, offsets: tuple[int, ...], now: datetime, *, new: bool = False) -> None:
    """(Re)plan the meeting's reminders `offsets` minutes before it; earlier plans are cancelled (a `new`
    meeting has none)."""
    if not new:
        cancel(s, meeting.id)
    for minutes in offsets:
        at = meeting.starts_at - timedelta(minutes=minutes)
        if at > now:
            s.add(Reminder(meeting_id=meeting.id, remind_at=at))


def cancel(s: Session, meeting_id: int) -> None:
    q.cancel_scheduled(s, meeting_id)


def send_due(*, now: datetime) -> int:
    """Send every reminder that is due; returns how many went out. On PostgreSQL the due rows are
    locked (SKIP LOCKED: another worker's run takes the others); the conditional UPDATE claims each once."""
    sent = 0
    with transaction() as s:
        for reminder in q.due(s, now, BATCH):
            meeting = s.get(Meeting, reminder.meeting_id)
            begun = meeting is None or meeting.starts_at <= now or meeting.status not in LIVE
            claimed = q.claim(s, reminder.id, "cancelled" if begun else "sent", None if begun else now)
            if claimed and meeting is not None and not begun:
                # a meeting not yet confirmed says so to both sides, naming who has not said yes
                group = meeting_rows.group(s, meeting)
                waiting = [must_get(s, User, r.agent_id).name for r in group if r.status == MeetingStatus.PENDING]
                notifications.record(s, meeting, must_get(s, User, meeting.agent_id), "reminder", by="system", now=now,
                                     unconfirmed=", ".join(waiting), unconfirmed_count=str(len(waiting)),
                                     hosts_count=str(len(group)) if len(group) > 1 else "")
                sent += 1
    return sent
