"""The booking page's state (`/book/<agent>` and `/team/<team>`): who the guest books with, the free times
in their zone and clock, the chosen time and their details, the confirmation, and "My meetings". The page
itself is kite_app/ui/pages/booking.py."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from kite_app import cookies, i18n, routes
from kite_app.domain import calendar_links, times, zones
from kite_app.domain.accounts import time_zones
from kite_app.domain.errors import KiteError, LinkExpired, LinkUsed, NotFound, TooManyAttempts, ValidationError
from kite_app.domain.zones import ZoneChoice
from kite_app.services import booking_form, guest_auth, meeting_changes, meeting_views, teams
from kite_app.services.booking import BookingRequest, LoginRequired
from kite_app.services.meeting_views import MeetingView
from kite_app.ui.browser import BrowserState
from kite_app.ui.components.question_fields import FormAnswers, address_value
from kite_app.ui.components.slot_picker import SlotChoice
from kite_app.ui.pages.booking_target import BookingTarget
from kite_app.ui.session import utcnow

TIME_ZONES = frozenset(time_zones())
MAX_LINKS = 60  # keeps the cookie under 4 KB


def _links(stored: str) -> list[str]:
    """The manage links in the links cookie (older versions separated them with spaces)."""
    return [t for t in re.split(r"(?:%20|[ .])+", stored) if t][-MAX_LINKS:]


class BookingState(BookingTarget, FormAnswers, SlotChoice, BrowserState):
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
    _browser_language: str = ""
    _zone_chosen: bool = False

    def _client(self) -> str:
        return self.router.session.client_ip

    def _refresh_slots(self) -> None:
        """Free times for the chosen duration and zone; none, with the reason in words, when they cannot
        be told (e.g. the agent's calendar cannot be read right now)."""
        now = utcnow()
        try:
            slots = self._find_slots(start=now, end=now + timedelta(days=self._window + 1), duration=int(self.duration),
                                     guest_zone=self.time_zone, now=now, locale=self.locale, client=self._client())
        except KiteError as exc:
            self.message, slots = self._(exc.message), []
        self._apply_slots(slots, self.time_zone, now, self._window)
        self.zone = zones.choice(self.time_zone, now, self.locale)

    @rx.event
    def load(self):
        """The page opened: who the guest books with. The free times follow as soon as the browser said its
        time zone and language (`detected`), whichever of the two comes first."""
        self.ready, self.not_found, self.step, self.errors, self.message, self.notice = False, "", "pick", {}, "", ""
        self.slot, self.day = "", ""
        try:
            info = self._page_info(self._client(), utcnow())
        except (NotFound, LinkUsed, LinkExpired) as exc:
            self.not_found = self._(exc.message)
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
        self._prefill_details()
        if self._detected:
            self._refresh_slots()
        self.ready = True

    def _prefill_details(self) -> None:
        """A link to the page may fill in the guest's details (`?name=&email=&subject=&<question id>=`): shown on
        the Details step, never booked by itself. Its campaign tags (`utm_source`...) go with the meeting."""
        params = self.router.page.params
        self.guest_name = self.guest_name or address_value(params, "name", 100)
        if not self.verified_email:
            self.guest_email = self.guest_email or address_value(params, "email", 254)
        self.subject = self.subject or address_value(params, "subject", 200)
        self._load_form(booking_form.questions_on_page(self._slug(), team=self._team()), params)

    @rx.event
    def detected(self, tz: str, language: str, in_another_site: bool):
        """The browser's time zone and language, and whether the page is framed by another site (where the
        browser may not keep our cookies). The page speaks the language the guest chose here before, else the
        browser's best one we speak (English otherwise); times follow its conventions."""
        if tz in TIME_ZONES and not self._zone_chosen:
            self.time_zone = zones.canonical(tz)  # a legacy name (Asia/Calcutta) as today's (Asia/Kolkata)
        self._browser_language = str(language or "")
        chosen = self._cookie(cookies.LANGUAGE)
        self._speak(chosen if chosen in i18n.LANGUAGES else i18n.best_language([self._browser_language]))
        self.locale = times.display_locale(self._browser_language, self.language)
        self.in_another_site, self._detected = bool(in_another_site), True
        self._show_questions(self.language)
        if self.ready and not self.not_found:
            self._refresh_slots()

    @rx.event
    def choose_language(self, language: str):
        """The language switcher: the page (and the meeting's mails) in `language`, remembered on this browser.
        The chosen time and what was typed stay."""
        if language not in i18n.LANGUAGES:
            return
        self._speak(language)
        self._set_cookie(cookies.LANGUAGE, language)
        self.locale = times.display_locale(self._browser_language, language)
        self._show_questions(language)
        if self.ready and not self.not_found:
            self._refresh_slots()
            if self.step == "details" and self.slot:
                self._summarize()

    @rx.event
    def search_zones(self, query: str):
        self.zone_query = query[:60]
        now = utcnow()
        if self.zone_query.strip():
            self.zone_results = zones.search(self.zone_query, now, self.locale)
        else:
            self.zone_results = [zones.choice(z, now, self.locale)
                                 for z in dict.fromkeys((self.time_zone, *zones.COMMON_ZONES))]

    @rx.event
    def zone_picker(self, is_open: bool):
        if is_open:
            self.search_zones("")

    @rx.event
    def set_time_zone(self, tz: str):
        if tz in TIME_ZONES:
            self.time_zone, self._zone_chosen = zones.canonical(tz), True
            self._refresh_slots()
            if self.step == "details":
                self._summarize()

    @rx.event
    def set_duration(self, value: str):
        """Another duration: fresh times; on the Details step the chosen time is held for the new length (or,
        when that no longer fits, the guest is back at the times with the reason)."""
        if value not in self.durations:
            return
        self.duration = value
        if self.step == "details" and self.slot:
            try:
                self._hold(self.slot, int(value), self._client(), utcnow())
            except TooManyAttempts:
                pass  # as in choose_time: on without a hold
            except KiteError as exc:
                self.step, self.slot = "pick", ""
                self._release()
                self._refresh_slots()
                self.message = self._(exc.message)
                return
            self._summarize()
        self._refresh_slots()

    @rx.event
    def choose_time(self, start: str):
        """A time was picked: it is held for this browser (others no longer see it) while the guest fills in
        their details. Taken meanwhile by another guest: said, with fresh times."""
        if start not in {s["start"] for s in self.slots}:
            return
        try:
            self._hold(start, int(self.duration), self._client(), utcnow())
        except TooManyAttempts:
            pass  # an address holding very often (an office behind one): the guest goes on, without a hold
        except KiteError as exc:
            self._refresh_slots()
            self.message = self._(exc.message)
            return
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
        """Back to the times: the held one is free for others again."""
        self.step, self.errors, self.message, self.notice = "pick", {}, "", ""
        self._release()

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
            email = guest_auth.request_code(email, now=utcnow(), client=self._client(),
                                            language=self.language)
        except ValidationError as exc:
            self.errors = {field_name: self._(next(iter(exc.errors.values())))}
            return ""
        except KiteError as exc:
            self.message = self._(exc.message)
            return ""
        self.code_sent, self.code = True, ""
        self.notice = self._("We sent a 6-digit code to {email}.").format(email=email)
        return email

    def _verify(self, email: str) -> bool:
        try:
            token = guest_auth.verify_code(email, self.code, now=utcnow())
        except ValidationError as exc:
            self.errors = {"code": self._(next(iter(exc.errors.values())))}
            return False
        except KiteError as exc:
            self.errors = {"code": self._(exc.message)}
            return False
        self._set_cookie(cookies.GUEST, token)
        self.verified_email, self.guest_email, self.code_sent, self.code = email, email, False, ""
        return True

    @rx.event
    def schedule(self):
        if self.step != "details":
            return  # a second click, queued while the first booked: the guest stays on its confirmation
        self.errors, self.message, self.notice = {}, "", ""
        if not self.slot:
            self.step = "pick"
            return
        if self.require_login and not self.verified_email:
            if not self.code_sent:
                self.errors = {"code": self._("Send a code to your email, then enter it here.")}
                return
            if not self._verify(self.guest_email):
                return
        try:
            meeting = self._book(
                BookingRequest(slug=self._slug(), start=datetime.fromisoformat(self.slot), duration=int(self.duration),
                               subject=self.subject, guest_name=self.guest_name, guest_email=self.guest_email,
                               guest_time_zone=self.time_zone, verified_email=self.verified_email or None,
                               client=self._client(), language=self.language,
                               locale_tag=self._browser_language, answers=self._answers(), utm=self._utm),
                utcnow(),
            )
        except ValidationError as exc:
            self.errors = self._errors(exc.errors)
            self._question_errors(self.errors)
            return
        except LoginRequired as exc:
            self.verified_email, self.message = "", self._(exc.message)
            return
        except KiteError as exc:  # the time was just taken, or the agent's calendar cannot be read
            self._refresh_slots()
            self.step, self.message = "pick", self._(exc.message)
            return
        self._remember_links(_links(self._cookie(cookies.MEETING_LINKS)), [meeting["manage_token"]])
        self._confirm(meeting)
        self.step, self.subject, self.slot = "done", "", ""
        self._clear_answers()
        self._refresh_slots()

    def _remember_links(self, held: list[str], new: list[str]) -> None:
        """Keep the manage links of this guest's meetings in this browser (the newest MAX_LINKS)."""
        self._set_cookie(cookies.MEETING_LINKS, ".".join([*held, *new][-MAX_LINKS:]))

    def _confirm(self, meeting: MeetingView) -> None:
        start, end = datetime.fromisoformat(meeting["start"]), datetime.fromisoformat(meeting["end"])
        zone = ZoneInfo(meeting["time_zone"])
        event = meeting_views.guest_event(meeting)  # what the .ics carries, in the guest's language
        self.confirmation = {
            "date": times.day(start.astimezone(zone), self.locale), "time": times.span(start, end, zone, self.locale),
            "zone": meeting["time_zone"], "agent": meeting["agent_name"], "subject": meeting["subject"],
            "duration": self._("{n} min").format(n=meeting["duration"]),
            "email": meeting["guest_email"], "manage": routes.manage_path(meeting["manage_token"]),
            "google": calendar_links.google_url(event, start, end),
            "outlook": calendar_links.outlook_url(event, start, end),
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
            mine = teams.my_team_meetings if self._team() else meeting_views.my_meetings
            held = _links(self._cookie(cookies.MEETING_LINKS))
            found = mine(held, slug=self._slug(), verified_email=self.verified_email or None, now=utcnow(),
                         client=self._client())
            self.mine = [meeting_views.in_locale(m, self.locale) for m in found]
            if new := [m["manage_token"] for m in found if m["manage_token"] not in held]:
                self._remember_links(held, new)
        except KiteError as exc:
            self.mine, self.message = [], self._(exc.message)

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
            self.notice = self._("You are logged in as {email}.").format(email=self.verified_email)
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
            meeting = meeting_changes.cancel(self.deleting, now=utcnow(), client=self._client(),
                                             reason=self.delete_reason)
        except ValidationError as exc:
            self.errors = {"reason": self._(next(iter(exc.errors.values())))}
            return
        except KiteError as exc:
            self.message, self.deleting = self._(exc.message), ""
            return
        self.deleting, self.delete_reason = "", ""
        meeting = meeting_views.in_locale(meeting, self.locale)
        self.notice = self._("Deleted the meeting on {date}, {time}.").format(date=meeting["date_label"],
                                                                             time=meeting["time_label"])
        self._load_mine()
        if self.ready and not self.not_found:
            self._refresh_slots()

    @rx.event
    def back(self):
        self.step, self.message, self.notice, self.errors = "pick", "", "", {}


