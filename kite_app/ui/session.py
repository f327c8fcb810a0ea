"""The signed-in person, read from the session cookie and re-checked on every event."""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx

from kite_app import routes
from kite_app.config import settings
from kite_app.domain.accounts import Actor
from kite_app.services import auth

SESSION_COOKIE = "kite_session"


def utcnow() -> datetime:
    return datetime.now(UTC)


class SessionState(rx.State):
    """Base of every page state that needs to know who is asking."""

    session_token: str = rx.Cookie(
        "",
        name=SESSION_COOKIE,
        max_age=settings.session_hours * 3600,
        same_site="lax",
        secure=settings.secure_cookies or None,
    )
    user_name: str = ""
    user_role: str = ""
    user_time_zone: str = ""

    def _actor(self) -> Actor | None:
        """Who is asking, checked against the database each time (revoked sessions stop at once)."""
        actor = auth.actor_for_token(self.session_token, now=utcnow())
        self.user_name = actor.name if actor else ""
        self.user_role = actor.role.value if actor else ""
        self.user_time_zone = actor.time_zone if actor else ""
        return actor

    def _to_login(self):
        return rx.redirect(routes.login_path(self.router.url.path))

    def _start_session(self, token: str):
        self.session_token = token

    @rx.event
    def log_out(self):
        auth.log_out(self.session_token, now=utcnow())
        self.session_token = ""
        self.user_name = ""
        self.user_role = ""
        return [rx.remove_cookie(SESSION_COOKIE), rx.redirect(routes.LOGIN)]
