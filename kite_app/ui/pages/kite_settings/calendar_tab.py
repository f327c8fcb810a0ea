"""Kite settings → "Calendar Settings": the calendars that block time and the one meetings go to,
durations, working hours, date overrides and booking rules, saved all or nothing."""

from __future__ import annotations

import reflex as rx

from kite_app.domain.calendar_settings import SLOT_INTERVALS, DayForm, OverrideForm, SettingsForm, parse_settings
from kite_app.domain.meeting_links import LinkSource
from kite_app.domain.text import msg
from kite_app.providers.calendar.base import CalendarInfo
from kite_app.services import calendar_settings
from kite_app.ui.browser import BrowserState
from kite_app.ui.components.forms import field, field_error, form_alert, form_notice, select_field, var_select_field
from kite_app.ui.i18n import t
from kite_app.ui.session import Page, SessionState, utcnow

NUMBER_FIELDS = ("durations", "default_duration", "buffer_before", "buffer_after", "min_notice", "slot_interval",
                 "window_days", "reminders")
# The form's fields in the order the page shows them (the first wrong one gets focus), and the input each
# error key belongs to where the two names differ.
FIELD_ORDER = ("destination_calendar", "durations", "default_duration", *(f"hours_{i}" for i in range(7)),
               "buffer_before", "buffer_after", "min_notice", "slot_interval", "window_days", "reminders",
               "meeting_link")
FIELD_INPUTS = {"destination_calendar": "destination"}


class CalendarSettingsState(Page, SessionState):
    tab: str = "calendar"
    calendars: list[CalendarInfo] = []
    destinations: list[CalendarInfo] = []  # the calendars meetings can be added to (writable)
    calendar_problem: str = ""
    calendar_sources: dict[str, str] = {}
    blocking: list[str] = []
    destination: str = ""
    values: dict[str, str] = {}
    days_on: list[bool] = [False] * 7
    hours: list[str] = [""] * 7
    overrides: list[dict[str, str]] = []
    require_guest_login: bool = False
    meeting_link: str = "none"
    link_options: list[dict[str, str]] = []
    saved: bool = False
    booking_url: str = ""
    feed_url: str = ""

    def _show(self, view: calendar_settings.SettingsView) -> None:
        form: SettingsForm = view["form"]
        self._show_calendars(view)
        self.blocking = list(form.blocking_calendars)
        self.destination = form.destination_calendar
        self.values = {k: getattr(form, k) for k in NUMBER_FIELDS}
        self.days_on = [d.on for d in form.days]
        self.hours = [d.hours for d in form.days]
        self.overrides = [{"date": o.date, "hours": o.hours} for o in form.overrides]
        self.require_guest_login = form.require_guest_login
        self.meeting_link = str(form.meeting_link)
        self.link_options = [{"value": o["value"], "label": self._(label)}
                             for o in view["link_options"] for label in [o["label"]]]
        self.saved, self.booking_url, self.feed_url = view["saved"], view["booking_url"], view["feed_url"]

    def _show_calendars(self, view: calendar_settings.SettingsView) -> None:
        self.calendars = view["calendars"]
        self.calendar_sources = {cal: self._(source) for cal, source in view["calendar_sources"].items()}
        self.calendar_problem = "\n".join(self._(p) for p in view["calendar_problems"])  # one line each
        self.destinations = [c for c in view["calendars"] if c["writable"]]

    @rx.event
    def load(self):
        return self._open(lambda actor: self._show(calendar_settings.view(actor)))

    @rx.event
    def refresh_calendars(self):
        """A CalDAV account was connected or disconnected: the calendars offered are read again; what the person
        ticked stays, but for calendars that are gone (whose account was disconnected: the saved settings lost
        them too)."""
        actor = self._actor()
        if actor is None:
            return
        view = calendar_settings.view(actor)
        ids = {c["id"] for c in view["calendars"]}
        self._show_calendars(view)
        self.blocking = [c for c in self.blocking if c in ids]
        if self.destination not in ids:
            self.destination = view["form"].destination_calendar

    @rx.event
    def set_tab(self, tab: str):
        self.tab = tab

    def _form(self) -> SettingsForm:
        return SettingsForm(
            blocking_calendars=tuple(self.blocking), destination_calendar=self.destination,
            days=tuple(DayForm(on=on, hours=hours) for on, hours in zip(self.days_on, self.hours, strict=True)),
            overrides=tuple(OverrideForm(date=o.get("date", ""), hours=o.get("hours", "")) for o in self.overrides),
            require_guest_login=self.require_guest_login, meeting_link=self.meeting_link,
            **{k: self.values.get(k, "") for k in NUMBER_FIELDS},
        )

    def _recheck_form(self, changed: str) -> None:
        """A corrected field loses its mark at once (see Page._recheck); the meeting link's check needs the save."""
        sources = [str(source) for source in LinkSource]
        self._recheck(lambda: parse_settings(self._form(), calendars={c["id"] for c in self.calendars},
                                             writable={c["id"] for c in self.calendars if c["writable"]},
                                             link_sources=sources), changed, only_on_save=("meeting_link",))

    @rx.event
    def set_value(self, key: str, value: str):
        if key in NUMBER_FIELDS:
            self.values[key] = value
            self._recheck_form(key)

    @rx.event
    def set_blocking(self, calendar_id: str, checked: bool):
        others = [c for c in self.blocking if c != calendar_id]
        self.blocking = [*others, calendar_id] if checked else others
        self._recheck_form("blocking_calendars")

    @rx.event
    def set_destination(self, calendar_id: str):
        self.destination = calendar_id
        self._recheck_form("destination_calendar")

    @rx.event
    def set_day_on(self, day: int, checked: bool):
        self.days_on[day] = bool(checked)
        self._recheck_form(f"hours_{day}")

    @rx.event
    def set_hours(self, day: int, value: str):
        self.hours[day] = value
        self._recheck_form(f"hours_{day}")

    @rx.event
    def add_override(self):
        self.overrides.append({"date": "", "hours": ""})

    @rx.event
    def remove_override(self, index: int):
        self.overrides.pop(index)
        self.errors = {}

    @rx.event
    def set_override(self, index: int, key: str, value: str):
        if key in ("date", "hours"):
            self.overrides[index][key] = value
            self._recheck_form(f"override_{index}")

    @rx.event
    def set_require_guest_login(self, checked: bool):
        self.require_guest_login = bool(checked)

    @rx.event
    def set_meeting_link(self, value: str):
        self.meeting_link = value

    @rx.event
    def save(self):
        form = self._form()
        view = self._attempt(lambda actor: calendar_settings.save(actor, form, now=utcnow()),
                             msg("Calendar settings saved. Your booking link is live."))
        if view is not None:
            self._show(view)
            if view["warning"]:  # saved, but nobody can book: said instead of "live"
                self.notice = ""
                warning = view["warning"]
                self.message = self._("Calendar settings saved.") + " " + self._(warning)
        elif self.errors:
            self.message = self._("Nothing was saved. Correct the fields marked above.")
            first = next((key for key in FIELD_ORDER if key in self.errors), None)
            if first is not None:
                return rx.set_focus(f"cs-{FIELD_INPUTS.get(first, first)}")  # the first wrong field, in view


