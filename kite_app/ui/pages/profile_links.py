"""Profile → "One-time links": the links an agent makes to their own booking page (each books one meeting)."""

from __future__ import annotations

import reflex as rx

from kite_app.ui.components.one_time_links import OneTimeLinks, one_time_links_panel
from kite_app.ui.i18n import t
from kite_app.ui.session import Page, SessionState


class AgentLinksState(OneTimeLinks, Page, SessionState):
    @rx.event
    def load_section(self):
        actor = self._actor()
        if actor is not None and not actor.is_admin:
            self._open_links(actor)


def profile_section() -> rx.Component:
    return rx.vstack(
        rx.heading(t("One-time links"), size="5", as_="h2"),
        one_time_links_panel(AgentLinksState, "link", t(
            "A link to your booking page that books one meeting, for a prospect or a customer you invite; afterwards "
            "it says it was used. Optionally it expires, or has a duration of its own.")),
        on_mount=AgentLinksState.load_section, spacing="3", width="100%",
    )
