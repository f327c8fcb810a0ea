"""Queries of the outbox (mails written with the change that caused them, sent by the dispatcher)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kite_app.persistence.models import OutboxMail


def newest(session: Session, limit: int) -> list[OutboxMail]:
    return list(session.exec(select(OutboxMail).order_by(col(OutboxMail.id).desc()).limit(limit)).all())
