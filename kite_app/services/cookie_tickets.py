"""Cookies the browser's JavaScript never sees. A page's event handler runs over the websocket, which
cannot set a cookie; so it leaves the value under a short-lived ticket, and the page loads the ticket's
address (`/session/cookie?ticket=…`), whose answer sets the cookie HttpOnly.

Only the ticket's hash is stored; the value is sealed with a key derived from the ticket, so the
database alone cannot read it. A ticket works for TICKET_SECONDS: the page that asked may be left before
its image loaded, and the next page loads it again.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken

from kite_app.domain.tokens import new_token, token_hash
from kite_app.persistence import cookie_tickets as q
from kite_app.persistence.db import transaction
from kite_app.persistence.models import CookieTicket

TICKET_SECONDS = 120


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    max_age: int


def _seal(ticket: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"kite-cookie-ticket:" + ticket.encode()).digest()))


def issue(name: str, value: str, *, max_age: int, now: datetime) -> str:
    """A ticket that sets cookie `name` to `value` for `max_age` seconds in the browser that claims it."""
    ticket = new_token()
    with transaction() as s:
        q.delete_expired(s, now)
        s.add(CookieTicket(ticket_hash=token_hash(ticket), name=name, max_age=max_age,
                           sealed_value=_seal(ticket).encrypt(value.encode()).decode(),
                           expires_at=now + timedelta(seconds=TICKET_SECONDS)))
    return ticket


def claim(ticket: str, *, now: datetime) -> Cookie | None:
    """The cookie behind `ticket`; None for an unknown or expired ticket."""
    if not ticket:
        return None
    with transaction(read_only=True) as s:
        row = q.by_hash(s, token_hash(ticket))
        if row is None or row.expires_at <= now:
            return None
        try:
            value = _seal(ticket).decrypt(row.sealed_value.encode()).decode()
        except InvalidToken:
            return None
        return Cookie(row.name, value, row.max_age)
