""""Log in" for admins and agents."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.domain.accounts import Role
from kite_app.domain.errors import KiteError
from kite_app.services import accounts, auth
from kite_app.ui.components.forms import field, form_alert
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import centered_card, template
from kite_app.ui.session import SessionState, utcnow


def home_for(role: str) -> str:
    return routes.AGENTS if role == Role.ADMIN else routes.PROFILE


def safe_next(path: str | None) -> str | None:
    """Only same-site paths are followed after logging in."""
    if path and path.startswith("/") and not path.startswith("//") and not path.startswith(routes.LOGIN):
        return path
    return None


class LoginState(SessionState):
    message: str = ""

    @rx.event
    def load(self):
        self.message = ""
        self._speak(self._browser_language())
        if accounts.needs_setup():
            return rx.redirect(routes.SETUP)
        actor = self._actor()
        if actor is not None:
            return rx.redirect(home_for(actor.role))

    @rx.event
    def submit(self, form: dict):
        self.message = ""
        try:
            token, user = auth.log_in(email=form.get("email", ""), password=form.get("password", ""), now=utcnow(),
                                       locale_tag=self._browser_tag())
        except KiteError as exc:
            self.message = self._(exc.message)
            return
        # the navigation bar shows who is signed in once the next page opened (not here, where a click on
        # it would race the move to that page)
        return self._start_session(token, then=safe_next(self.router.url.query_parameters.get("next"))
                            or home_for(user["role"]))


@template(route=routes.LOGIN, title=N_("Log in"), on_load=LoginState.load)
def login_page() -> rx.Component:
    return centered_card(
        rx.form(
            rx.vstack(
                form_alert(LoginState.message),
                field(t("Email"), "email", type="email", form_id="login", auto_complete="username"),
                field(t("Password"), "password", type="password", form_id="login", auto_complete="current-password"),
                rx.button(t("Log in"), type="submit", width="100%", size="3"),
                spacing="3",
                width="100%",
            ),
            on_submit=LoginState.submit,
            no_validate=True,
            width="100%",
        ),
        heading=t("Log in"),
    )
