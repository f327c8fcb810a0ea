"""Queries of cookie tickets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from kite_app.persistence.models import CookieTicket


def by_hash(session: Session, ticket_hash: str) -> CookieTicket | None:
    return session.exec(select(CookieTicket).where(CookieTicket.ticket_hash == ticket_hash)).first()


def delete_expired(session: Session, now: datetime) -> None:
    session.exec(delete(CookieTicket).where(col(CookieTicket.expires_at) <= now))
