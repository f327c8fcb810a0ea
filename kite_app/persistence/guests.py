"""Queries of guest login codes and guest sessions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kite_app.persistence.models import GuestCode, GuestSession


def codes_since(session: Session, email: str, since: datetime) -> list[GuestCode]:
    return list(session.exec(select(GuestCode).where(GuestCode.email == email, GuestCode.created_at > since)).all())


def newest_unused_code(session: Session, email: str) -> GuestCode | None:
    return session.exec(select(GuestCode).where(GuestCode.email == email, col(GuestCode.used_at).is_(None))
                        .order_by(col(GuestCode.created_at).desc(), col(GuestCode.id).desc())).first()


def session_by_hash(session: Session, token_hash: str) -> GuestSession | None:
    return session.exec(select(GuestSession).where(GuestSession.token_hash == token_hash)).first()
