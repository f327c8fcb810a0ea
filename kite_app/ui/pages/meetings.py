"""Agent "Meetings": upcoming meetings (pending first), only the pending ones, or past ones; searched by
guest; with the agent's actions on meetings still to come."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.services import meetings
from kite_app.services.meetings import AgentMeeting
from kite_app.ui.components.meeting_actions import MeetingActions, actions_feedback, meeting_card
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import guarded, live, template
from kite_app.ui.session import Page, SessionState, utcnow

SHOW = ("upcoming", "pending", "past")


class MeetingsState(MeetingActions, Page, SessionState):
    items: list[AgentMeeting] = []
    show: str = "upcoming"
    search: str = ""

    def _reload(self, actor) -> None:
        self._version = meetings.version(actor)  # read first: a change in between shows at the next tick
        self.items = meetings.upcoming(actor, now=utcnow(), show=self.show, search=self.search)

    @rx.event
    def set_show(self, show: str):
        if show in SHOW:
            self.show = show
            self._after_action()

    @rx.event
    def set_search(self, text: str):
        self.search = text[:100]
        self._after_action()

    @rx.var
    def empty_text(self) -> str:
        found = self.search.strip()
        if self.show == "pending":
            return self._("No pending meetings with a guest matching “{text}”.").format(text=found) if found else \
                self._("No meetings wait for your Yes.")
        if self.show == "past":
            return self._("No past meetings with a guest matching “{text}”.").format(text=found) if found else \
                self._("No past meetings.")
        return self._("No upcoming meetings with a guest matching “{text}”.").format(text=found) if found else \
            self._("No upcoming meetings.")

    def _version_of(self, actor) -> int:
        return meetings.version(actor)

    @rx.event
    def load(self):
        self.items = []
        return self._open(self._reload)


@template(route=routes.MEETINGS, title=N_("Meetings"), on_load=MeetingsState.load)
def meetings_page() -> rx.Component:
    return guarded(
        MeetingsState.denied,
        MeetingsState.ready,
        rx.vstack(
            rx.heading(t("Meetings"), size="7", as_="h1"),
            rx.text(t("Upcoming: pending first, then by time. Times in your time zone."), color_scheme="gray"),
            rx.flex(
                rx.flex(
                    *[rx.button(label, variant=rx.cond(MeetingsState.show == key, "solid", "soft"), size="2",
                                aria_pressed=rx.cond(MeetingsState.show == key, "true", "false"),
                                on_click=MeetingsState.set_show(key), type="button")
                      for key, label in (("upcoming", t("Upcoming")), ("pending", t("Pending")),
                                         ("past", t("Past")))],
                    spacing="2", role="group", aria_label=t("Show"),
                ),
                rx.input(rx.input.slot(rx.icon("search", size=16)), placeholder=t("Guest name or email"),
                         aria_label=t("Search by guest"), type="search", value=MeetingsState.search,
                         on_change=MeetingsState.set_search.debounce(250), width="16rem", max_width="100%"),
                justify="between", align="center", wrap="wrap", spacing="3", width="100%",
            ),
            actions_feedback(MeetingsState),
            live(MeetingsState.tick),
            rx.cond(MeetingsState.items.length() > 0,
                    rx.vstack(rx.foreach(MeetingsState.items, lambda m: meeting_card(m, MeetingsState)),
                              width="100%", spacing="2"),
                    rx.text(MeetingsState.empty_text, color_scheme="gray")),
            spacing="4",
            width="100%",
        ),
    )
