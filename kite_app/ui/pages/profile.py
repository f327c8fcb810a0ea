"""A person's own profile: name, time zone and, for agents, the booking link."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.config import settings
from kite_app.domain.accounts import time_zones
from kite_app.services import accounts, calendar_settings
from kite_app.ui.components.copy_button import copy_button
from kite_app.ui.components.forms import field, form_alert, form_notice, select_field
from kite_app.ui.layout import loading, template
from kite_app.ui.session import Page, SessionState, utcnow


class ProfileState(Page, SessionState):
    name: str = ""
    email: str = ""
    role: str = ""
    time_zone: str = "UTC"
    booking_url: str = ""
    embed_snippet: str = ""

    def _show(self, profile) -> None:
        self.name, self.email, self.role = profile["name"], profile["email"], profile["role"]
        self.time_zone = profile["time_zone"]
        self.booking_url = calendar_settings.booking_link(profile)
        self.embed_snippet = (
            f'<script src="{routes.widget_url(settings.public_url)}" data-agent="{profile["slug"]}" async></script>'
            if self.booking_url else ""
        )

    @rx.event
    def load(self):
        return self._open(lambda actor: self._show(accounts.own_profile(actor)))

    @rx.event
    def set_time_zone(self, tz: str):
        self.time_zone = tz

    @rx.event
    def save(self, form: dict):
        profile = self._attempt(lambda actor: accounts.update_own_profile(
            actor, name=form.get("name", ""), time_zone=form.get("time_zone", ""), now=utcnow()), "Profile saved.")
        if profile is not None:
            self._show(profile)
            self.user_name = profile["name"]


def _booking_link() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Booking link", size="4", as_="h2"),
            rx.text("Share this link so guests can book a meeting with you."),
            rx.hstack(
                rx.code(ProfileState.booking_url, size="3", id="booking-link"),
                copy_button("Copy link", ProfileState.booking_url, done="Booking link copied."),
                align="center",
                wrap="wrap",
            ),
            rx.text("To add a “Schedule a meeting” button to your website, paste this snippet into its HTML:",
                    size="2"),
            rx.hstack(
                rx.code(ProfileState.embed_snippet, id="embed-snippet", size="2", white_space="pre-wrap"),
                copy_button("Copy snippet", ProfileState.embed_snippet, done="Snippet copied."),
                align="center",
                wrap="wrap",
            ),
            spacing="3",
        ),
        width="100%",
    )


@template(route=routes.PROFILE, title="Profile", on_load=ProfileState.load)
def profile_page() -> rx.Component:
    e = ProfileState.errors
    return rx.cond(
        ProfileState.ready,
        rx.vstack(
            rx.heading("Profile", size="7", as_="h1"),
            rx.cond(
                ProfileState.booking_url != "",
                _booking_link(),
                rx.cond(
                    ProfileState.role == "agent",
                    rx.callout(
                        rx.text("Your booking link appears here once you save your ",
                                rx.link("Calendar Settings", href=routes.KITE_SETTINGS), "."),
                        icon="info",
                    ),
                ),
            ),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Your details", size="4", as_="h2"),
                        form_alert(ProfileState.message),
                        form_notice(ProfileState.notice),
                        rx.text("Email: ", rx.text.strong(ProfileState.email)),
                        rx.text("Role: ", rx.text.strong(ProfileState.role)),
                        field("Name", "name", error=e.get("name", ""), form_id="profile",
                              default_value=ProfileState.name, key=ProfileState.name),
                        select_field(
                            "Time zone", "time_zone", list(time_zones()), error=e.get("time_zone", ""),
                            form_id="profile", value=ProfileState.time_zone, on_change=ProfileState.set_time_zone,
                        ),
                        rx.button("Save", type="submit", size="3"),
                        spacing="3",
                        width="100%",
                        max_width="30rem",
                    ),
                    on_submit=ProfileState.save,
                    no_validate=True,
                ),
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        loading(),
    )
