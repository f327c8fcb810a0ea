"""The signed-in person, read from the session cookie and re-checked on every event, and the base of
every signed-in page: `_open` for its load, `_attempt` for its actions."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import reflex as rx

from kite_app import cookies, i18n, routes
from kite_app.domain import times
from kite_app.domain.accounts import Actor
from kite_app.domain.errors import KiteError, PermissionDenied, ValidationError
from kite_app.domain.text import msg
from kite_app.services import auth
from kite_app.ui.browser import BrowserState

T = TypeVar("T")
ADMINS_ONLY = msg("Only admins can open this page.")


def utcnow() -> datetime:
    return datetime.now(UTC)


class SessionState(BrowserState):
    """Base of every page state that needs to know who is asking."""

    user_name: str = ""
    user_role: str = ""
    user_time_zone: str = ""

    def _actor(self) -> Actor | None:
        """Who is asking, from the session cookie, checked against the database each time (revoked sessions
        stop at once)."""
        now = utcnow()
        for token in self._cookie_values(cookies.SESSION):
            if (actor := auth.actor_for_token(token, now=now)) is not None:
                return actor
        return None

    def _browser_language(self) -> str:
        """The best language of this browser's Accept-Language (for someone not signed in)."""
        return i18n.from_accept_language(self.router.headers.accept_language)

    def _browser_tag(self) -> str:
        """This browser's own language tag ("en-US"): its date and time conventions."""
        return i18n.first_tag(self.router.headers.accept_language)

    def _moment(self, actor: Actor, iso: str) -> str:
        """An ISO 8601 time as `actor` reads it: in their zone and conventions, with the year ("" for "")."""
        if not iso:
            return ""
        return times.short_moment(datetime.fromisoformat(iso), ZoneInfo(actor.time_zone or "UTC"), year=True,
                                  locale=i18n.locale_of(actor.language, self._browser_tag()))

    def _show_user(self, actor: Actor | None) -> None:
        """The navigation bar's name and role, the zone times are written in, and the page's language (the
        person's own; the browser's for someone not signed in)."""
        self.user_name = actor.name if actor else ""
        self.user_role = actor.role.value if actor else ""
        self.user_time_zone = actor.time_zone if actor else ""
        self._speak(actor.language if actor else self._browser_language())

    def _to_login(self):
        return rx.redirect(routes.login_path(self.router.url.path))

    def _start_session(self, token: str, *, then: str):
        """Keep the new session in this browser's cookie and go to `then`."""
        self._set_cookie(cookies.SESSION, token)
        return rx.redirect(then)

    @rx.event
    def log_out(self):
        now = utcnow()
        for token in self._cookie_values(cookies.SESSION):
            auth.log_out(token, now=now)
        self._show_user(None)
        self._set_cookie(cookies.SESSION, "")  # clears it
        return rx.redirect(routes.LOGIN)


class Page(rx.State, mixin=True):
    """Mixed into every signed-in page's state (beside SessionState): one way to open the page and
    one way to run an action, so that each handler reads parse -> one service call -> set vars."""

    ready: bool = False
    denied: str = ""  # why this person may not see the page
    errors: dict[str, str] = {}  # field -> message, shown next to the field
    message: str = ""  # a refusal or failure, shown above the form
    notice: str = ""  # what an action did

    def _open(self, fill: Callable[[Actor], None], refusal: str = ""):
        """The page's load: the signed-out are sent to log in (and back here after); someone the page
        is not for reads why (`refusal`, or the service's own words); otherwise `fill(actor)` sets the
        page's vars."""
        self.ready, self.denied, self.errors, self.message, self.notice = False, "", {}, "", ""
        actor = self._actor()  # SessionState
        self._show_user(actor)
        if actor is None:
            return self._to_login()
        try:
            fill(actor)
        except KiteError as exc:
            self.denied = self._(refusal) if refusal and isinstance(exc, PermissionDenied) else self._(exc.message)
            return None
        self.ready = True
        return None

    def _attempt(self, action: Callable[[Actor | None], T], notice: str = "") -> T | None:
        """Run one service call for the person asking. A ValidationError puts its messages next to their
        fields; any other refusal or failure is the page's message; on success `notice` says what happened."""
        self.errors, self.message, self.notice = {}, "", ""
        try:
            result = action(self._actor())
        except ValidationError as exc:
            self.errors = self._errors(exc.errors)
            return None
        except KiteError as exc:
            self.message = self._(exc.message)
            return None
        self.notice = self._(notice) if notice else ""
        return result

    def _recheck(self, check: Callable[[], object], changed: str, *, only_on_save: Collection[str] = ()) -> None:
        """After the person changed field `changed`: the fields marked wrong are checked again (`check`, a pure
        validation raising ValidationError), and the mark of each one that is now valid goes at once, not at the
        next save; `only_on_save` names fields whose check needs the save itself (an address already taken),
        whose mark goes when that field is changed. New marks wait for the save."""
        if not self.errors:
            return
        try:
            check()
            found: dict[str, str] = {}
        except ValidationError as exc:
            found = self._errors(exc.errors)
        self.errors = {key: found.get(key, text) for key, text in self.errors.items()
                       if key in found or (key in only_on_save and key != changed)}
        if not self.errors:
            self.message = ""  # "Correct the fields marked …" has nothing left to point at

    def _recheck_field(self, key: str, problem: str | None) -> None:
        """A form whose fields the page does not hold (sent on submit): field `key` was changed, and `problem` is
        what its own check says of it now; a mark that no longer holds goes at once."""
        if key in self.errors and problem is None:
            self.errors = {k: text for k, text in self.errors.items() if k != key}
            if not self.errors:
                self.message = ""

    def _do(self, action: Callable[[Actor | None], object], notice: str = "") -> bool:
        """`_attempt` for an action that returns nothing: whether it worked."""
        self._attempt(action, notice)
        return not self.errors and not self.message
