"""Webhook endpoints (an admin's) and the events they get. An event's deliveries are written in the same
transaction as the change it reports (`enqueue`), so a crash after the commit loses nothing;
kite_app/services/webhook_delivery.py sends them."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from typing import TypedDict

import orjson
from sqlmodel import Session

from kite_app.config import settings
from kite_app.domain.accounts import Actor
from kite_app.domain.errors import NotFound, ValidationError
from kite_app.domain.text import msg
from kite_app.domain.webhooks import EVENTS, OVERLAP, PING, check_url
from kite_app.persistence import accounts as user_rows
from kite_app.persistence import meetings as meeting_rows
from kite_app.persistence import teams as team_rows
from kite_app.persistence import webhooks as q
from kite_app.persistence.db import after_commit, must_get, transaction
from kite_app.persistence.integration_models import WebhookDelivery, WebhookEndpoint
from kite_app.persistence.models import Meeting, Team, User
from kite_app.providers import webhook_http
from kite_app.services import meeting_views, webhook_delivery
from kite_app.services.accounts import require_admin
from kite_app.services.install import require_box

NO_SECRET = msg("Webhook secrets are stored encrypted: set KITE_SECRET_KEY on the server first (README, "
                "\"Configuration\").")


class EndpointView(TypedDict):
    id: int
    url: str
    description: str
    events: list[str]
    agent_slug: str  # only this agent's meetings; "" for every agent
    team_slug: str  # only this team's meetings; ""
    enabled: bool
    disabled_reason: str  # "gone" (the receiver answered 410), "failing" (the last retry failed), ""
    created_at: str
    rotating_until: str  # the previous secret also signs until then (ISO 8601); ""


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _view(s: Session, e: WebhookEndpoint) -> EndpointView:
    agent = s.get(User, e.agent_id) if e.agent_id is not None else None
    team = s.get(Team, e.team_id) if e.team_id is not None else None
    rotating = e.previous_until is not None and e.previous_until > datetime.now(UTC)
    return EndpointView(id=e.id, url=e.url, description=e.description, events=list(e.events),
                        agent_slug=(agent.slug or "") if agent else "", team_slug=team.slug if team else "",
                        enabled=e.enabled, disabled_reason=e.disabled_reason,
                        created_at=e.created_at.astimezone(UTC).isoformat(),
                        rotating_until=e.previous_until.isoformat() if rotating and e.previous_until else "")


def endpoints(actor: Actor | None) -> list[EndpointView]:
    require_admin(actor)
    with transaction(read_only=True) as s:
        return [_view(s, e) for e in q.endpoints(s)]


def endpoint(actor: Actor | None, endpoint_id: int) -> EndpointView:
    require_admin(actor)
    with transaction(read_only=True) as s:
        return _view(s, _get(s, endpoint_id))


def _get(s: Session, endpoint_id: int) -> WebhookEndpoint:
    found = s.get(WebhookEndpoint, endpoint_id)
    if found is None:
        raise NotFound(msg("This webhook endpoint does not exist."))
    return found


def check_address(url: str) -> str:
    """The endpoint's address as given, checked: https (or http when KITE_WEBHOOK_ALLOW_HTTP), and not a
    loopback, private or link-local address unless KITE_WEBHOOK_ALLOW_PRIVATE (checked again at each send)."""
    try:
        target = check_url(url, allow_http=settings.webhook_allow_http)
    except ValueError as exc:
        raise ValidationError({"url": str(exc.args[0])}) from None
    if not settings.webhook_allow_private:
        try:
            webhook_http.resolve(target, allow_private=False)
        except OSError:
            raise ValidationError({"url": msg("{host} cannot be found. Check the address.",
                                              host=target.host)}) from None
        except webhook_http.AddressNotAllowed:
            raise ValidationError({"url": msg("This address is on a private or local network, where webhooks may "
                                              "not go (KITE_WEBHOOK_ALLOW_PRIVATE allows it).")}) from None
    return url.strip()


def _checked_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        raise ValidationError({"events": msg("Choose at least one of: {choices}.", choices=", ".join(EVENTS))})
    return [e for e in EVENTS if e in events]


def _description(text: str) -> str:
    if len(text) > 200:
        raise ValidationError({"description": msg("Use at most {count} characters.", count=200)})
    return text.strip()


def _filters(s: Session, agent_slug: str, team_slug: str) -> tuple[int | None, int | None]:
    agent_id = team_id = None
    if agent_slug:
        agent = user_rows.user_by_slug(s, agent_slug)
        if agent is None:
            raise ValidationError({"agent_slug": msg("There is no agent with this address.")})
        agent_id = agent.id
    if team_slug:
        team = team_rows.by_slug(s, team_slug)
        if team is None:
            raise ValidationError({"team_slug": msg("There is no team with this address.")})
        team_id = team.id
    if agent_id is not None and team_id is not None:
        raise ValidationError({"team_slug": msg("Choose an agent or a team, not both.")})
    return agent_id, team_id


def create(actor: Actor | None, *, url: str, events: list[str], description: str = "", agent_slug: str = "",
           team_slug: str = "", enabled: bool = True, now: datetime) -> tuple[EndpointView, str]:
    """A new endpoint and its secret (whsec_…), shown this once."""
    require_admin(actor)
    box = require_box(NO_SECRET)
    errors: dict[str, str] = {}
    for check in (lambda: check_address(url), lambda: _checked_events(events), lambda: _description(description)):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    url = url.strip()
    secret = new_secret()
    with transaction() as s:
        agent_id, team_id = _filters(s, agent_slug, team_slug)
        row = WebhookEndpoint(url=url, description=description.strip(), events=_checked_events(events),
                              agent_id=agent_id, team_id=team_id, enabled=enabled,
                              sealed_secret=box.encrypt(secret.encode()).decode(), created_at=now, updated_at=now)
        s.add(row)
        s.flush()
        return _view(s, row), secret


def update(actor: Actor | None, endpoint_id: int, *, now: datetime, url: str | None = None,
           events: list[str] | None = None, description: str | None = None, agent_slug: str | None = None,
           team_slug: str | None = None, enabled: bool | None = None) -> EndpointView:
    """Change what is given; enabling an endpoint Kite disabled clears why, and its waiting deliveries go out."""
    require_admin(actor)
    checked_url = check_address(url) if url is not None else None
    checked_events = _checked_events(events) if events is not None else None
    with transaction() as s:
        row = _get(s, endpoint_id)
        if checked_url is not None:
            row.url = checked_url
        if checked_events is not None:
            row.events = checked_events
        if description is not None:
            row.description = _description(description)
        if agent_slug is not None or team_slug is not None:
            current_agent = (agent.slug or "") if row.agent_id and (agent := s.get(User, row.agent_id)) else ""
            current_team = team.slug if row.team_id and (team := s.get(Team, row.team_id)) else ""
            row.agent_id, row.team_id = _filters(s, current_agent if agent_slug is None else agent_slug,
                                                 current_team if team_slug is None else team_slug)
        if enabled is not None:
            row.enabled = enabled
            if enabled:
                row.disabled_reason = ""
                after_commit(s, webhook_delivery.wake)
        row.updated_at = now
        s.add(row)
        return _view(s, row)


def delete(actor: Actor | None, endpoint_id: int) -> None:
    require_admin(actor)
    with transaction() as s:
        s.delete(_get(s, endpoint_id))


def rotate_secret(actor: Actor | None, endpoint_id: int, *, now: datetime) -> str:
    """A new secret, shown this once; the old one also signs for 24 hours, so receivers can switch over."""
    require_admin(actor)
    box = require_box(NO_SECRET)
    secret = new_secret()
    with transaction() as s:
        row = _get(s, endpoint_id)
        row.previous_secret, row.previous_until = row.sealed_secret, now + OVERLAP
        row.sealed_secret, row.updated_at = box.encrypt(secret.encode()).decode(), now
        s.add(row)
    return secret


def send_test(actor: Actor | None, endpoint_id: int, *, now: datetime) -> None:
    """"Send test event": a `ping` to this endpoint, delivered (and logged) like any event."""
    require_admin(actor)
    with transaction() as s:
        row = _get(s, endpoint_id)
        _add(s, row, PING, {"endpoint_id": row.id, "message": "Kite Scheduler test event"}, None, now)


def _add(s: Session, endpoint: WebhookEndpoint, event: str, data: dict, meeting_id: int | None,
         now: datetime) -> None:
    body = orjson.dumps({"type": event, "timestamp": now.astimezone(UTC).isoformat(), "data": data}).decode()
    s.add(WebhookDelivery(endpoint_id=endpoint.id, msg_id="msg_" + secrets.token_urlsafe(21), event=event,
                          meeting_id=meeting_id, body=body, created_at=now, next_attempt_at=now))
    after_commit(s, webhook_delivery.wake)


def enqueue(s: Session, meeting: Meeting, event: str, now: datetime, *, order_id: int | None = None,
            previous: dict | None = None) -> None:
    """In the change's own transaction: one delivery of `event` about `meeting` (its state now, and what it was
    before a change: `previous`)
    for every enabled endpoint that wants it (and whose agent or team filter it passes). It goes out after the
    earlier deliveries of the same meeting (of meeting `order_id`, when given: a reassigned meeting's old row)."""
    listening = q.listening(s, event)
    if not listening:
        return
    rows = meeting_rows.group(s, meeting)
    first = rows[0]
    hosts = {r.agent_id for r in rows}
    wanted = [e for e in listening if (e.agent_id is None or e.agent_id in hosts)
              and (e.team_id is None or e.team_id == first.team_id)]
    if not wanted:
        return
    data = meeting_views.meeting_object(meeting_views.view(first, must_get(s, User, first.agent_id), "", now, s))
    if previous is not None:
        data["previous"] = previous
    for endpoint in wanted:
        _add(s, endpoint, event, data, order_id or first.id, now)


class AttemptRow(TypedDict):
    delivery_id: int
    msg_id: str
    event: str
    delivery_status: str  # "pending", "delivered" or "failed"
    attempt: int  # 0: not tried yet
    at: str  # ISO 8601 UTC: the try's time (the event's, when not tried yet)
    status: str  # the receiver's HTTP status, or "" when none came
    milliseconds: int
    response: str  # the first KB of the answer, or what went wrong


def deliveries(actor: Actor | None, endpoint_id: int, *, status: str = "", limit: int = 100) -> list[AttemptRow]:
    """The Deliveries log: each try, newest first (filtered by the delivery's status)."""
    require_admin(actor)
    if status not in ("", "pending", "delivered", "failed"):
        raise ValidationError({"status": msg("Choose one of: {choices}.", choices="pending, delivered, failed")})
    with transaction(read_only=True) as s:
        _get(s, endpoint_id)
        return [AttemptRow(delivery_id=d.id, msg_id=d.msg_id, event=d.event, delivery_status=d.status,
                           attempt=a.attempt if a else 0, at=(a.at if a else d.created_at).astimezone(UTC).isoformat(),
                           status=str(a.status) if a and a.status is not None else "",
                           milliseconds=a.milliseconds if a else 0, response=a.response if a else "")
                for a, d in q.log(s, endpoint_id, status=status, limit=limit)]


def replay(actor: Actor | None, delivery_id: int, *, now: datetime) -> None:
    """Send a delivery again, now (the same webhook-id: a receiver that has it already can tell), with the
    whole retry schedule."""
    require_admin(actor)
    with transaction() as s:
        delivery = s.get(WebhookDelivery, delivery_id)
        if delivery is None:
            raise NotFound(msg("This delivery does not exist."))
        _again(s, delivery, now)


def replay_failed(actor: Actor | None, endpoint_id: int, *, since: datetime, now: datetime) -> int:
    """Replay every failed delivery of the endpoint since `since`; how many."""
    require_admin(actor)
    with transaction() as s:
        _get(s, endpoint_id)
        failed = q.failed_since(s, endpoint_id, since)
        for delivery in failed:
            _again(s, delivery, now)
        return len(failed)


def _again(s: Session, delivery: WebhookDelivery, now: datetime) -> None:
    delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.claimed_until = "pending", 0, now, None
    s.add(delivery)
    after_commit(s, webhook_delivery.wake)
