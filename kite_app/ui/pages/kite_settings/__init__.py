"""Agent "Kite settings": the "Calendar Settings" tab (with the CalDAV accounts), the "Built-in calendar" tab and the
"Booking form" tab, one module each."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import guarded, template
from kite_app.ui.pages.kite_settings.booking_form_tab import BookingFormState, booking_form_tab
from kite_app.ui.pages.kite_settings.built_in_tab import BuiltInCalendarState, built_in_tab
from kite_app.ui.pages.kite_settings.caldav_section import CalDAVState, caldav_section
from kite_app.ui.pages.kite_settings.calendar_tab import CalendarSettingsState, calendar_settings_tab


@template(route=routes.KITE_SETTINGS, title=N_("Kite settings"),
          on_load=[CalendarSettingsState.load, CalDAVState.load, BuiltInCalendarState.load, BookingFormState.load])
def kite_settings_page() -> rx.Component:
    return guarded(
        CalendarSettingsState.denied,
        CalendarSettingsState.ready,
        rx.vstack(
            rx.heading(t("Kite settings"), size="7", as_="h1"),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger(t("Calendar Settings"), value="calendar"),
                    rx.tabs.trigger(t("Built-in calendar"), value="built_in"),
                    rx.tabs.trigger(t("Booking form"), value="form"),
                    flex_wrap="wrap",  # long names (German) wrap instead of running off a phone's screen
                ),
                rx.tabs.content(calendar_settings_tab(caldav_section()), value="calendar", padding_top="1em"),
                rx.tabs.content(built_in_tab(), value="built_in", padding_top="1em"),
                rx.tabs.content(booking_form_tab(), value="form", padding_top="1em"),
                value=CalendarSettingsState.tab,
                on_change=CalendarSettingsState.set_tab,
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
    )
