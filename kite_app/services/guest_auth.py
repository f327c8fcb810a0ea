"""Guest "Log in": a 6-digit code mailed to the guest proves their email on this browser."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from functools import partial

from kite_app import i18n
from kite_app.config import settings
from kite_app.domain.accounts import email_error, normalize_email
from kite_app.domain.errors import KiteError, TooManyAttempts, ValidationError
from kite_app.domain.text import msg
from kite_app.domain.tokens import token_hash
from kite_app.persistence import guests as q
from kite_app.persistence.db import transaction
from kite_app.persistence.models import GuestCode, GuestSession, OutboxMail
from kite_app.services import ratelimit

CODE_MINUTES = 10
MAX_CODE_ATTEMPTS = 5
SESSION_DAYS = 30


def request_code(email: str, *, now: datetime, client: str | None = None, language: str = i18n.DEFAULT) -> str:
    """Mail a fresh code (kept in the outbox until sent), in the guest's `language`. Returns the normalized
    email. Limited per client (`client`, its address) and per email."""
    ratelimit.check("code", client, now=now.timestamp())
    email = normalize_email(email)
    if message := email_error(email):
        raise ValidationError({"email": message})
    with transaction() as s:
        recent = q.codes_since(s, email, now - timedelta(minutes=10))
        if len(recent) >= settings.code_rate_per_10_minutes:
            raise TooManyAttempts(msg("Too many codes were sent to this email. Try again in 10 minutes."),
                                  retry_after=600)
        code = f"{secrets.randbelow(1_000_000):06d}"
        s.add(GuestCode(email=email, code_hash=token_hash(f"{email}:{code}"), created_at=now,
                        expires_at=now + timedelta(minutes=CODE_MINUTES)))
        tr = partial(i18n.say, language)
        expires = tr("It expires in {count} minutes.").format(count=CODE_MINUTES)
        ignore = tr("If you did not ask for it, ignore this mail.")
        your_code = tr("Your code is {code}.")
        s.add(OutboxMail(kind="login_code", to_email=email,
                         subject=tr("Your Kite Scheduler code: {code}").format(code=code),
                         body_text=f"{your_code.format(code=code)} {expires}\n\n{ignore}",
                         body_html=f"<p>{your_code.format(code=f'<strong>{code}</strong>')} {expires}</p>"
                                   f"<p>{ignore}</p>", created_at=now))
    return email


def verify_code(email: str, code: str, *, now: datetime) -> str:
    """Check the newest code for `email`; returns a guest session token for the browser."""
    email, code = normalize_email(email), (code or "").strip()
    with transaction() as s:
        row = q.newest_unused_code(s, email)
        if row is None or row.expires_at <= now:
            raise KiteError(msg("This code has expired. Ask for a new one."))
        if row.attempts >= MAX_CODE_ATTEMPTS:
            raise KiteError(msg("Too many wrong codes. Ask for a new one."))
        if not hmac.compare_digest(row.code_hash, token_hash(f"{email}:{code}")):
            row.attempts += 1
            s.add(row)
            failed = True
        else:
            failed = False
            row.used_at = now
            s.add(row)
            token = secrets.token_urlsafe(32)
            s.add(GuestSession(token_hash=token_hash(token), email=email, created_at=now,
                               expires_at=now + timedelta(days=SESSION_DAYS)))
    if failed:
        raise ValidationError({"code": msg("This code is not right. Check the mail and try again.")})
    return token


def guest_email(token: str | None, *, now: datetime) -> str | None:
    """The email a guest proved on this browser, or None."""
    if not token:
        return None
    with transaction(read_only=True) as s:
        row = q.session_by_hash(s, token_hash(token))
    return row.email if row is not None and row.expires_at > now else None
