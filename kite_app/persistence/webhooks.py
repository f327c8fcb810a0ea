"""Queries of webhook endpoints and their deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from kite_app.persistence.integration_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.exec(select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))))


def listening(session: Session, event: str) -> list[WebhookEndpoint]:
    """The enabled endpoints that want `event` (the filter by agent or team is the caller's)."""
    return [e for e in session.exec(select(WebhookEndpoint).where(col(WebhookEndpoint.enabled)))
            if event in e.events]


def _free(now: datetime):
    return or_(col(WebhookDelivery.claimed_until).is_(None), col(WebhookDelivery.claimed_until) < now)


def due(session: Session, now: datetime, limit: int) -> list[int]:
    """Deliveries whose time has come, of enabled endpoints, oldest first; one waits while an earlier delivery
    of the same meeting to the same endpoint has not gone out (receivers get a meeting's events in order)."""
    earlier = aliased(WebhookDelivery)
    blocked = exists().where(col(earlier.endpoint_id) == col(WebhookDelivery.endpoint_id),
                             col(earlier.meeting_id) == col(WebhookDelivery.meeting_id),
                             col(earlier.status) == "pending", col(earlier.id) < col(WebhookDelivery.id))
    query = (select(WebhookDelivery.id).join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
             .where(WebhookDelivery.status == "pending", col(WebhookDelivery.next_attempt_at) <= now, _free(now),
                    col(WebhookEndpoint.enabled), or_(col(WebhookDelivery.meeting_id).is_(None), ~blocked))
             .order_by(col(WebhookDelivery.id)).limit(limit))
    return list(session.exec(query))


def claim(session: Session, delivery_id: int, now: datetime, until: datetime) -> bool:
    """Take the delivery for this sender alone (another worker's claim, or a send, wins otherwise)."""
    taken = session.exec(update(WebhookDelivery).where(
        and_(col(WebhookDelivery.id) == delivery_id, col(WebhookDelivery.status) == "pending", _free(now)))
        .values(claimed_until=until)).rowcount
    return taken == 1


def log(session: Session, endpoint_id: int, *, status: str = "", limit: int = 100
        ) -> list[tuple[WebhookAttempt | None, WebhookDelivery]]:
    """An endpoint's deliveries, newest first, each with its tries (a delivery not tried yet: None)."""
    query = (select(WebhookDelivery, WebhookAttempt)
             .join(WebhookAttempt, col(WebhookAttempt.delivery_id) == WebhookDelivery.id, isouter=True)
             .where(WebhookDelivery.endpoint_id == endpoint_id))
    if status:
        query = query.where(WebhookDelivery.status == status)
    rows = session.exec(query.order_by(col(WebhookDelivery.id).desc(), col(WebhookAttempt.id).desc()).limit(limit))
    return [(attempt, delivery) for delivery, attempt in rows]


def failed_since(session: Session, endpoint_id: int, since: datetime) -> list[WebhookDelivery]:
    return list(session.exec(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "failed",
        col(WebhookDelivery.created_at) >= since).order_by(col(WebhookDelivery.id))))
