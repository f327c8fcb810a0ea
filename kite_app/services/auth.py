"""Logging in and out: Argon2 passwords, server-side sessions, and a throttle on failures."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from kite_app import i18n
from kite_app.config import settings
from kite_app.domain.accounts import Actor, Role, normalize_email
from kite_app.domain.errors import KiteError, TooManyAttempts
from kite_app.domain.text import msg
from kite_app.domain.tokens import token_hash
from kite_app.persistence import accounts as q
from kite_app.persistence.db import transaction
from kite_app.persistence.models import LoginFailure, LoginSession
from kite_app.services.passwords import verify_password

WRONG_CREDENTIALS = msg("Email or password is incorrect.")


class LoginFailed(KiteError):
    pass


def log_in(*, email: str, password: str, now: datetime, locale_tag: str = "") -> tuple[str, q.UserView]:
    """Check the password and open a session. Returns (session token, user). `locale_tag` is their browser's
    language ("en-US"): the first login sets the person's language to the best match (they change it in Profile
    after), and each login makes its date and time conventions those of their mails."""
    email = normalize_email(email)
    window = timedelta(minutes=settings.login_lock_minutes)
    with transaction() as s:
        recent = q.failures_since(s, email, now - window)
        if len(recent) >= settings.login_max_failures:
            retry_after = (recent[-settings.login_max_failures] + window - now).total_seconds()
            minutes = max(1, math.ceil(retry_after / 60))
            raise TooManyAttempts(
                msg("Too many failed attempts. Try again in {count} minutes.", count=minutes) if minutes != 1
                else msg("Too many failed attempts. Try again in a minute."),
                retry_after=int(retry_after),
            )
        user = q.user_by_email(s, email) if email else None
        if not verify_password(user.password_hash if user else None, password):
            s.add(LoginFailure(email=email, failed_at=now))
            failed = True
        else:
            failed = False
    if failed or user is None:  # the failure row is committed before we refuse
        raise LoginFailed(WRONG_CREDENTIALS)
    if not user.active:
        raise LoginFailed(msg("This account is deactivated. Ask your admin to reactivate it."))
    token = secrets.token_urlsafe(32)
    with transaction() as s:
        q.clear_failures(s, email)
        if not user.language:
            user.language = i18n.best_language([locale_tag]) if locale_tag else i18n.DEFAULT
        if locale_tag[:35] != user.locale_tag:  # the conventions of the browser they use now, for their mails
            user.locale_tag = locale_tag[:35]
        s.add(user)
        s.add(
            LoginSession(
                token_hash=token_hash(token), user_id=user.id, created_at=now,
                expires_at=now + timedelta(hours=settings.session_hours),
            )
        )
    return token, q.to_view(user)


def actor_for_token(token: str | None, *, now: datetime) -> Actor | None:
    """Who holds this session token: None if it is unknown, expired, revoked or the user is inactive."""
    if not token:
        return None
    with transaction(read_only=True) as s:
        found = q.session_with_user(s, token_hash(token))
    if found is None:
        return None
    login, user = found
    if login.revoked_at is not None or login.expires_at <= now or not user.active:
        return None
    return Actor(user_id=user.id, role=Role(user.role), name=user.name, time_zone=user.time_zone,
                 language=user.language or i18n.DEFAULT)


def log_out(token: str | None, *, now: datetime) -> None:
    """Revoke the session for good (a copied token stops working too)."""
    if not token:
        return
    with transaction() as s:
        found = q.session_with_user(s, token_hash(token))
        if found and found[0].revoked_at is None:
            found[0].revoked_at = now
            s.add(found[0])
