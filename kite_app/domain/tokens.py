"""Secret tokens (sessions, manage links, feed addresses, cookie tickets): only their SHA-256 is looked up,
so a lookup's timing tells nothing about the secret's characters."""

from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 24) -> str:
    """A URL-safe random token (192 bits by default)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """The hex SHA-256 a secret is stored and looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()
