"""Queries of agents' CalDAV accounts."""

from __future__ import annotations

from sqlmodel import Session, col, select

from kite_app.persistence.calendar_models import CalDAVAccount
from kite_app.persistence.models import User


def accounts_of(session: Session, agent_id: int) -> list[CalDAVAccount]:
    return list(session.exec(select(CalDAVAccount).where(CalDAVAccount.agent_id == agent_id)
                             .order_by(col(CalDAVAccount.id))))


def account_with_agent(session: Session, account_id: int) -> tuple[CalDAVAccount, User] | None:
    row = session.exec(select(CalDAVAccount, User).join(User, col(User.id) == col(CalDAVAccount.agent_id))
                       .where(CalDAVAccount.id == account_id)).first()
    return (row[0], row[1]) if row else None


def same_login(session: Session, agent_id: int, server_url: str, username: str) -> CalDAVAccount | None:
    return session.exec(select(CalDAVAccount).where(CalDAVAccount.agent_id == agent_id,
                                                    CalDAVAccount.server_url == server_url,
                                                    CalDAVAccount.username == username)).first()
