"""The cookies Kite keeps in browsers: every one HttpOnly (the page's JavaScript never sees it),
SameSite=Lax, Path=/, and Secure behind TLS (KITE_SECURE_COOKIES). They are set and cleared only by
the server (kite_app/api/cookies.py) and read from requests (kite_app/ui/browser.py)."""

from __future__ import annotations

from kite_app.config import settings
from kite_app.services.guest_auth import SESSION_DAYS as GUEST_DAYS

SESSION = "kite_session"  # an admin's or agent's login session
GUEST = "kite_guest"  # a guest who proved their email with a code
MEETING_LINKS = "kite_meeting_links"  # manage links of the meetings booked on this browser ("My meetings")
LANGUAGE = "kite_language"  # the language a guest chose with the page's switcher
HOLDER = "kite_holder"  # who this browser is to the times it holds while a guest fills in their details

LIFETIMES = {
    SESSION: lambda: settings.session_hours * 3600,
    GUEST: lambda: GUEST_DAYS * 86400,
    MEETING_LINKS: lambda: 366 * 86400,
    LANGUAGE: lambda: 366 * 86400,
    HOLDER: lambda: 86400,
}


def attributes() -> dict:
    """What every cookie is set with (Starlette's set_cookie keywords)."""
    return {"path": "/", "httponly": True, "samesite": "lax", "secure": settings.cookies_secure}


def read(header: str, name: str) -> str:
    """Cookie `name` from a request's Cookie header ("" when absent)."""
    for part in (header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"')
    return ""
