"""Secrets kept in the database (the Google key, CalDAV passwords), encrypted with KITE_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from kite_app.config import settings


def secret_key_set() -> bool:
    return bool(settings.secret_key)


def fernet() -> Fernet | None:
    """The cipher of KITE_SECRET_KEY; None when the server has none (nothing can be stored then)."""
    if not settings.secret_key:
        return None
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(settings.secret_key.encode()).digest()))


def seal(text: str) -> str | None:
    """`text` encrypted; None without KITE_SECRET_KEY."""
    box = fernet()
    return box.encrypt(text.encode()).decode() if box is not None else None


def unseal(sealed: str) -> str | None:
    """What `seal` encrypted; None without KITE_SECRET_KEY or with another one."""
    box = fernet()
    if box is None:
        return None
    try:
        return box.decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
