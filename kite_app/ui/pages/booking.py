"""The public booking page `/book/<agent slug>`: "Schedule a meeting", "My meetings", guest "Log in"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import reflex as rx

from kite_app import cookies, routes
from kite_app.domain.accounts import time_zones
from kite_app.domain.errors import KiteError, NotFound, ValidationError
from kite_app.services import availability, booking, guest_auth, teams
from kite_app.services.booking import BookingRequest, LoginRequired, MeetingView
from kite_app.ui.browser import BrowserState
from kite_app.ui.components.forms import (
    BROWSER_TIME_ZONE,
    field,
    form_alert,
    form_notice,
    select_field,
    var_select_field,
)
from kite_app.ui.components.slot_picker import SlotChoice, slot_picker
from kite_app.ui.layout import loading, template
from kite_app.ui.session import utcnow

TIME_ZONES = list(time_zones())
MAX_LINKS = 60  # keeps the cookie under 4 KB


def _links(stored: str) -> list[str]:
    """The manage links in the links cookie (older versions separated them with spaces)."""
    return [t for t in re.split(r"(?:%20|[ .])+", stored) if t][-MAX_LINKS:]


class BookingState(SlotChoice, BrowserState):
    ready: bool = False
    not_found: str = ""
    agent_name: str = ""
    agent_time_zone: str = ""
    require_login: bool = False
    team_page: bool = False
    step: str = "intro"  # intro, form, login, done, mine
    durations: list[str] = []
    duration: str = "30"
    time_zone: str = "UTC"
    subject: str = ""
    guest_name: str = ""
    guest_email: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    notice: str = ""
    confirmation: dict[str, str] = {}
    mine: list[MeetingView] = []
    login_email: str = ""
    code_sent: bool = False
    verified_email: str = ""
    _window: int = 30

    def _slug(self) -> str:
        return self.router.page.params.get("slug", "")

    def _team(self) -> bool:
        """Whether this is a team's page (`/team/<slug>`) rather than an agent's."""
        return self.router.page.path.startswith("/team/")

    def _refresh_slots(self) -> None:
        """Free times for the chosen duration and zone; none, with the reason in words, when they cannot
        be told (e.g. the agent's calendar cannot be read right now)."""
        now = utcnow()
        find = teams.team_slots if self._team() else availability.slots_for
        try:
            slots = find(self._slug(), start=now, end=now + timedelta(days=self._window + 1),
                         duration=int(self.duration), guest_zone=self.time_zone, now=now)
        except KiteError as exc:
            self.message, slots = exc.message, []
        self._apply_slots(slots, self.time_zone, now, self._window)

    @rx.event
    def load(self):
        self.ready, self.not_found, self.step, self.errors, self.message, self.notice = False, "", "intro", {}, "", ""
        try:
            info = (teams.team_page if self._team() else availability.booking_page)(self._slug())
        except NotFound as exc:
            self.not_found = exc.message
            self.ready = True
            return
        self.agent_name, self.agent_time_zone = info["agent_name"], info["agent_time_zone"]
        self.team_page = self._team()
        self.require_login, self._window = info["require_login"], info["window_days"]
        self.durations = [str(d) for d in info["durations"]]
        self.duration = str(info["default_duration"])
        self.verified_email = next(filter(None, (guest_auth.guest_email(t, now=utcnow())
                                                 for t in self._cookie_values(cookies.GUEST))), "")
        if self.verified_email and not self.guest_email:
            self.guest_email = self.verified_email
        self.ready = True

    @rx.event
    def detected_zone(self, tz: str):
        if tz in TIME_ZONES and self.time_zone == "UTC":
            self.time_zone = tz

    @rx.event
    def open_form(self):
        self.step, self.message, self.notice = "form", "", ""
        self._refresh_slots()

    @rx.event
    def set_time_zone(self, tz: str):
        if tz in TIME_ZONES:
            self.time_zone = tz
            if self.step == "form":
                self._refresh_slots()

    @rx.event
    def set_duration(self, value: str):
        if value in self.durations:
            self.duration = value
            self._refresh_slots()

    @rx.event
    def set_subject(self, value: str):
        self.subject = value

    @rx.event
    def set_guest_name(self, value: str):
        self.guest_name = value

    @rx.event
    def set_guest_email(self, value: str):
        self.guest_email = value

    @rx.event
    def schedule(self):
        self.errors, self.message = {}, ""
        if not self.slot:
            self.errors = {"slot": "Choose a time."}
            return
        try:
            meeting = (teams.book_team if self._team() else booking.book)(
                BookingRequest(slug=self._slug(), start=datetime.fromisoformat(self.slot), duration=int(self.duration),
                               subject=self.subject, guest_name=self.guest_name, guest_email=self.guest_email,
                               guest_time_zone=self.time_zone, verified_email=self.verified_email or None,
                               client=self.router.session.client_ip),
                now=utcnow(),
            )
        except ValidationError as exc:
            self.errors = exc.errors
            return
        except LoginRequired as exc:
            self.step, self.message, self.login_email = "login", exc.message, self.guest_email
            return
        except KiteError as exc:  # the time was just taken, or the agent's calendar cannot be read
            self._refresh_slots()
            self.message = exc.message
            return
        self._set_cookie(cookies.MEETING_LINKS,
                         ".".join([*_links(self._cookie(cookies.MEETING_LINKS)), meeting["manage_token"]][-MAX_LINKS:]))
        self.confirmation = {"date": meeting["date_label"], "time": meeting["time_label"],
                             "agent": meeting["agent_name"], "subject": meeting["subject"],
                             "manage": routes.manage_path(meeting["manage_token"])}
        self.step, self.subject, self.slot = "done", "", ""

    @rx.event
    def show_mine(self):
        self.step, self.message, self.notice = "mine", "", ""
        self._load_mine()

    def _load_mine(self) -> None:
        try:
            mine = teams.my_team_meetings if self._team() else booking.my_meetings
            self.mine = mine(_links(self._cookie(cookies.MEETING_LINKS)), slug=self._slug(),
                             verified_email=self.verified_email or None, now=utcnow(),
                             client=self.router.session.client_ip)
        except KiteError as exc:
            self.mine, self.message = [], exc.message

    @rx.event
    def delete_mine(self, token: str):
        self.message, self.notice = "", ""
        try:
            meeting = booking.cancel(token, now=utcnow(), client=self.router.session.client_ip)
        except KiteError as exc:
            self.message = exc.message
            return
        self.notice = f"Deleted the meeting on {meeting['date_label']}, {meeting['time_label']}."
        self._load_mine()

    @rx.event
    def back(self):
        self.step, self.message, self.notice = "intro", "", ""

    @rx.event
    def set_login_email(self, value: str):
        self.login_email = value

    @rx.event
    def send_code(self):
        self.errors, self.message = {}, ""
        try:
            self.login_email = guest_auth.request_code(self.login_email, now=utcnow(),
                                                       client=self.router.session.client_ip)
        except ValidationError as exc:
            self.errors = {"login_email": next(iter(exc.errors.values()))}
            return
        except KiteError as exc:
            self.message = exc.message
            return
        self.code_sent = True
        self.notice = f"We sent a 6-digit code to {self.login_email}."

    @rx.event
    def verify_code(self, form: dict):
        self.errors, self.message = {}, ""
        try:
            token = guest_auth.verify_code(self.login_email, form.get("code", ""), now=utcnow())
        except ValidationError as exc:
            self.errors = {"code": next(iter(exc.errors.values()))}
            return
        except KiteError as exc:
            self.message = exc.message
            return
        self._set_cookie(cookies.GUEST, token)
        self.verified_email, self.guest_email = self.login_email, self.login_email
        self.code_sent, self.notice = False, f"You are logged in as {self.login_email}."
        self.step = "form"
        self._refresh_slots()


def _intro_buttons() -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("calendar-plus", size=18), "Schedule a meeting", size="3", on_click=BookingState.open_form),
        rx.icon_button(rx.icon("calendar-days", size=18), size="3", variant="soft", aria_label="My meetings",
                       title="My meetings", on_click=BookingState.show_mine),
        spacing="2",
    )


