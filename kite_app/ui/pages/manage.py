"""`/manage/<token>`: a guest changes the subject, duration or time of their meeting, or deletes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import reflex as rx

from kite_app import routes
from kite_app.domain import times
from kite_app.domain.errors import KiteError, ValidationError
from kite_app.services import availability, conversations, meeting_changes, meeting_views, teams
from kite_app.services.conversations import MessageView
from kite_app.services.meeting_views import MeetingView
from kite_app.ui.browser import BrowserState
from kite_app.ui.components.delete_dialog import delete_dialog
from kite_app.ui.components.forms import BROWSER_LANGUAGE, field, form_alert, form_notice, var_select_field
from kite_app.ui.components.join_link import join_link
from kite_app.ui.components.slot_picker import SlotChoice, slot_picker
from kite_app.ui.i18n import N_, language_switcher, t
from kite_app.ui.layout import live, loading, template
from kite_app.ui.pages.inbox import message_box, message_bubble
from kite_app.ui.session import utcnow


class ManageState(SlotChoice, BrowserState):
    ready: bool = False
    not_found: str = ""
    meeting: MeetingView = {}  # type: ignore[typeddict-item]
    durations: list[str] = []
    duration: str = ""
    subject: str = ""
    editing: bool = False
    conversation: list[MessageView] = []
    draft: str = ""
    draft_error: str = ""
    _last_id: int = -1
    confirm_delete: bool = False
    delete_reason: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    notice: str = ""
    _window: int = 30
    _browser_language: str = ""

    def _clear(self) -> None:
        """Messages belong to the action that caused them: every action starts without any."""
        self.errors, self.message, self.notice, self.draft_error = {}, "", "", ""

    def _token(self) -> str:
        return self.router.page.params.get("token", "")

    def _client(self) -> str:
        return self.router.session.client_ip

    def _refresh_slots(self) -> None:
        now = utcnow()
        zone = self.meeting["time_zone"]
        try:
            slots = meeting_changes.change_slots(self._token(), start=now, end=now + timedelta(days=self._window + 1),
                                                 duration=int(self.duration), guest_zone=zone, now=now,
                                                 client=self._client(), locale=self.locale)
        except KiteError as exc:  # e.g. the agent's calendar cannot be read right now
            self.message, slots = self._(exc.message), []
        self._apply_slots(slots, zone, now, self._window)

    def _show(self, meeting: MeetingView) -> None:
        self._label(meeting)
        self.subject, self.duration = meeting["subject"], str(meeting["duration"])
        self._load_conversation()

    def _load_conversation(self) -> None:
        try:
            view = conversations.open_for_guest(self._token(), now=utcnow(), client=self._client())
        except KiteError:
            self.conversation = []
            return
        self.conversation, self._last_id = view["messages"], view["last_id"]

    def _label(self, meeting: MeetingView) -> None:
        """Show `meeting` with its date and time in the guest's zone and clock convention."""
        self.meeting = meeting_views.in_locale(meeting, self.locale)

    @rx.event
    def detected(self, language: str):
        """The page speaks the meeting's language (the one the guest booked in, or last chose), in the
        conventions of the browser's region."""
        self._browser_language = str(language or "")
        if self.meeting:
            self._speak(self.meeting["language"])
        self.locale = times.display_locale(self._browser_language, self.language)
        if self.meeting:
            self._label(self.meeting)
            if self.editing:
                self._refresh_slots()

    @rx.event
    def choose_language(self, language: str):
        """The switcher: the page, and the guest's mails and notices from now on, in `language`."""
        try:
            meeting = meeting_views.set_guest_language(self._token(), language, now=utcnow(), client=self._client())
        except KiteError as exc:
            self.message = self._(exc.message)
            return
        self._speak(language)
        self.locale = times.display_locale(self._browser_language, language)
        self._label(meeting)
        self._load_conversation()
        if self.editing:
            self._refresh_slots()

    @rx.event
    def tick(self, _now: str = ""):
        """Polled while the page is open: new messages and notices appear without reloading."""
        try:
            if conversations.last_id_for_guest(self._token(), now=utcnow(), client=self._client()) != self._last_id:
                self._show(meeting_views.get(self._token(), now=utcnow(), client=self._client()))
        except KiteError:
            pass

    @rx.event
    def set_draft(self, value: str):
        self.draft = value

    @rx.event
    def send(self):
        self._clear()
        try:
            conversations.guest_writes(self._token(), self.draft, now=utcnow(), client=self._client())
        except ValidationError as exc:
            self.draft_error = self._(next(iter(exc.errors.values())))
            return
        except KiteError as exc:
            self.draft_error = self._(exc.message)
            return
        self.draft = ""
        self._load_conversation()

    @rx.event
    def load(self):
        self.ready, self.not_found, self.editing, self.confirm_delete = False, "", False, False
        self._clear()
        try:
            meeting = meeting_views.get(self._token(), now=utcnow(), client=self._client())
            slug = meeting["page"].rsplit("/", 1)[-1]
            info = teams.team_page(slug) if meeting["page"].startswith("/team/") else availability.booking_page(slug)
        except KiteError as exc:
            self.not_found = self._(exc.message)
            self.ready = True
            return
        self._show(meeting)
        self.durations = sorted({*[str(d) for d in info["durations"]], str(meeting["duration"])}, key=int)
        self._window = info["window_days"]
        self.ready = True

    @rx.event
    def edit(self):
        self._clear()
        self.editing = True
        start = datetime.fromisoformat(self.meeting["start"]).astimezone(ZoneInfo(self.meeting["time_zone"]))
        self.day = start.date().isoformat()
        self._refresh_slots()
        self.slot = self.meeting["start"] if self.meeting["start"] in {s["start"] for s in self.slots} else ""

    @rx.event
    def set_subject(self, value: str):
        self.subject = value

    @rx.event
    def set_duration(self, value: str):
        if value in self.durations:
            self.duration = value
            self._refresh_slots()

    @rx.event
    def cancel_edit(self):
        """Leave the changes unsaved: the meeting as it is, nothing typed kept."""
        self._clear()
        self.editing, self.slot = False, ""
        self.subject, self.duration = self.meeting["subject"], str(self.meeting["duration"])

    @rx.event
    def save(self):
        if not self.editing:
            return  # a second click, queued while the first saved
        self._clear()
        if not self.slot:
            self.errors = {"slot": self._("Choose a time.")}
            return
        try:
            meeting = meeting_changes.change(self._token(), now=utcnow(), start=datetime.fromisoformat(self.slot),
                                             duration=int(self.duration), subject=self.subject,
                                             client=self._client())
        except ValidationError as exc:
            self.errors = self._errors(exc.errors)
            self.message = self._(next(iter(exc.errors.values()))) if "meeting" in exc.errors else ""
            return
        except KiteError as exc:
            self._refresh_slots()
            self.message = self._(exc.message)
            return
        unchanged = all(meeting[k] == self.meeting[k] for k in ("start", "duration", "subject"))
        self._show(meeting)
        self.editing = False
        self.notice = self._("Nothing changed.") if unchanged else self._("Your meeting was changed.")

    @rx.event
    def ask_delete(self, value: bool):
        if value:  # closing the dialog keeps what the delete said
            self._clear()
            self.delete_reason = ""
        self.confirm_delete = value

    @rx.event
    def set_delete_reason(self, value: str):
        self.delete_reason = value

    @rx.event
    def delete(self):
        self._clear()
        try:
            meeting = meeting_changes.cancel(self._token(), now=utcnow(), client=self._client(),
                                             reason=self.delete_reason)
        except ValidationError as exc:
            self.errors = self._errors(exc.errors)
            return
        except KiteError as exc:
            self.message, self.confirm_delete = self._(exc.message), False
            return
        self._show(meeting)
        self.confirm_delete, self.editing, self.notice = False, False, self._("Your meeting was deleted.")


