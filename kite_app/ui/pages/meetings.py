"""Agent "Meetings": upcoming meetings, pending first, with the agent's actions."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.services import meetings
from kite_app.services.meetings import AgentMeeting
from kite_app.ui.components.meeting_actions import MeetingActions, actions_feedback, meeting_card
from kite_app.ui.layout import guarded, live, template
from kite_app.ui.session import Page, SessionState, utcnow


class MeetingsState(MeetingActions, Page, SessionState):
    items: list[AgentMeeting] = []

    def _reload(self, actor) -> None:
        self._version = meetings.version(actor)  # read first: a change in between shows at the next tick
        self.items = meetings.upcoming(actor, now=utcnow())

    def _version_of(self, actor) -> int:
        return meetings.version(actor)

    @rx.event
    def load(self):
        self.items = []
        return self._open(self._reload)


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