def _form() -> rx.Component:
    e = BookingState.errors
    return rx.card(
        rx.vstack(
            rx.heading("Schedule a meeting", size="5", as_="h2"),
            form_alert(BookingState.message),
            form_notice(BookingState.notice),
            field("Subject", "subject", form_id="book", value=BookingState.subject, on_change=BookingState.set_subject,
                  error=e.get("subject", ""), max_length=200, placeholder="Optional"),
            rx.grid(
                var_select_field("Duration", "duration", BookingState.durations, form_id="book",
                                 option_label=lambda d: d + " min", value=BookingState.duration,
                                 on_change=BookingState.set_duration),
                select_field("Time zone", "time_zone", TIME_ZONES, form_id="book", value=BookingState.time_zone,
                             on_change=BookingState.set_time_zone, error=e.get("time_zone", "")),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            slot_picker(days=BookingState.days, day=BookingState.day, slots=BookingState.slots,
                        slot=BookingState.slot, on_day=BookingState.set_day, on_slot=BookingState.choose_slot,
                        error=e.get("slot", "")),
            rx.grid(
                field("Your name", "guest_name", form_id="book", value=BookingState.guest_name,
                      on_change=BookingState.set_guest_name, error=e.get("guest_name", ""), auto_complete="name"),
                field("Email", "guest_email", type="email", form_id="book", value=BookingState.guest_email,
                      on_change=BookingState.set_guest_email, error=e.get("guest_email", ""), auto_complete="email"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.hstack(
                rx.button("Schedule", size="3", on_click=BookingState.schedule),
                rx.button("Cancel", size="3", variant="soft", color_scheme="gray", on_click=BookingState.back),
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
    )


def _login() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Log in", size="5", as_="h2"),
            rx.text(BookingState.agent_name + " asks guests to confirm their email before booking."),
            form_alert(BookingState.message),
            form_notice(BookingState.notice),
            rx.cond(
                BookingState.code_sent,
                rx.form(
                    rx.vstack(
                        field("Code", "code", form_id="login", error=BookingState.errors.get("code", ""),
                              input_mode="numeric", auto_complete="one-time-code", max_length=6),
                        rx.button("Log in", type="submit"),
                        spacing="3",
                    ),
                    on_submit=BookingState.verify_code,
                    no_validate=True,
                ),
                rx.vstack(
                    field("Email", "login_email", type="email", form_id="login", value=BookingState.login_email,
                          on_change=BookingState.set_login_email, error=BookingState.errors.get("login_email", "")),
                    rx.button("Send code", on_click=BookingState.send_code),
                    spacing="3",
                ),
            ),
            rx.button("Back", variant="soft", color_scheme="gray", on_click=BookingState.open_form),
            spacing="3",
            width="100%",
            max_width="28rem",
        ),
        width="100%",
    )


def _done() -> rx.Component:
    c = BookingState.confirmation
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("circle-check", color="green", size=28),
                      rx.heading("Your meeting is scheduled", size="5", as_="h2"), align="center"),
            rx.text(c["date"], size="4", weight="bold"),
            rx.text(c["time"], size="4"),
            rx.text("With ", rx.text.strong(c["agent"])),
            rx.cond(c["subject"] != "", rx.text("Subject: ", c["subject"])),
            rx.text(BookingState.confirmation["agent"] + " will confirm it. Keep this link to change or delete the "
                    "meeting and to write to " + BookingState.confirmation["agent"] + ":", size="2",
                    color_scheme="gray"),
            rx.link("Manage this meeting", href=c["manage"]),
            _intro_buttons(),
            spacing="3",
        ),
        width="100%",
    )