def _number(label: rx.Var, key: str, hint: rx.Var | None = None) -> rx.Component:
    return rx.el.div(
        field(label, key, form_id="cs", value=CalendarSettingsState.values[key],
              on_change=lambda v: CalendarSettingsState.set_value(key, v),
              error=CalendarSettingsState.errors.get(key, "")),
        rx.text(hint, size="1", color_scheme="gray") if hint is not None else rx.fragment(),
    )


def _calendars_section(accounts: rx.Component) -> rx.Component:
    e = CalendarSettingsState.errors
    return rx.vstack(
        rx.heading(t("Calendars"), size="4", as_="h2"),
        rx.text(t("Busy time in the calendars you tick blocks your availability."), size="2", color_scheme="gray"),
        rx.cond(CalendarSettingsState.calendar_problem != "",
                rx.callout(CalendarSettingsState.calendar_problem, icon="triangle_alert", color_scheme="amber",
                           white_space="pre-line")),
        rx.el.fieldset(
            rx.el.legend(t("Calendars that block availability"), class_name="kite-label"),
            rx.foreach(
                CalendarSettingsState.calendars,
                lambda cal: rx.hstack(
                    rx.checkbox(
                        cal["name"], checked=CalendarSettingsState.blocking.contains(cal["id"]),
                        on_change=lambda checked: CalendarSettingsState.set_blocking(cal["id"], checked),
                    ),
                    rx.text(CalendarSettingsState.calendar_sources.get(cal["id"], ""), size="1", color_scheme="gray"),
                    align="center",
                    spacing="2",
                ),
            ),
            field_error(e.get("blocking_calendars", ""), "cs-blocking-error"),
            class_name="kite-fieldset",
        ),
        rx.box(
            var_select_field(t("Add meetings to"), "destination", CalendarSettingsState.destinations, form_id="cs",
                             option_label=lambda cal: cal["name"], option_value=lambda cal: cal["id"],
                             value=CalendarSettingsState.destination, on_change=CalendarSettingsState.set_destination,
                             error=e.get("destination_calendar", "")),
            max_width="20rem",
            width="100%",
        ),
        rx.divider(),
        accounts,
        spacing="3",
        width="100%",
    )


