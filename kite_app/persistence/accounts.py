"""Queries on users, login sessions and login failures. Rows in, plain data out."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from kite_app.persistence.models import LoginFailure, LoginSession, User


class UserView(TypedDict):
    id: int
    name: str
    email: str
    role: str
    time_zone: str
    slug: str
    active: bool
    description: str
    photo_version: int
    video_url: str
    language: str


def to_view(user: User) -> UserView:
    return UserView(
        id=user.id or 0,
        name=user.name,
        email=user.email,
        role=user.role,
        time_zone=user.time_zone,
        slug=user.slug or "",
        active=user.active,
        description=user.description,
        photo_version=user.photo_version,
        video_url=user.video_url,
        language=user.language or "en",
    )


def count_role(session: Session, role: str) -> int:
    return session.exec(select(func.count()).select_from(User).where(User.role == role)).one()


def user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email)).first()


def user_by_slug(session: Session, slug: str) -> User | None:
    return session.exec(select(User).where(User.slug == slug)).first()


def slugs_like(session: Session, base: str) -> set[str]:
    rows = session.exec(select(User.slug).where(col(User.slug).is_not(None), col(User.slug).startswith(base))).all()
    return {s for s in rows if s}


def users_with_role(session: Session, role: str) -> list[User]:
    query = select(User).where(User.role == role).order_by(func.lower(col(User.name)), col(User.id))
    return list(session.exec(query).all())


def session_with_user(session: Session, token_hash: str) -> tuple[LoginSession, User] | None:
    row = session.exec(
        select(LoginSession, User).join(User, col(User.id) == col(LoginSession.user_id))
        .where(LoginSession.token_hash == token_hash)
    ).first()
    return (row[0], row[1]) if row else None


def revoke_sessions_of(session: Session, user_id: int, now: datetime) -> None:
    session.exec(
        update(LoginSession)
        .where(col(LoginSession.user_id) == user_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )


def failures_since(session: Session, email: str, since: datetime) -> list[datetime]:
    return list(
        session.exec(
            select(LoginFailure.failed_at)
            .where(LoginFailure.email == email, LoginFailure.failed_at > since)
            .order_by(col(LoginFailure.failed_at))
        ).all()
    )


def clear_failures(session: Session, email: str) -> None:
    for row in session.exec(select(LoginFailure).where(LoginFailure.email == email)).all():
        session.delete(row)
