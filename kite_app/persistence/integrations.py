"""Queries of installed integrations (Google Workspace)."""

from __future__ import annotations

from sqlmodel import Session, select

from kite_app.persistence.models import Integration


def integration(session: Session, name: str) -> Integration | None:
    return session.exec(select(Integration).where(Integration.name == name)).first()