def _durations_section() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Duration"), size="4", as_="h2"),
        rx.grid(
            _number(t("Duration options (minutes)"), "durations",
                    t("Comma-separated, each 15 to 360, e.g. 15, 30, 60.")),
            _number(t("Default duration (minutes)"), "default_duration"),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _day_row(i: int) -> rx.Component:
    key = f"hours_{i}"
    return rx.hstack(
        rx.box(
            rx.checkbox(BrowserState.weekdays[i], checked=CalendarSettingsState.days_on[i],
                        on_change=lambda checked: CalendarSettingsState.set_day_on(i, checked)),
            width="8rem",
            padding_top="0.4rem",
        ),
        rx.cond(
            CalendarSettingsState.days_on[i],
            rx.box(
                rx.input(
                    id=f"cs-{key}", value=CalendarSettingsState.hours[i],
                    on_change=lambda v: CalendarSettingsState.set_hours(i, v),
                    aria_label=t("{day} hours", day=BrowserState.weekdays[i]), aria_describedby=f"cs-{key}-error",
                    placeholder="09:00-12:00, 13:00-17:00",
                ),
                field_error(CalendarSettingsState.errors.get(key, ""), f"cs-{key}-error"),
                flex="1",
            ),
            rx.text(t("Day off"), color_scheme="gray", size="2", padding_top="0.4rem"),
        ),
        width="100%",
        align="start",
    )


def _override_row(row: rx.Var, index: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.input(type="date", value=row["date"], aria_label=t("Override date"),
                 on_change=lambda v: CalendarSettingsState.set_override(index, "date", v), width="11rem"),
        rx.box(
            rx.input(value=row["hours"], aria_label=t("Override hours"), placeholder=t("Empty for a day off"),
                     on_change=lambda v: CalendarSettingsState.set_override(index, "hours", v)),
            field_error(CalendarSettingsState.errors.get("override_" + index.to_string(), ""), ""),
            flex="1",
        ),
        rx.button(rx.icon("x", size=14), variant="ghost", color_scheme="gray", type="button",
                  aria_label=t("Remove override"), on_click=CalendarSettingsState.remove_override(index)),
        width="100%",
        align="start",
    )


def _hours_section() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Working hours"), size="4", as_="h2"),
        rx.text(t("In your time zone. Several ranges per day, e.g. 09:00-12:00, 13:00-17:00 for a lunch break."),
                size="2", color_scheme="gray"),
        *[_day_row(i) for i in range(7)],
        rx.heading(t("Date overrides"), size="3", as_="h3", padding_top="0.5em"),
        rx.text(t("Different hours on a date; leave the hours empty for a day off."), size="2", color_scheme="gray"),
        rx.foreach(CalendarSettingsState.overrides, _override_row),
        rx.button(rx.icon("plus", size=14), t("Add date override"), variant="soft", type="button",
                  on_click=CalendarSettingsState.add_override),
        spacing="3",
        width="100%",
    )


def _rules_section() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Booking rules"), size="4", as_="h2"),
        rx.grid(
            _number(t("Buffer before (minutes)"), "buffer_before"),
            _number(t("Buffer after (minutes)"), "buffer_after"),
            _number(t("Minimum notice (minutes)"), "min_notice"),
            select_field(
                t("Slot interval (minutes)"), "slot_interval", [str(n) for n in SLOT_INTERVALS], form_id="cs",
                error=CalendarSettingsState.errors.get("slot_interval", ""),
                value=CalendarSettingsState.values["slot_interval"],
                on_change=lambda v: CalendarSettingsState.set_value("slot_interval", v),
            ),
            _number(t("Booking window (days ahead)"), "window_days", t("At most one month (31 days).")),
            _number(t("Reminders (minutes before)"), "reminders", t("e.g. 60, 1440; empty for none.")),
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            spacing="3",
            width="100%",
        ),
        rx.checkbox(t("Guests must log in before booking"), checked=CalendarSettingsState.require_guest_login,
                    on_change=CalendarSettingsState.set_require_guest_login),
        rx.box(
            var_select_field(t("Meeting link"), "meeting_link", CalendarSettingsState.link_options, form_id="cs",
                             option_label=lambda o: o["label"], option_value=lambda o: o["value"],
                             value=CalendarSettingsState.meeting_link, on_change=CalendarSettingsState.set_meeting_link,
                             error=CalendarSettingsState.errors.get("meeting_link", "")),
            max_width="24rem",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def calendar_settings_tab(accounts: rx.Component) -> rx.Component:
    """The tab, with `accounts` (the agent's CalDAV accounts) in its Calendars card."""
    return rx.vstack(
        rx.card(_calendars_section(accounts), width="100%"),
        rx.card(_durations_section(), width="100%"),
        rx.card(_hours_section(), width="100%"),
        rx.card(_rules_section(), width="100%"),
        # what Save did, right where the person clicked it
        rx.flex(
            rx.button(t("Save"), size="3", on_click=CalendarSettingsState.save),
            rx.box(form_alert(CalendarSettingsState.message), form_notice(CalendarSettingsState.notice), flex="1",
                   min_width="16rem"),
            spacing="3", align="center", wrap="wrap", width="100%",
        ),
        spacing="4",
        width="100%",
    )
