"""An agent's meeting card with "Confirm", "Change duration", "Reschedule", "Delete" and, for a round-robin
team meeting, "Reassign", shared by the Inbox and the Meetings page: `MeetingActions` is mixed into their
states, and each reloads what it shows after an action."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import reflex as rx

from kite_app.domain.errors import KiteError, ValidationError
from kite_app.domain.text import msg
from kite_app.services import meetings, teams
from kite_app.ui.components.delete_dialog import delete_dialog
from kite_app.ui.components.forms import form_alert, form_notice
from kite_app.ui.components.join_link import join_link
from kite_app.ui.components.slot_picker import SlotChoice, slot_picker
from kite_app.ui.i18n import t
from kite_app.ui.session import utcnow


class MeetingActions(SlotChoice, mixin=True):
    """The agent's actions on meeting cards, mixed into the states of the pages that show them (Inbox,
    Meetings) beside Page and SessionState. Each page says what it shows (`_reload`) and what tells
    it that something changed (`_version_of`); it is kept current while open (`tick`)."""

    reschedule_id: int = 0
    reschedule_open: bool = False
    reschedule_error: str = ""
    duration_id: int = 0  # the meeting whose duration is being changed (0: none)
    duration_value: str = ""
    duration_options: list[str] = []  # the meeting's bookable durations and its own
    delete_id: int = 0  # the meeting whose deletion is being confirmed (0: none)
    delete_reason: str = ""
    delete_error: str = ""
    _version: int = -1

    def _reload(self, actor) -> None:
        raise NotImplementedError

    def _version_of(self, actor) -> int:
        raise NotImplementedError

    def _after_action(self) -> None:
        """Show the meetings as they are now (after an action that worked or not)."""
        try:
            self._reload(self._actor())  # SessionState
        except KiteError:
            pass

    @rx.event
    def tick(self, _now: str = ""):
        """Polled while the page is open: reload only when something changed."""
        try:
            actor = self._actor()
            if self._version_of(actor) != self._version:
                self._reload(actor)
        except KiteError:
            pass

    def _run(self, action, notice: str) -> None:
        self._attempt(action, notice)  # Page
        self._after_action()

    @rx.event
    def confirm(self, meeting_id: int):
        self._run(lambda a: meetings.confirm(a, int(meeting_id), now=utcnow()), msg("Meeting confirmed."))

    @rx.event
    def ask_duration(self, meeting_id: int, minutes: int):
        self.message, self.notice = "", ""
        try:
            options = meetings.duration_options(self._actor(), int(meeting_id))  # SessionState
        except KiteError as exc:
            self.message = self._(exc.message)
            return
        self.duration_options = [str(m) for m in options]
        self.duration_id, self.duration_value = int(meeting_id), str(minutes)

    @rx.event
    def duration_dialog(self, is_open: bool):
        if not is_open:
            self.duration_id = 0

    @rx.event
    def set_duration_value(self, minutes: str):
        if minutes in self.duration_options:
            self.duration_value = minutes

    @rx.event
    def change_duration(self):
        meeting_id, minutes = self.duration_id, self.duration_value
        self.duration_id = 0
        if meeting_id and minutes.isdigit():
            self._run(lambda a: meetings.change_duration(a, meeting_id, int(minutes), now=utcnow()),
                      msg("Duration changed to {minutes} minutes.", minutes=minutes))

    @rx.event
    def reassign(self, meeting_id: int, agent_id: str):
        """A round-robin team meeting goes to another member of the team."""
        if not agent_id.isdigit():
            return
        self.message, self.notice = "", ""
        try:
            teams.reassign(self._actor(), int(meeting_id), int(agent_id), now=utcnow())
            self.notice = self._("Meeting reassigned. The guest and both hosts were told.")
        except ValidationError as exc:  # e.g. that member is not free then: said above the cards
            self.message = self._(next(iter(exc.errors.values())))
        except KiteError as exc:
            self.message = self._(exc.message)
        self._after_action()

    @rx.event
    def ask_delete(self, meeting_id: int):
        self.delete_id, self.delete_reason, self.delete_error = int(meeting_id), "", ""

    @rx.event
    def delete_dialog(self, is_open: bool):
        if not is_open:
            self.delete_id = 0

    @rx.event
    def set_delete_reason(self, value: str):
        self.delete_reason = value

    @rx.event
    def delete(self):
        meeting_id, self.delete_error = self.delete_id, ""
        try:
            meetings.delete(self._actor(), meeting_id, now=utcnow(), reason=self.delete_reason)
        except ValidationError as exc:
            if "reason" in exc.errors:  # said in the dialog, which stays open
                self.delete_error = self._errors(exc.errors)["reason"]
                return
            self.message = self._(next(iter(exc.errors.values())))
        except KiteError as exc:
            self.message = self._(exc.message)
        else:
            self.message, self.notice = "", self._("Meeting deleted.")
        self.delete_id = 0
        self._after_action()

    @rx.event
    def open_reschedule(self, meeting_id: int, start: str):
        """The dialog opens on the meeting's own day, its own time chosen."""
        self.reschedule_id, self.reschedule_error = int(meeting_id), ""
        zone = self.user_time_zone or "UTC"
        self.day = datetime.fromisoformat(start).astimezone(ZoneInfo(zone)).date().isoformat() if start else ""
        try:
            now = utcnow()
            actor = self._actor()
            slots = meetings.reschedule_slots(actor, self.reschedule_id, now=now, locale=self.locale)
            self._apply_slots(slots, zone, now, 31)
            self.slot = start if start in {s["start"] for s in self.slots} else ""
        except KiteError as exc:
            self.message = self._(exc.message)
            return
        self.reschedule_open = True

    @rx.event
    def set_reschedule_open(self, value: bool):
        self.reschedule_open = value

    @rx.event
    def reschedule(self):
        if not self.slot:
            self.reschedule_error = self._("Choose a time.")
            return
        try:
            meetings.reschedule(self._actor(), self.reschedule_id,
                                datetime.fromisoformat(self.slot), now=utcnow())
        except KiteError as exc:
            self.reschedule_error = self._(exc.message)
            return
        self.reschedule_open, self.errors, self.message = False, {}, ""
        self.notice = self._("Meeting rescheduled.")
        self._after_action()


