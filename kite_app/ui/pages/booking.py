"""The public booking page `/book/<agent slug>` and `/team/<team slug>`: the agent beside a month calendar
and the chosen day's free times; then the guest's details; then the confirmation. "My meetings" lists and
deletes this guest's meetings."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from kite_app import cookies, routes
from kite_app.config import settings
from kite_app.domain import calendar_links, times, zones
from kite_app.domain.accounts import time_zones
from kite_app.domain.errors import KiteError, NotFound, ValidationError
from kite_app.domain.zones import ZoneChoice
from kite_app.services import availability, booking, guest_auth, teams
from kite_app.services.booking import BookingRequest, LoginRequired, MeetingView
from kite_app.ui.browser import BrowserState
from kite_app.ui.components.avatar import avatar
from kite_app.ui.components.delete_dialog import delete_dialog
from kite_app.ui.components.forms import (
    BROWSER_LANGUAGE,
    BROWSER_TIME_ZONE,
    IN_ANOTHER_SITE,
    field,
    form_alert,
    form_notice,
)
from kite_app.ui.components.join_link import join_link
from kite_app.ui.components.slot_picker import SlotChoice, slot_picker
from kite_app.ui.layout import loading, template
from kite_app.ui.session import utcnow

TIME_ZONES = frozenset(time_zones())
MAX_LINKS = 60  # keeps the cookie under 4 KB
# Offered before the guest searches: where most guests are.
COMMON_ZONES = ("America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Sao_Paulo",
                "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Helsinki", "Europe/Moscow",
                "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
                "Australia/Sydney", "Pacific/Auckland", "UTC")


def _links(stored: str) -> list[str]:
    """The manage links in the links cookie (older versions separated them with spaces)."""
    return [t for t in re.split(r"(?:%20|[ .])+", stored) if t][-MAX_LINKS:]


class BookingState(SlotChoice, BrowserState):
    ready: bool = False
    not_found: str = ""
    agent_name: str = ""
    description: str = ""
    photo: str = ""
    initials: str = ""
    require_login: bool = False
    team_page: bool = False
    step: str = "pick"  # pick, details, done, mine
    durations: list[str] = []
    duration: str = "30"
    time_zone: str = "UTC"
    zone: ZoneChoice = {}  # type: ignore[typeddict-item]
    zone_query: str = ""
    zone_results: list[ZoneChoice] = []
    in_another_site: bool = False
    chosen: dict[str, str] = {}
    subject: str = ""
    guest_name: str = ""
    guest_email: str = ""
    code: str = ""
    code_sent: bool = False
    verified_email: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    notice: str = ""
    confirmation: dict[str, str] = {}
    mine: list[MeetingView] = []
    login_email: str = ""
    deleting: str = ""  # the manage token of the meeting whose deletion is being confirmed
    delete_reason: str = ""
    _window: int = 30
    _detected: bool = False
    _zone_chosen: bool = False

    def _slug(self) -> str:
        return self.router.page.params.get("slug", "")

    def _team(self) -> bool:
        """Whether this is a team's page (`/team/<slug>`) rather than an agent's."""
        return self.router.page.path.startswith("/team/")

    def _client(self) -> str:
        return self.router.session.client_ip

    def _refresh_slots(self) -> None:
        """Free times for the chosen duration and zone; none, with the reason in words, when they cannot
        be told (e.g. the agent's calendar cannot be read right now)."""
        now = utcnow()
        find = teams.team_slots if self._team() else availability.slots_for
        try:
            slots = find(self._slug(), start=now, end=now + timedelta(days=self._window + 1),
                         duration=int(self.duration), guest_zone=self.time_zone, now=now, locale=self.locale)
        except KiteError as exc:
            self.message, slots = exc.message, []
        self._apply_slots(slots, self.time_zone, now, self._window)
        self.zone = zones.choice(self.time_zone, now, self.locale)

    @rx.event
    def load(self):
        """The page opened: who the guest books with. The free times follow as soon as the browser said its
        time zone and language (`detected`), whichever of the two comes first."""
        self.ready, self.not_found, self.step, self.errors, self.message, self.notice = False, "", "pick", {}, "", ""
        self.slot, self.day = "", ""
        try:
            info = (teams.team_page if self._team() else availability.booking_page)(self._slug())
        except NotFound as exc:
            self.not_found = exc.message
            self.ready = True
            return
        self.agent_name, self.description, self.photo = info["agent_name"], info["description"], info["photo"]
        self.initials, self.team_page = info["initials"], self._team()
        self.require_login, self._window = info["require_login"], info["window_days"]
        self.durations = [str(d) for d in info["durations"]]
        self.duration = str(info["default_duration"])
        self.verified_email = next(filter(None, (guest_auth.guest_email(t, now=utcnow())
                                                 for t in self._cookie_values(cookies.GUEST))), "")
        if self.verified_email and not self.guest_email:
            self.guest_email = self.verified_email
        if self._detected:
            self._refresh_slots()
        self.ready = True

    @rx.event
    def detected(self, tz: str, language: str, in_another_site: bool):
        """The browser's time zone and language (its clock convention), and whether the page is framed by
        another site (where the browser may not keep our cookies)."""
        if tz in TIME_ZONES and not self._zone_chosen:
            self.time_zone = tz
        self.locale, self.in_another_site, self._detected = times.display_locale(language), bool(in_another_site), True
        if self.ready and not self.not_found:
            self._refresh_slots()

    @rx.event
    def search_zones(self, query: str):
        self.zone_query = query[:60]
        now = utcnow()
        if self.zone_query.strip():
            self.zone_results = zones.search(self.zone_query, now, self.locale)
        else:
            self.zone_results = [zones.choice(z, now, self.locale)
                                 for z in dict.fromkeys((self.time_zone, *COMMON_ZONES))]

    @rx.event
    def zone_picker(self, is_open: bool):
        if is_open:
            self.search_zones("")

    @rx.event
    def set_time_zone(self, tz: str):
        if tz in TIME_ZONES:
            self.time_zone, self._zone_chosen = tz, True
            self._refresh_slots()
            if self.step == "details":
                self._summarize()

    @rx.event
    def set_duration(self, value: str):
        if value in self.durations:
            self.duration = value
            self._refresh_slots()

    @rx.event
    def choose_time(self, start: str):
        """A time was picked: on to the guest's details."""
        if start in {s["start"] for s in self.slots}:
            self.slot, self.step, self.errors, self.message, self.notice = start, "details", {}, "", ""
            self._summarize()

    def _summarize(self) -> None:
        start = datetime.fromisoformat(self.slot)
        end = start + timedelta(minutes=int(self.duration))
        zone = ZoneInfo(self.time_zone)
        self.chosen = {"date": times.day(start.astimezone(zone), self.locale),
                       "time": times.span(start, end, zone, self.locale), "zone": self.time_zone,
                       "duration": f"{self.duration} min"}

    @rx.event
    def back_to_times(self):
        self.step, self.errors, self.message, self.notice = "pick", {}, "", ""

    @rx.event
    def set_subject(self, value: str):
        self.subject = value

    @rx.event
    def set_guest_name(self, value: str):
        self.guest_name = value

    @rx.event
    def set_guest_email(self, value: str):
        if not self.verified_email:
            self.guest_email = value

    @rx.event
    def set_code(self, value: str):
        self.code = value

    @rx.event
    def send_code(self):
        """A code to the email in the details (agents who ask guests to confirm their email)."""
        self.errors, self.message, self.notice = {}, "", ""
        email = self._send_code(self.guest_email, "guest_email")
        if email:
            self.guest_email = email

    def _send_code(self, email: str, field_name: str) -> str:
        try:
            email = guest_auth.request_code(email, now=utcnow(), client=self._client())
        except ValidationError as exc:
            self.errors = {field_name: next(iter(exc.errors.values()))}
            return ""
        except KiteError as exc:
            self.message = exc.message
            return ""
        self.code_sent, self.code = True, ""
        self.notice = f"We sent a 6-digit code to {email}."
        return email

    def _verify(self, email: str) -> bool:
        try:
            token = guest_auth.verify_code(email, self.code, now=utcnow())
        except ValidationError as exc:
            self.errors = {"code": next(iter(exc.errors.values()))}
            return False
        except KiteError as exc:
            self.errors = {"code": exc.message}
            return False
        self._set_cookie(cookies.GUEST, token)
        self.verified_email, self.guest_email, self.code_sent, self.code = email, email, False, ""
        return True

    @rx.event
    def schedule(self):
        self.errors, self.message, self.notice = {}, "", ""
        if not self.slot:
            self.step = "pick"
            return
        if self.require_login and not self.verified_email:
            if not self.code_sent:
                self.errors = {"code": "Send a code to your email, then enter it here."}
                return
            if not self._verify(self.guest_email):
                return
        try:
            meeting = (teams.book_team if self._team() else booking.book)(
                BookingRequest(slug=self._slug(), start=datetime.fromisoformat(self.slot), duration=int(self.duration),
                               subject=self.subject, guest_name=self.guest_name, guest_email=self.guest_email,
                               guest_time_zone=self.time_zone, verified_email=self.verified_email or None,
                               client=self._client()),
                now=utcnow(),
            )
        except ValidationError as exc:
            self.errors = exc.errors
            return
        except LoginRequired as exc:
            self.verified_email, self.message = "", exc.message
            return
        except KiteError as exc:  # the time was just taken, or the agent's calendar cannot be read
            self._refresh_slots()
            self.step, self.message = "pick", exc.message
            return
        self._remember_links(_links(self._cookie(cookies.MEETING_LINKS)), [meeting["manage_token"]])
        self._confirm(meeting)
        self.step, self.subject, self.slot = "done", "", ""
        self._refresh_slots()

    def _remember_links(self, held: list[str], new: list[str]) -> None:
        """Keep the manage links of this guest's meetings in this browser (the newest MAX_LINKS)."""
        self._set_cookie(cookies.MEETING_LINKS, ".".join([*held, *new][-MAX_LINKS:]))

    def _confirm(self, meeting: MeetingView) -> None:
        start, end = datetime.fromisoformat(meeting["start"]), datetime.fromisoformat(meeting["end"])
        zone = ZoneInfo(meeting["time_zone"])
        title = meeting["subject"] or f"Meeting with {meeting['agent_name']}"
        manage = routes.manage_path(meeting["manage_token"])
        details = (f"Change or delete the meeting, or write to {meeting['agent_name']}: "
                   f"{routes.manage_url(settings.public_url, meeting['manage_token'])}")
        self.confirmation = {
            "date": times.day(start.astimezone(zone), self.locale), "time": times.span(start, end, zone, self.locale),
            "zone": meeting["time_zone"], "agent": meeting["agent_name"], "subject": meeting["subject"],
            "email": meeting["guest_email"], "manage": manage,
            "google": calendar_links.google_url(title, start, end, details),
            "outlook": calendar_links.outlook_url(title, start, end, details),
            "ics": routes.booking_calendar_file_path(meeting["manage_token"]),
            "join": meeting["meeting_url"],
            "join_later": "yes" if meeting["link_pending"] else "",
        }

    @rx.event
    def book_another(self):
        self.step, self.message, self.notice, self.errors = "pick", "", "", {}

    @rx.event
    def show_mine(self):
        self.step, self.message, self.notice, self.errors = "mine", "", "", {}
        self.login_email = self.login_email or self.guest_email
        self._load_mine()

    def _load_mine(self) -> None:
        try:
            mine = teams.my_team_meetings if self._team() else booking.my_meetings
            held = _links(self._cookie(cookies.MEETING_LINKS))
            found = mine(held, slug=self._slug(), verified_email=self.verified_email or None, now=utcnow(),
                         client=self._client())
            self.mine = [booking.in_locale(m, self.locale) for m in found]
            if new := [m["manage_token"] for m in found if m["manage_token"] not in held]:
                self._remember_links(held, new)
        except KiteError as exc:
            self.mine, self.message = [], exc.message

    @rx.event
    def set_login_email(self, value: str):
        self.login_email = value

    @rx.event
    def send_login_code(self):
        """"My meetings": a code to the guest's email, to list every meeting booked with it."""
        self.errors, self.message, self.notice = {}, "", ""
        email = self._send_code(self.login_email, "login_email")
        if email:
            self.login_email = email

    @rx.event
    def log_in(self):
        self.errors, self.message, self.notice = {}, "", ""
        if self._verify(self.login_email):
            self.notice = f"You are logged in as {self.verified_email}."
            self._load_mine()

    @rx.event
    def ask_delete(self, token: str):
        self.deleting, self.delete_reason, self.errors = token, "", {}

    @rx.event
    def delete_dialog(self, is_open: bool):
        if not is_open:
            self.deleting = ""

    @rx.event
    def set_delete_reason(self, value: str):
        self.delete_reason = value

    @rx.event
    def delete_mine(self):
        self.message, self.notice, self.errors = "", "", {}
        try:
            meeting = booking.cancel(self.deleting, now=utcnow(), client=self._client(), reason=self.delete_reason)
        except ValidationError as exc:
            self.errors = {"reason": next(iter(exc.errors.values()))}
            return
        except KiteError as exc:
            self.message, self.deleting = exc.message, ""
            return
        self.deleting, self.delete_reason = "", ""
        meeting = booking.in_locale(meeting, self.locale)
        self.notice = f"Deleted the meeting on {meeting['date_label']}, {meeting['time_label']}."
        self._load_mine()
        if self.ready and not self.not_found:
            self._refresh_slots()

    @rx.event
    def back(self):
        self.step, self.message, self.notice, self.errors = "pick", "", "", {}


# ---- the side panel: who, how long, which zone ----

def _who() -> rx.Component:
    return rx.vstack(
        avatar(BookingState.photo, BookingState.initials, BookingState.agent_name),
        rx.heading(rx.cond(BookingState.team_page, BookingState.agent_name + " team", BookingState.agent_name),
                   size="6", as_="h1"),
        rx.cond(BookingState.description != "", rx.text(BookingState.description, size="2", color_scheme="gray")),
        spacing="2",
    )


def _durations() -> rx.Component:
    return rx.cond(
        BookingState.durations.length() > 1,
        rx.el.div(
            rx.text("Duration", weight="medium", size="2", id="duration-label"),
            rx.flex(
                rx.foreach(BookingState.durations, lambda d: rx.button(
                    rx.icon("clock", size=14), d + " min",
                    variant=rx.cond(d == BookingState.duration, "solid", "outline"),
                    aria_pressed=rx.cond(d == BookingState.duration, "true", "false"),
                    on_click=BookingState.set_duration(d), type="button", size="2")),
                wrap="wrap", spacing="2", role="group", aria_labelledby="duration-label",
            ),
            class_name="kite-field",
        ),
        rx.hstack(rx.icon("clock", size=16), rx.text(BookingState.duration + " min", size="2"), align="center"),
    )


def _zone_row(z: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.popover.close(rx.el.button(
            rx.el.span(rx.el.strong(z["city"]), " · ", z["place"], class_name="kite-zone-name"),
            rx.el.span(z["offset"] + " · " + z["time"], class_name="kite-zone-meta"),
            type="button",
            class_name="kite-zone-option",
            aria_current=rx.cond(z["id"] == BookingState.time_zone, "true", None),
            aria_label=z["city"] + ", " + z["place"] + " (" + z["id"] + "), " + z["offset"] + ", now " + z["time"],
            on_click=BookingState.set_time_zone(z["id"]),
        )),
    )


def zone_picker() -> rx.Component:
    """The guest's time zone, shown with its offset and local time; a search by city, country or offset."""
    z = BookingState.zone
    return rx.el.div(
        rx.text("Time zone", weight="medium", size="2", id="tz-label"),
        rx.popover.root(
            rx.popover.trigger(rx.button(
                rx.icon("globe", size=16),
                rx.el.span(rx.el.span(z["id"], class_name="kite-ellipsis"),
                           rx.el.span(z["offset"] + " · " + z["time"], class_name="kite-zone-meta"),
                           class_name="kite-zone-current"),
                rx.icon("chevron-down", size=14),
                variant="outline", color_scheme="gray", size="2", type="button", id="tz-button",
                aria_labelledby="tz-label tz-button", class_name="kite-zone-button",
            )),
            rx.popover.content(
                rx.vstack(
                    rx.input(placeholder="City, country or UTC+1", value=BookingState.zone_query,
                             on_change=BookingState.search_zones.debounce(150), aria_label="Search time zones",
                             auto_focus=True, width="100%"),
                    rx.cond(
                        BookingState.zone_results.length() > 0,
                        rx.el.ul(rx.foreach(BookingState.zone_results, _zone_row), class_name="kite-zone-list",
                                 aria_label="Time zones"),
                        rx.text("No time zone matches. Try a city or a country.", size="2", color_scheme="gray"),
                    ),
                    spacing="2",
                    width="100%",
                ),
                width="min(26rem, 92vw)",
                aria_label="Choose your time zone",
            ),
            on_open_change=BookingState.zone_picker,
        ),
        class_name="kite-field",
    )


def _side() -> rx.Component:
    return rx.vstack(
        _who(),
        _durations(),
        zone_picker(),
        rx.cond(BookingState.require_login, rx.callout(
            BookingState.agent_name + " asks guests to confirm their email: you will get a 6-digit code when you "
            "enter your details.", icon="mail", color_scheme="blue", size="1")),
        rx.button(rx.icon("calendar-days", size=16), "My meetings", variant="ghost", size="2",
                  on_click=BookingState.show_mine, type="button"),
        spacing="4",
        class_name="kite-side",
    )


# ---- the main panel, one step at a time ----

def _steps() -> rx.Component:
    def step(n: str, label: str, active: rx.Var) -> rx.Component:
        return rx.el.li(rx.el.span(n, class_name="kite-step-number"), label,
                        aria_current=rx.cond(active, "step", None), class_name="kite-step")
    return rx.el.ol(
        step("1", "Time", BookingState.step == "pick"),
        step("2", "Details", BookingState.step == "details"),
        step("3", "Done", BookingState.step == "done"),
        aria_label="Steps", class_name="kite-steps",
    )


def _pick() -> rx.Component:
    return rx.vstack(
        rx.heading("Schedule a meeting", size="5", as_="h2"),
        form_alert(BookingState.message),
        slot_picker(state=BookingState, slot=BookingState.slot, on_slot=BookingState.choose_time,
                    error=BookingState.errors.get("slot", "")),
        spacing="4",
        width="100%",
    )


def _summary(c: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon("calendar", size=16), rx.text(c["date"], weight="bold"), align="center"),
        rx.hstack(rx.icon("clock", size=16), rx.text(c["time"] + " · " + c["duration"]), align="center"),
        rx.hstack(rx.icon("globe", size=16), rx.text(c["zone"]), align="center"),
        spacing="1",
    )


