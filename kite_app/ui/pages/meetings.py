"""Agent "Meetings": upcoming meetings, pending first, with the agent's actions."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.domain.errors import KiteError
from kite_app.services import meetings
from kite_app.services.meetings import AgentMeeting
from kite_app.ui.components.meeting_actions import MeetingActions, actions_feedback, meeting_card
from kite_app.ui.layout import guarded, live, template
from kite_app.ui.session import SessionState, utcnow


class MeetingsState(MeetingActions, SessionState):
    ready: bool = False
    denied: str = ""
    items: list[AgentMeeting] = []
    _version: int = -1

    def _reload(self) -> None:
        actor = self._actor()
        self._version = meetings.version(actor)  # read first: a change in between shows at the next tick
        self.items = meetings.upcoming(actor, now=utcnow())

    @rx.event
    def load(self):
        self.ready, self.denied = False, ""
        if self._actor() is None:
            return self._to_login()
        try:
            self._reload()
        except KiteError as exc:
            self.denied = exc.message
            return
        self.ready = True

    def _after_action(self) -> None:
        """After an action on a meeting card: show the meetings as they are now."""
        try:
            self._reload()
        except KiteError:
            pass

    @rx.event
    def tick(self, _now: str = ""):
        """Polled while the page is open: new bookings and the guests' changes appear without reloading."""
        try:
            if meetings.version(self._actor()) != self._version:
                self._reload()
        except KiteError:
            pass


@template(route=routes.MEETINGS, title="Meetings", on_load=MeetingsState.load)
def meetings_page() -> rx.Component:
    return guarded(
        MeetingsState.denied,
        MeetingsState.ready,
        rx.vstack(
            rx.heading("Meetings", size="7", as_="h1"),
            rx.text("Upcoming meetings, pending first. Times in your time zone.", color_scheme="gray"),
            actions_feedback(MeetingsState),
            live(MeetingsState.tick),
            rx.cond(MeetingsState.items.length() > 0,
                    rx.vstack(rx.foreach(MeetingsState.items, lambda m: meeting_card(m, MeetingsState)),
                              width="100%", spacing="2"),
                    rx.text("No upcoming meetings.", color_scheme="gray")),
            spacing="4",
            width="100%",
        ),
    )