def meeting_card(m: rx.Var, state: type[MeetingActions]) -> rx.Component:
    """`m` is a MeetingCard (kite_app.services.conversations); `state` the page state with the actions."""
    label = m["when"]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.match(m["status"], ("confirmed", rx.badge(t("Confirmed"), color_scheme="green")),
                         rx.badge(t("Pending"), color_scheme="amber")),
                rx.cond(m["team"] != "",
                        rx.badge(t("Team {name}", name=m["team"]), color_scheme="indigo", variant="soft")),
                rx.text(m["when"], weight="bold"),
                wrap="wrap",
                align="center",
            ),
            rx.cond(m["guest_name"] != "", rx.text(m["guest_name"], " · ", m["guest_email"], size="2",
                                                   overflow_wrap="anywhere")),
            rx.cond(m["subject"] != "", rx.text(m["subject"], size="2", color_scheme="gray", overflow_wrap="anywhere")),
            rx.cond(m["waiting_for"] != "", rx.text(t("Waiting for {names}", names=m["waiting_for"]), size="2")),
            rx.cond(m["details"].length() > 0, rx.el.dl(rx.foreach(m["details"], lambda d: rx.el.div(
                rx.el.dt(d["label"]), rx.el.dd(d["value"]), class_name="kite-detail")), class_name="kite-details")),
            rx.cond(~m["past"], join_link(m["meeting_url"], size="1", label=t("Join"))),
            rx.cond(
                ~m["past"],
                rx.hstack(
                    rx.cond(m["can_confirm"],
                            rx.button(t("Confirm"), size="1", aria_label=t("Confirm {meeting}", meeting=label),
                                      on_click=state.confirm(m["id"]))),
                    rx.button(t("Change duration"), size="1", variant="soft",
                              aria_label=t("Change duration of {meeting}", meeting=label),
                              on_click=state.ask_duration(m["id"], m["duration"])),
                    rx.button(t("Reschedule"), size="1", variant="soft",
                              aria_label=t("Reschedule {meeting}", meeting=label),
                              on_click=state.open_reschedule(m["id"], m["start"])),
                    rx.button(t("Delete"), size="1", variant="soft", color_scheme="red",
                              aria_label=t("Delete {meeting}", meeting=label),
                              on_click=state.ask_delete(m["id"])),
                    reassign_select(m, lambda v: state.reassign(m["id"], v), t("Reassign")),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
            ),
            spacing="2",
        ),
        width="100%",
    )


def reassign_select(m: rx.Var, on_change, label: rx.Var | str) -> rx.Component:
    """"Reassign to…" another member, for a round-robin team meeting (`m` has "id" and "reassign_to")."""
    return rx.cond(
        m["reassign_to"].length() > 0,
        rx.el.select(
            rx.el.option(t("Reassign to…"), value=""),
            rx.foreach(m["reassign_to"], lambda p: rx.el.option(p["name"], value=p["id"])),
            value="", aria_label=label, on_change=on_change, class_name="kite-select",
            style={"width": "10rem", "height": "var(--space-5)"},
        ),
    )


def actions_feedback(state: type[MeetingActions]) -> rx.Component:
    return rx.fragment(
        form_alert(state.message), form_notice(state.notice), reschedule_dialog(state), duration_dialog(state),
        delete_dialog(is_open=state.delete_id != 0, on_open_change=state.delete_dialog, reason=state.delete_reason,
                      on_reason=state.set_delete_reason, on_delete=state.delete, error=state.delete_error,
                      told=t("the guest")),
    )


def duration_dialog(state: type[MeetingActions]) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Change duration")),
            rx.dialog.description(t("The meeting keeps its start; the guest is told at once."), size="2"),
            rx.el.div(
                rx.el.label(t("Duration"), html_for="duration-choice", class_name="kite-label"),
                rx.el.select(rx.foreach(state.duration_options, lambda d: rx.el.option(t("{n} min", n=d), value=d)),
                             id="duration-choice", value=state.duration_value, on_change=state.set_duration_value,
                             class_name="kite-select"),
                class_name="kite-field",
                style={"maxWidth": "12rem", "marginTop": "1em"},
            ),
            rx.hstack(
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.button(t("Save duration"), on_click=state.change_duration),
                justify="end",
                padding_top="1em",
            ),
            max_width="26rem",
        ),
        open=state.duration_id != 0,
        on_open_change=state.duration_dialog,
    )


def reschedule_dialog(state: type[MeetingActions]) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Reschedule")),
            rx.dialog.description(t("Times in your time zone. The guest is told at once."), size="2"),
            rx.box(slot_picker(state=state, slot=state.slot, on_slot=state.choose_slot, error=state.reschedule_error),
                   padding_top="1em"),
            rx.hstack(
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.button(t("Move meeting"), on_click=state.reschedule),
                justify="end",
                padding_top="1em",
            ),
            max_width="46rem",
        ),
        open=state.reschedule_open,
        on_open_change=state.set_reschedule_open,
    )