def _code_step() -> rx.Component:
    """For agents who ask guests to confirm their email: the code, sent to the Email above."""
    return rx.cond(
        BookingState.require_login & (BookingState.verified_email == ""),
        rx.vstack(
            rx.hstack(
                rx.button(rx.cond(BookingState.code_sent, "Send a new code", "Send code"), type="button",
                          variant="soft", on_click=BookingState.send_code),
                rx.text("We email you a 6-digit code to confirm your email.", size="2", color_scheme="gray"),
                align="center", wrap="wrap",
            ),
            rx.cond(BookingState.code_sent, rx.box(
                field("Code", "code", form_id="book", value=BookingState.code, on_change=BookingState.set_code,
                      error=BookingState.errors.get("code", ""), input_mode="numeric", auto_complete="one-time-code",
                      max_length=6, pattern="[0-9]*"),
                max_width="12rem",
            ), rx.text(BookingState.errors.get("code", ""), color_scheme="red", size="2")),
            spacing="2",
            width="100%",
        ),
    )


def _details() -> rx.Component:
    e = BookingState.errors
    return rx.vstack(
        rx.heading("Your details", size="5", as_="h2"),
        rx.card(rx.hstack(_summary(BookingState.chosen), rx.spacer(),
                          rx.button("Change", variant="soft", size="2", type="button",
                                    aria_label="Change the time", on_click=BookingState.back_to_times),
                          align="start", width="100%"), width="100%"),
        form_alert(BookingState.message),
        form_notice(BookingState.notice),
        rx.grid(
            field("Your name", "guest_name", form_id="book", value=BookingState.guest_name,
                  on_change=BookingState.set_guest_name, error=e.get("guest_name", ""), auto_complete="name"),
            field("Email", "guest_email", type="email", form_id="book", value=BookingState.guest_email,
                  on_change=BookingState.set_guest_email, error=e.get("guest_email", ""), auto_complete="email",
                  read_only=BookingState.verified_email != ""),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.cond(BookingState.verified_email != "",
                rx.text("Logged in as " + BookingState.verified_email + ".", size="2", color_scheme="gray")),
        field("Subject", "subject", form_id="book", value=BookingState.subject, on_change=BookingState.set_subject,
              error=e.get("subject", ""), max_length=200, placeholder="Optional"),
        _code_step(),
        rx.hstack(
            rx.button("Schedule", size="3", on_click=BookingState.schedule, type="button"),
            rx.button("Back", size="3", variant="soft", color_scheme="gray", on_click=BookingState.back_to_times,
                      type="button"),
            spacing="2",
        ),
        spacing="4",
        width="100%",
    )


def _done() -> rx.Component:
    c = BookingState.confirmation
    return rx.vstack(
        rx.hstack(rx.icon("circle-check", color="var(--green-11)", size=28),
                  rx.heading("Your meeting is scheduled", size="5", as_="h2"), align="center"),
        rx.vstack(
            rx.text(c["date"], size="4", weight="bold"),
            rx.text(c["time"] + " (" + c["zone"] + ")", size="4"),
            rx.text("With ", rx.text.strong(c["agent"])),
            rx.cond(c["subject"] != "", rx.text("Subject: ", c["subject"])),
            spacing="1",
        ),
        rx.text("We sent a confirmation to " + c["email"] + ". " + c["agent"] + " will confirm the meeting."),
        join_link(c["join"]),
        rx.cond(c["join_later"] != "", rx.text("The Google Meet link comes by mail as soon as it is ready.",
                                                size="2")),
        rx.el.div(
            rx.text("Add to calendar", weight="medium", size="2", id="add-label"),
            rx.flex(
                rx.link(rx.icon("external-link", size=14), "Google Calendar", href=c["google"], is_external=True,
                        class_name="kite-chip"),
                rx.link(rx.icon("external-link", size=14), "Outlook.com", href=c["outlook"], is_external=True,
                        class_name="kite-chip"),
                rx.el.a(rx.icon("download", size=14), "Download .ics", href=c["ics"], download="meeting.ics",
                        class_name="kite-chip"),
                spacing="2", wrap="wrap", role="group", aria_labelledby="add-label",
            ),
            class_name="kite-field",
        ),
        rx.text("Keep this link to change or delete the meeting and to write to " + c["agent"] + ":", size="2",
                color_scheme="gray"),
        rx.link("Manage this meeting", href=c["manage"]),
        rx.button("Book another time", variant="soft", on_click=BookingState.book_another, type="button"),
        spacing="4",
        width="100%",
    )


def _meeting_row(m: rx.Var[MeetingView]) -> rx.Component:
    return rx.el.li(rx.card(
        rx.flex(
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
                    rx.link(rx.button("Edit", variant="soft", aria_label="Edit meeting on " + m["date_label"],
                                      tab_index=-1), href="/manage/" + m["manage_token"]),
                    rx.button("Delete", color_scheme="red", variant="soft",
                              aria_label="Delete meeting on " + m["date_label"] + " " + m["time_label"],
                              on_click=BookingState.ask_delete(m["manage_token"])),
                ),
                rx.text("Open the link in your confirmation to change it.", size="1", color_scheme="gray"),
            ),
            align="center", width="100%", spacing="3", wrap="wrap",
        ),
        width="100%",
    ))


