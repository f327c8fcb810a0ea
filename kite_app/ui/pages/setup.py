"""First run: "Create admin account". Gone for good once an admin exists."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.domain.errors import KiteError, ValidationError
from kite_app.services import accounts, auth
from kite_app.ui.components.forms import field, form_alert
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import centered_card, loading, template
from kite_app.ui.session import SessionState, utcnow


class SetupState(SessionState):
    ready: bool = False
    errors: dict[str, str] = {}
    message: str = ""

    @rx.event
    def load(self):
        self.ready = False
        self._speak(self._browser_language())
        if not accounts.needs_setup():
            return rx.redirect(routes.LOGIN)
        self.ready = True

    @rx.event
    def submit(self, form: dict):
        self.errors, self.message = {}, ""
        password = form.get("password", "")
        try:
            accounts.create_first_admin(
                name=form.get("name", ""), email=form.get("email", ""), password=password, now=utcnow()
            )
            token, _user = auth.log_in(email=form.get("email", ""), password=password, now=utcnow(),
                                       locale_tag=self._browser_tag())
        except ValidationError as exc:
            self.errors = self._errors(exc.errors)
            return
        except KiteError as exc:
            self.message = self._(exc.message)
            return
        return self._start_session(token, then=routes.AGENTS)


@template(route=routes.SETUP, title=N_("Create admin account"), on_load=SetupState.load)
def setup_page() -> rx.Component:
    return rx.cond(
        SetupState.ready,
        centered_card(
            rx.text(t("Welcome to Kite Scheduler. Create the admin account that manages agents and integrations.")),
            rx.form(
                rx.vstack(
                    form_alert(SetupState.message),
                    field(t("Name"), "name", error=SetupState.errors.get("name", ""), form_id="setup",
                          auto_complete="name"),
                    field(t("Email"), "email", type="email", error=SetupState.errors.get("email", ""), form_id="setup",
                          auto_complete="email"),
                    field(
                        t("Password"), "password", type="password", error=SetupState.errors.get("password", ""),
                        form_id="setup", auto_complete="new-password",
                    ),
                    rx.text(t("At least 10 characters."), size="1", color_scheme="gray"),
                    rx.button(t("Create admin account"), type="submit", width="100%", size="3"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=SetupState.submit,
                no_validate=True,
                width="100%",
            ),
            heading=t("Create admin account"),
        ),
        loading(),
    )