def _meeting_row(m: rx.Var[MeetingView]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(m["date_label"], weight="bold"),
                rx.text(m["time_label"]),
                rx.cond(m["subject"] != "", rx.text(m["subject"], color_scheme="gray")),
                rx.badge(rx.cond(m["status"] == "confirmed", "Confirmed", "Pending"),
                         color_scheme=rx.cond(m["status"] == "confirmed", "green", "amber")),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(
                m["manage_token"] != "",
                rx.hstack(
                    rx.link(rx.button("Edit", variant="soft", aria_label="Edit meeting on " + m["date_label"]),
                            href="/manage/" + m["manage_token"]),
                    rx.button("Delete", color_scheme="red", variant="soft",
                              aria_label="Delete meeting on " + m["date_label"] + " " + m["time_label"],
                              on_click=BookingState.delete_mine(m["manage_token"])),
                ),
                rx.text("Open the link in your confirmation to change it.", size="1", color_scheme="gray"),
            ),
            align="center",
            width="100%",
        ),
        width="100%",
    )


def _mine() -> rx.Component:
    return rx.vstack(
        rx.heading("My meetings", size="5", as_="h2"),
        form_alert(BookingState.message),
        form_notice(BookingState.notice),
        rx.cond(
            BookingState.mine.length() > 0,
            rx.vstack(rx.foreach(BookingState.mine, _meeting_row), width="100%", spacing="2"),
            rx.text("No upcoming meetings with " + BookingState.agent_name + " on this browser.", color_scheme="gray"),
        ),
        rx.button("Back", variant="soft", color_scheme="gray", on_click=BookingState.back),
        spacing="3",
        width="100%",
    )


@template(route=routes.BOOKING, title="Book a meeting", on_load=BookingState.load)
def booking_page() -> rx.Component:
    return _booking_page()


@template(route=routes.TEAM_BOOKING, title="Book a meeting", on_load=BookingState.load)
def team_booking_page() -> rx.Component:
    return _booking_page()


def _booking_page() -> rx.Component:
    return rx.cond(
        BookingState.ready,
        rx.cond(
            BookingState.not_found != "",
            rx.callout(BookingState.not_found, icon="circle_alert", color_scheme="orange", role="alert"),
            rx.vstack(
                rx.heading(rx.cond(BookingState.team_page, BookingState.agent_name + " team",
                                   "Meet " + BookingState.agent_name), size="7", as_="h1"),
                rx.text("Times are shown in your time zone: " + BookingState.time_zone + ".", color_scheme="gray"),
                rx.match(
                    BookingState.step,
                    ("form", _form()),
                    ("login", _login()),
                    ("done", _done()),
                    ("mine", _mine()),
                    _intro_buttons(),
                ),
                spacing="4",
                width="100%",
                on_mount=BookingState.detected_zone(BROWSER_TIME_ZONE),
            ),
        ),
        loading(),
    )