def _mine_login() -> rx.Component:
    """Where the page cannot remember this guest's meetings (framed by another site) or they have none here:
    log in with an email code to see every meeting booked with that email."""
    e = BookingState.errors
    return rx.card(rx.vstack(
        rx.cond(BookingState.in_another_site,
                rx.text("This browser may not remember your meetings on this site. Log in with your email to "
                        "see them.", size="2"),
                rx.text("Meetings booked on another browser? Log in with your email to see them.", size="2")),
        rx.cond(
            BookingState.code_sent,
            rx.hstack(
                field("Code", "login-code", form_id="mine", value=BookingState.code, on_change=BookingState.set_code,
                      error=e.get("code", ""), input_mode="numeric", auto_complete="one-time-code", max_length=6),
                rx.button("Log in", on_click=BookingState.log_in, type="button"),
                align="end", wrap="wrap",
            ),
            rx.hstack(
                field("Email", "login_email", type="email", form_id="mine", value=BookingState.login_email,
                      on_change=BookingState.set_login_email, error=e.get("login_email", ""), auto_complete="email"),
                rx.button("Send code", on_click=BookingState.send_login_code, type="button"),
                align="end", wrap="wrap",
            ),
        ),
        spacing="3", width="100%",
    ), width="100%")


def _mine() -> rx.Component:
    return rx.vstack(
        rx.heading("My meetings", size="5", as_="h2"),
        form_alert(BookingState.message),
        form_notice(BookingState.notice),
        rx.cond(
            BookingState.mine.length() > 0,
            rx.el.ul(rx.foreach(BookingState.mine, _meeting_row), class_name="kite-list", aria_label="My meetings",
                     width="100%"),
            rx.text("No upcoming meetings with " + BookingState.agent_name + " on this browser.", color_scheme="gray"),
        ),
        rx.cond(BookingState.verified_email == "", _mine_login()),
        rx.button("Back", variant="soft", color_scheme="gray", on_click=BookingState.back, type="button"),
        delete_dialog(is_open=BookingState.deleting != "", on_open_change=BookingState.delete_dialog,
                      reason=BookingState.delete_reason, on_reason=BookingState.set_delete_reason,
                      on_delete=BookingState.delete_mine, error=BookingState.errors.get("reason", ""),
                      told=BookingState.agent_name),
        spacing="3",
        width="100%",
    )


