"""This browser's cookies, for page states: read from the request that opened the tab's connection, set
through a short-lived ticket that the page loads from the server (kite_app/cookies.py says why)."""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx
from reflex_base.event import no_args_event_spec

from kite_app import cookies, i18n, routes
from kite_app.services import cookie_tickets


class BrowserState(rx.State):
    """Base of the page states that know who is asking from a cookie, and in which language the page speaks
    to them (`texts`: every marked text in it, looked up by kite_app/ui/i18n.py's `t`)."""

    cookie_claims: list[str] = []  # ticket addresses for the page to load (until one loaded)
    _cookies_set: dict[str, str] = {}  # set in this tab since it connected
    language: str = i18n.DEFAULT
    texts: dict[str, str] = i18n.texts(i18n.DEFAULT)
    weekdays: list[str] = i18n.weekdays(i18n.DEFAULT)  # Monday first, for labels

    def _speak(self, language: str) -> None:
        """Show the page in `language` (one of i18n.LANGUAGES)."""
        if language in i18n.LANGUAGES and (language != self.language or not self.texts):
            self.language, self.texts, self.weekdays = language, i18n.texts(language), i18n.weekdays(language)

    def _(self, text: str) -> str:
        """`text` (marked for extraction, or a service's `msg`) in this page's language."""
        return i18n.say(self.language, text)

    def _errors(self, errors: dict[str, str]) -> dict[str, str]:
        """A refusal's field messages in this page's language."""
        return {field: self._(message) for field, message in errors.items()}

    def _cookie_values(self, name: str) -> list[str]:
        """This browser's values of cookie `name`, newest first: the one set in this tab, then the one its
        request sent when the tab connected (that request cannot show a cookie set since)."""
        sent = cookies.read(self.router.headers.cookie, name)
        return [v for v in dict.fromkeys((self._cookies_set.get(name, ""), sent)) if v]

    def _cookie(self, name: str) -> str:
        values = self._cookie_values(name)
        return values[0] if values else ""

    def _set_cookie(self, name: str, value: str) -> None:
        """Set cookie `name` in this browser (an empty value clears it). The claim is loaded by whatever page
        the tab shows next too, so the tab may move on at once."""
        ticket = cookie_tickets.issue(name, value, max_age=cookies.LIFETIMES[name](), now=datetime.now(UTC))
        self._cookies_set = {**self._cookies_set, name: value}
        self.cookie_claims = [*[c for c in self.cookie_claims if f"#{name}" not in c],
                              routes.cookie_claim_path(ticket) + f"#{name}"]

    @rx.event
    def claimed(self, src: str):
        """The page loaded a claim (or failed to: the tab keeps the value either way)."""
        self.cookie_claims = [c for c in self.cookie_claims if c != src]


class _ClaimImage(rx.el.Img):
    on_load: rx.EventHandler[no_args_event_spec]  # type: ignore[valid-type,type-arg]
    on_error: rx.EventHandler[no_args_event_spec]  # type: ignore[valid-type,type-arg]


def cookie_claims() -> rx.Component:
    """Loads each pending claim as an invisible image (no script needed)."""
    return rx.foreach(
        BrowserState.cookie_claims,
        lambda src: _ClaimImage.create(src=src, alt="", class_name="kite-claim", on_load=BrowserState.claimed(src),
                                       on_error=BrowserState.claimed(src)),
    )
