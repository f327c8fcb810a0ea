"""The frame around every page: brand, navigation for the signed-in role, "Log out"."""

from __future__ import annotations

import logging
from collections.abc import Callable

import reflex as rx

from kite_app import routes
from kite_app.domain.text import msg
from kite_app.persistence.db import DATABASE_UNAVAILABLE
from kite_app.ui.browser import BrowserState, cookie_claims
from kite_app.ui.i18n import t
from kite_app.ui.session import SessionState


class AppNotice(rx.State):
    """A failure no page could say itself (the database restarting, an unexpected error), shown on top of
    every page until dismissed."""

    text: str = ""

    @rx.event
    def show(self, text: str):
        self.text = text

    @rx.event
    def dismiss(self):
        self.text = ""


def backend_error(exception: Exception):
    """An event handler failed. The database being unreachable (restarting) is said plainly; anything
    else is logged with its traceback and the person reads that it did not work. (A notice in the page,
    not Reflex's toast: that toast is a script sent from the server, which the CSP does not run.)"""
    log = logging.getLogger(__name__)
    if isinstance(exception, DATABASE_UNAVAILABLE):
        log.warning("database unavailable: %s", exception.orig)
        return AppNotice.show(msg("The database is briefly unavailable. Try again in a moment."))
    log.error("an event handler failed", exc_info=exception)
    return AppNotice.show(msg("Something went wrong, and it was not done. Try again; if it keeps happening, "
                              "tell your administrator."))


def app_notice() -> rx.Component:
    return rx.cond(
        AppNotice.text != "",
        rx.callout.root(
            rx.hstack(
                rx.callout.icon(rx.icon("triangle_alert")),
                rx.callout.text(BrowserState.texts[AppNotice.text]),  # a marked text, said in the page's language
                rx.spacer(),
                rx.icon_button(rx.icon("x", size=14), variant="ghost", size="1", aria_label=t("Dismiss"),
                               on_click=AppNotice.dismiss),
                align="center",
                width="100%",
            ),
            color_scheme="red",
            role="alert",
            class_name="kite-app-notice",
        ),
    )


def _nav_link(text: str, href: str) -> rx.Component:
    return rx.link(text, href=href, size="3", weight="medium", high_contrast=True)


def navbar() -> rx.Component:
    """Brand, then the person's links; on a narrow screen (or with long words) the links wrap onto more lines,
    never past the edge."""
    return rx.el.header(
        rx.flex(
            rx.link(
                rx.hstack(rx.icon("calendar-clock", size=22),
                          rx.heading("Kite Scheduler", size="5", as_="div", white_space="nowrap"), align="center"),
                href=routes.INDEX,
                underline="none",
                color_scheme="gray",
                high_contrast=True,
            ),
            rx.cond(
                SessionState.user_role != "",
                rx.flex(
                    rx.cond(
                        SessionState.user_role == "admin",
                        rx.fragment(_nav_link(t("Agents"), routes.AGENTS), _nav_link(t("Teams"), routes.TEAMS),
                                    _nav_link(t("Integrations"), routes.INTEGRATIONS),
                                    _nav_link(t("API keys"), routes.API_KEYS),
                                    _nav_link(t("Webhooks"), routes.WEBHOOKS),
                                    _nav_link(t("Outbox"), routes.OUTBOX)),
                        rx.fragment(_nav_link(t("Inbox"), routes.INBOX), _nav_link(t("Meetings"), routes.MEETINGS),
                                    _nav_link(t("Kite settings"), routes.KITE_SETTINGS)),
                    ),
                    _nav_link(t("Profile"), routes.PROFILE),
                    rx.text(SessionState.user_name, size="2", color_scheme="gray"),
                    rx.button(t("Log out"), on_click=SessionState.log_out, variant="soft", size="2"),
                    spacing="4",
                    align="center",
                    wrap="wrap",
                    justify="end",
                    min_width="0",
                ),
            ),
            align="center",
            justify="between",
            wrap="wrap",
            spacing="3",
            width="100%",
        ),
        class_name="kite-header",
    )


def template(*, route: str, title: str, on_load=None) -> Callable[[Callable[[], rx.Component]], rx.Component]:
    """Wrap a page in the common layout and register it with its route and title (marked with `N_`: the tab
    shows it in the page's language)."""

    def decorator(page: Callable[[], rx.Component]):
        @rx.page(route=route, title=f"{title} · Kite Scheduler", on_load=on_load)
        def wrapped() -> rx.Component:
            return rx.box(
                # what assets/kite.js makes the tab's title and <html lang>: the page's language, not the build's
                rx.el.span(t(title) + " · Kite Scheduler", data_kite_title="", hidden=True),
                navbar(),
                app_notice(),
                rx.el.main(rx.container(page(), size="3", padding_y="6"), class_name="kite-main"),
                cookie_claims(),
                class_name="kite-page",
                lang=BrowserState.language,
                data_kite_lang="",
            )

        wrapped.__name__ = page.__name__
        return wrapped

    return decorator


def centered_card(*children: rx.Component, heading: str) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(rx.heading(heading, size="6", as_="h1"), *children, spacing="4", width="100%"),
            width="100%",
            max_width="26rem",
            size="3",
        ),
        width="100%",
        padding_top="6vh",
    )


def loading() -> rx.Component:
    return rx.center(rx.spinner(size="3", aria_label=t("Loading")), padding="4em")


def guarded(denied: rx.Var, ready: rx.Var, content: rx.Component) -> rx.Component:
    """A signed-in page: the refusal when `denied` is set, a spinner until `ready`, then the content."""
    return rx.cond(
        denied != "",
        rx.callout(denied, icon="lock", color_scheme="red", role="alert"),
        rx.cond(ready, content, loading()),
    )


POLL_MS = 1500


def live(on_tick) -> rx.Component:
    """Calls `on_tick` every POLL_MS while the page is open: pages that show what others change stay current."""
    return rx.moment(interval=POLL_MS, on_change=on_tick, display="none")
