"""API keys for /api/v1: made by admins (Admin or Agent scope) and by agents (their own Agent keys), shown once,
kept as a SHA-256, revoked at will. `caller` turns a key from a request into who is asking."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict

from sqlmodel import Session, col, select

from kite_app.config import settings
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import NotFound, PermissionDenied, Unauthenticated, ValidationError
from kite_app.domain.text import msg
from kite_app.persistence.db import transaction
from kite_app.persistence.integration_models import ApiKey
from kite_app.persistence.models import User
from kite_app.services import ratelimit
from kite_app.services.accounts import require_login

PREFIX = "kite_"
SCOPES = ("admin", "agent")
MAX_NAME = 100


class KeyView(TypedDict):
    id: int
    name: str
    scope: str  # "admin" or "agent"
    agent_name: str  # whose meetings an Agent key reaches ("" for an Admin key)
    hint: str  # the key's first characters ("kite_Ab3d…")
    created_at: str  # ISO 8601 UTC
    last_used_at: str  # "" when never used
    revoked: bool


@dataclass(frozen=True)
class Caller:
    """Who a request's key is: an Admin key acts as its admin, an Agent key as its agent only."""

    key_id: int
    scope: str
    actor: Actor

    @property
    def is_admin(self) -> bool:
        return self.scope == "admin"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _view(s: Session, key: ApiKey) -> KeyView:
    user = s.get(User, key.user_id)
    return KeyView(id=key.id, name=key.name, scope=key.scope,
                   agent_name=user.name if user is not None and key.scope == "agent" else "",
                   hint=key.hint + "…", created_at=key.created_at.isoformat(),
                   last_used_at=key.last_used_at.isoformat() if key.last_used_at else "",
                   revoked=key.revoked_at is not None)


def keys(actor: Actor | None) -> list[KeyView]:
    """Admins: every key; agents: their own."""
    actor = require_login(actor)
    with transaction(read_only=True) as s:
        query = select(ApiKey).order_by(col(ApiKey.id).desc())
        if not actor.is_admin:
            query = query.where(ApiKey.user_id == actor.user_id, ApiKey.scope == "agent")
        return [_view(s, k) for k in s.exec(query)]


def create(actor: Actor | None, *, name: str, scope: str, agent_id: int | None = None,
           now: datetime) -> tuple[KeyView, str]:
    """A new key and its text (≥ 192 bits after `kite_`), shown this once. Agents make Agent keys for themselves;
    admins make Admin keys, or Agent keys for an agent (`agent_id`)."""
    actor = require_login(actor)
    name = " ".join(name.split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = msg("Give the key a name, like the system that will use it.")
    elif len(name) > MAX_NAME:
        errors["name"] = msg("Use at most {count} characters.", count=MAX_NAME)
    if scope not in SCOPES:
        errors["scope"] = msg("Choose Admin or Agent.")
    if errors:
        raise ValidationError(errors)
    with transaction() as s:
        if not actor.is_admin:
            if scope != "agent" or agent_id not in (None, actor.user_id):
                raise PermissionDenied(msg("Agents can make Agent keys for themselves only."))
            owner = actor.user_id
        elif scope == "agent":
            agent = s.get(User, agent_id) if agent_id is not None else None
            if agent is None or agent.role != Role.AGENT.value:
                raise ValidationError({"agent": msg("Choose the agent whose meetings this key reaches.")})
            owner = agent.id
        else:
            owner = actor.user_id
        key = PREFIX + secrets.token_urlsafe(32)
        row = ApiKey(name=name, scope=scope, user_id=owner, created_by=actor.user_id, key_hash=_hash(key),
                     hint=key[:10], created_at=now)
        s.add(row)
        s.flush()
        return _view(s, row), key


def revoke(actor: Actor | None, key_id: int, *, now: datetime) -> None:
    """Revoke a key at once (admins: any; agents: their own)."""
    actor = require_login(actor)
    with transaction() as s:
        row = s.get(ApiKey, key_id)
        if row is None or (not actor.is_admin and (row.user_id != actor.user_id or row.scope != "agent")):
            raise NotFound(msg("This key does not exist."))
        if row.revoked_at is None:
            row.revoked_at = now
            s.add(row)


UNKNOWN = msg("Send a valid API key: Authorization: Bearer kite_…")


def caller(authorization: str | None, *, now: datetime | None = None) -> Caller:
    """Who `Authorization: Bearer kite_…` is, with the key's use recorded and its rate limit applied.
    Unauthenticated without a key, or with one unknown or revoked, or whose user left."""
    now = now or datetime.now(UTC)
    scheme, _, key = (authorization or "").strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key.startswith(PREFIX) or len(key) > 200:
        raise Unauthenticated(UNKNOWN)
    with transaction() as s:
        row = s.exec(select(ApiKey).where(ApiKey.key_hash == _hash(key))).first()
        if row is None or row.revoked_at is not None:
            raise Unauthenticated(msg("This API key is unknown or was revoked."))
        user = s.get(User, row.user_id)
        expected = Role.ADMIN.value if row.scope == "admin" else Role.AGENT.value
        if user is None or not user.active or user.role != expected:
            raise Unauthenticated(msg("This API key's user is no longer active."))
        ratelimit.hit("api_key", str(row.id), limit=settings.api_rate_per_minute, window=60, now=now.timestamp())
        row.last_used_at = now
        s.add(row)
        return Caller(key_id=row.id, scope=row.scope, actor=Actor(
            user_id=user.id, role=Role(user.role), name=user.name, time_zone=user.time_zone,
            language=user.language or "en"))