def _scheduler() -> rx.Component:
    return rx.card(
        rx.grid(
            _side(),
            rx.vstack(
                rx.cond(BookingState.step != "mine", _steps()),
                rx.match(BookingState.step, ("details", _details()), ("done", _done()), ("mine", _mine()), _pick()),
                spacing="4", width="100%", min_width="0",
            ),
            columns=rx.breakpoints(initial="1", sm="14rem minmax(0, 1fr)"),
            spacing="6",
            width="100%",
        ),
        size="3",
        width="100%",
        class_name="kite-scheduler",
    )


@template(route=routes.BOOKING, title="Book a meeting", on_load=BookingState.load)
def booking_page() -> rx.Component:
    return _booking_page()


@template(route=routes.TEAM_BOOKING, title="Book a meeting", on_load=BookingState.load)
def team_booking_page() -> rx.Component:
    return _booking_page()


def _booking_page() -> rx.Component:
    return rx.box(
        rx.cond(
            BookingState.ready,
            rx.cond(
                BookingState.not_found != "",
                rx.callout(BookingState.not_found, icon="circle_alert", color_scheme="orange", role="alert"),
                _scheduler(),
            ),
            loading(),
        ),
        on_mount=BookingState.detected(BROWSER_TIME_ZONE, BROWSER_LANGUAGE, IN_ANOTHER_SITE),
        width="100%",
    )
