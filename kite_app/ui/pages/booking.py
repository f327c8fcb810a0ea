"""The public booking page of an agent, `/book/<slug>`."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.domain.errors import NotFound
from kite_app.services import accounts
from kite_app.ui.layout import loading, template


class BookingState(rx.State):
    ready: bool = False
    not_found: str = ""
    agent_name: str = ""
    agent_time_zone: str = ""

    @rx.event
    def load(self):
        self.ready, self.not_found = False, ""
        try:
            agent = accounts.public_agent(self.router.page.params.get("slug", ""))
        except NotFound as exc:
            self.not_found = exc.message
            self.agent_name = ""
        else:
            self.agent_name, self.agent_time_zone = agent["name"], agent["time_zone"]
        self.ready = True


@template(route=routes.BOOKING, title="Book a meeting", on_load=BookingState.load)
def booking_page() -> rx.Component:
    return rx.cond(
        BookingState.ready,
        rx.cond(
            BookingState.not_found != "",
            rx.callout(BookingState.not_found, icon="circle_alert", color_scheme="orange", role="alert"),
            rx.vstack(
                rx.heading("Meet " + BookingState.agent_name, size="7", as_="h1"),
                rx.text("Works in the " + BookingState.agent_time_zone + " time zone."),
                spacing="3",
            ),
        ),
        loading(),
    )