def _details() -> rx.Component:
    m = ManageState.meeting
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(rx.cond(m["subject"] != "", m["subject"], t("Meeting with {name}", name=m["agent_name"])),
                           size="5", as_="h2"),
                rx.match(m["status"],
                         ("confirmed", rx.badge(t("Confirmed"), color_scheme="green")),
                         ("cancelled", rx.badge(t("Deleted"), color_scheme="gray")),
                         rx.badge(t("Pending"), color_scheme="amber")),
                align="center",
            ),
            rx.text(m["date_label"], size="4", weight="bold"),
            rx.text(m["time_label"], size="4"),
            rx.text(t("With {name} · Booked by {guest} ({email})", name=m["agent_name"], guest=m["guest_name"],
                      email=m["guest_email"])),
            join_link(m["meeting_url"], label=t("Join the meeting")),
            rx.cond(m["link_pending"], rx.text(t("The Google Meet link comes by mail as soon as it is ready."),
                                               size="2")),
            rx.cond(
                (m["status"] != "cancelled") & ~m["past"] & ~ManageState.editing,
                rx.hstack(
                    rx.button(t("Edit"), on_click=ManageState.edit),
                    rx.button(t("Delete"), color_scheme="red", variant="soft", on_click=ManageState.ask_delete(True)),
                ),
            ),
            rx.link(t("Book another meeting with {name}", name=m["agent_name"]), href=m["page"], size="2"),
            spacing="2",
        ),
        width="100%",
    )


