"""The front door: first-run setup, the log-in page, or the signed-in person's home."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.services import accounts
from kite_app.ui.i18n import N_
from kite_app.ui.layout import loading, template
from kite_app.ui.pages.login import home_for
from kite_app.ui.session import SessionState


class IndexState(SessionState):
    @rx.event
    def load(self):
        if accounts.needs_setup():
            return rx.redirect(routes.SETUP)
        actor = self._actor()
        return rx.redirect(home_for(actor.role) if actor else routes.LOGIN)


@template(route=routes.INDEX, title=N_("Welcome"), on_load=IndexState.load)
def index_page() -> rx.Component:
    return loading()
