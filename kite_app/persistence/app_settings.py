"""Settings the admin makes for the whole installation, one JSON row per key."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from kite_app.persistence.models import AppSetting


def get(session: Session, key: str) -> dict | None:
    row = session.get(AppSetting, key)
    return dict(row.data) if row is not None else None


def put(session: Session, key: str, data: dict, now: datetime) -> None:
    row = session.get(AppSetting, key) or AppSetting(key=key, data={}, updated_at=now)
    row.data, row.updated_at = data, now
    session.add(row)