def _edit_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Change your meeting"), size="4", as_="h2"),
            field(t("Subject"), "subject", form_id="manage", value=ManageState.subject,
                  on_change=ManageState.set_subject, error=ManageState.errors.get("subject", ""), max_length=200),
            rx.box(
                var_select_field(t("Duration"), "duration", ManageState.durations, form_id="manage",
                                 option_label=lambda d: t("{n} min", n=d), value=ManageState.duration,
                                 on_change=ManageState.set_duration),
                max_width="12rem",
                width="100%",
            ),
            slot_picker(state=ManageState, slot=ManageState.slot, on_slot=ManageState.choose_slot,
                        error=ManageState.errors.get("slot", "")),
            rx.hstack(
                rx.button(t("Save changes"), size="3", on_click=ManageState.save),
                rx.button(t("Cancel"), size="3", variant="soft", color_scheme="gray", on_click=ManageState.cancel_edit),
                spacing="2",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _delete_dialog() -> rx.Component:
    return delete_dialog(is_open=ManageState.confirm_delete, on_open_change=ManageState.ask_delete,
                         reason=ManageState.delete_reason, on_reason=ManageState.set_delete_reason,
                         on_delete=ManageState.delete, error=ManageState.errors.get("reason", ""),
                         told=ManageState.meeting["agent_name"])


@template(route=routes.MANAGE, title=N_("Your meeting"), on_load=ManageState.load)
def manage_page() -> rx.Component:
    return rx.cond(
        ManageState.ready,
        rx.cond(
            ManageState.not_found != "",
            rx.callout(ManageState.not_found, icon="circle_alert", color_scheme="orange", role="alert"),
            rx.vstack(
                rx.heading(t("Your meeting"), size="7", as_="h1"),
                form_alert(ManageState.message),
                form_notice(ManageState.notice),
                _details(),
                rx.cond(ManageState.editing, _edit_form()),
                _delete_dialog(),
                live(ManageState.tick),
                rx.fragment(on_mount=ManageState.detected(BROWSER_LANGUAGE)),
                language_switcher(ManageState.choose_language),
                rx.card(
                    rx.vstack(
                        rx.heading(t("Conversation with {name}", name=ManageState.meeting["agent_name"]), size="4",
                                   as_="h2"),
                        rx.vstack(rx.foreach(ManageState.conversation, message_bubble), width="100%", spacing="2",
                                  role="log", aria_label=t("Messages")),
                        message_box(ManageState.draft, ManageState.set_draft, ManageState.send,
                                    ManageState.draft_error),
                        spacing="3",
                        width="100%",
                    ),
                    width="100%",
                ),
                spacing="4",
                width="100%",
                lang=ManageState.language,
            ),
        ),
        loading(),
    )
