"""The outbox dispatcher: sends queued mails over SMTP, each once, and retries with backoff.

A row is claimed (claimed_until in the future) by one dispatcher right before it is sent and marked
sent right after. On PostgreSQL it is picked with FOR UPDATE SKIP LOCKED, so dispatchers in several
workers take different rows instead of waiting for each other; the conditional UPDATE makes the claim
atomic on SQLite too. A dispatcher killed while sending loses its claim when it runs out: that one
mail may then go out again, with the same Message-ID.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select

from kite_app.config import settings
from kite_app.persistence.db import must_get, transaction
from kite_app.persistence.models import OutboxMail
from kite_app.providers.calendar.ics import invite, invite_from
from kite_app.providers.mail.smtp import MailError, SmtpSettings, send

log = logging.getLogger(__name__)
CLAIM = timedelta(seconds=30)  # one mail at a time; a dead dispatcher's mail is free again after this
RUN_SECONDS = 10  # a run claims no more mails after this; one being sent ends within the SMTP timeout (15 s)
BATCH = 50
MAX_BACKOFF = timedelta(minutes=5)


def smtp_settings() -> SmtpSettings | None:
    if not settings.smtp_host:
        return None
    return SmtpSettings(host=settings.smtp_host, port=settings.smtp_port, security=settings.smtp_security,
                        user=settings.smtp_user, password=settings.smtp_password, sender=settings.mail_from)


def backoff(attempts: int) -> timedelta:
    """By default 15 s, 30 s, 1 min, 2 min, 4 min, then every 5 min: an hour-long outage loses nothing."""
    return min(timedelta(seconds=settings.mail_retry_seconds * 2 ** max(0, attempts - 1)), MAX_BACKOFF)


def message_id(mail: OutboxMail) -> str:
    """The same Message-ID every time one outbox row is sent: `<kite-mail-ID-CREATED@sender's domain>`."""
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    return f"<kite-mail-{mail.id}-{mail.created_at:%Y%m%d%H%M%S}@{domain}>"


def attachment(mail: OutboxMail) -> str | None:
    """The mail's iCalendar attachment, written out from its facts (the mail's text is its description)."""
    if mail.invite is not None:
        return invite(invite_from(mail.invite, mail.body_text))
    return mail.ics


def _claim_next(now: datetime) -> OutboxMail | None:
    """Claim the next due mail for this dispatcher alone, or None when nothing is due."""
    with transaction() as s:
        free = or_(col(OutboxMail.claimed_until).is_(None), col(OutboxMail.claimed_until) < now)
        due = s.exec(select(OutboxMail).where(
            col(OutboxMail.sent_at).is_(None), free,
            or_(col(OutboxMail.next_attempt_at).is_(None), col(OutboxMail.next_attempt_at) <= now),
        ).order_by(col(OutboxMail.id)).limit(1).with_for_update(skip_locked=True)).first()
        if due is None:
            return None
        taken = s.exec(update(OutboxMail).where(col(OutboxMail.id) == due.id, col(OutboxMail.sent_at).is_(None), free)
                       .values(claimed_until=now + CLAIM)).rowcount
        return due if taken == 1 else None  # (the row lock makes this 1; the next run would try again)


def dispatch(*, now: datetime, cfg: SmtpSettings | None = None) -> int:
    """Send what is due. Without SMTP settings mails stay in the outbox. Returns how many were sent."""
    cfg = cfg or smtp_settings()
    if cfg is None:
        return 0
    sent = 0
    budget_ends = time.monotonic() + RUN_SECONDS  # claims count from `now`: stop well before they run out
    for _ in range(BATCH):
        if time.monotonic() > budget_ends or (mail := _claim_next(now)) is None:
            break
        mail_id = mail.id
        try:
            send(cfg, to=mail.to_email, subject=mail.subject, text=mail.body_text, html=mail.body_html,
                 ics=attachment(mail),
                 ics_method="CANCEL" if mail.kind in ("deleted", "declined") else "REQUEST",
                 message_id=message_id(mail))
        except (MailError, OSError) as exc:
            with transaction() as s:
                row = must_get(s, OutboxMail, mail_id)
                row.attempts += 1
                row.next_attempt_at = now + backoff(row.attempts)
                row.claimed_until, row.last_error = None, str(exc)[:500]
                s.add(row)
            log.warning("mail %s to %s not sent (attempt %s): %s", mail_id, mail.to_email, mail.attempts + 1, exc)
            continue
        with transaction() as s:
            row = must_get(s, OutboxMail, mail_id)
            row.sent_at, row.claimed_until, row.attempts = now, None, row.attempts + 1
            s.add(row)
        sent += 1
    return sent
