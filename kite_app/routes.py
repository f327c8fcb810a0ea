"""Route constants and URL builders: every page address lives here."""

from __future__ import annotations

from urllib.parse import quote

INDEX = "/"
SETUP = "/setup"
LOGIN = "/login"
AGENTS = "/admin/agents"
PROFILE = "/profile"
BOOKING = "/book/[slug]"
TEAM_BOOKING = "/team/[slug]"
ONE_TIME = "/once/[slug]"  # a one-time link's page: its secret token where the others have a slug
TEAMS = "/admin/teams"
KITE_SETTINGS = "/settings"
MANAGE = "/manage/[token]"
INBOX = "/inbox"
MEETINGS = "/meetings"
OUTBOX = "/admin/outbox"
INTEGRATIONS = "/admin/integrations"
API_KEYS = "/admin/api-keys"
WEBHOOKS = "/admin/webhooks"
FEED = "/calendar/{token}.ics"
COOKIE_CLAIM = "/session/cookie"


def booking_path(slug: str) -> str:
    return f"/book/{quote(slug, safe='')}"


def booking_url(public_url: str, slug: str) -> str:
    return public_url.rstrip("/") + booking_path(slug)


def login_path(next_path: str | None = None) -> str:
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return LOGIN
    return f"{LOGIN}?next={quote(next_path, safe='/')}"


def feed_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + FEED.format(token=quote(token, safe=""))


def manage_path(token: str) -> str:
    return f"/manage/{quote(token, safe='')}"


def manage_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + manage_path(token)


def widget_url(public_url: str) -> str:
    return public_url.rstrip("/") + "/widget.js"


def cookie_claim_path(ticket: str) -> str:
    return f"{COOKIE_CLAIM}?ticket={quote(ticket, safe='')}"


def team_path(slug: str) -> str:
    return f"/team/{quote(slug, safe='')}"


def one_time_path(token: str) -> str:
    return f"/once/{quote(token, safe='')}"


def team_url(public_url: str, slug: str) -> str:
    return public_url.rstrip("/") + team_path(slug)


def agent_photo_path(slug: str, version: int) -> str:
    """The agent's booking page photo; the version changes the address whenever the photo does."""
    return f"/api/v1/agents/{quote(slug, safe='')}/photo?v={version}" if version else ""


def booking_calendar_file_path(token: str) -> str:
    return f"/api/v1/bookings/{quote(token, safe='')}/meeting.ics"
