"""Agent "Inbox": conversations with guests, newest activity first, updated live."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.domain.errors import KiteError, ValidationError
from kite_app.services import conversations
from kite_app.services.conversations import ConversationSummary, MeetingCard, MessageView
from kite_app.ui.components.meeting_actions import MeetingActions, actions_feedback, meeting_card
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import guarded, live, template
from kite_app.ui.session import Page, SessionState, utcnow


class InboxState(MeetingActions, Page, SessionState):
    items: list[ConversationSummary] = []
    selected: int = 0
    title: str = ""
    messages: list[MessageView] = []
    meetings: list[MeetingCard] = []
    draft: str = ""
    error: str = ""  # under the message box

    def _reload(self, actor) -> None:
        if not self.selected:
            newest = conversations.inbox(actor)[:1]
            self.selected = newest[0]["id"] if newest else 0
        if self.selected:  # opened first, so that the list below counts it as read
            view = conversations.open_for_agent(actor, self.selected, now=utcnow())
            self.title, self.messages, self.meetings = view["title"], view["messages"], list(view["meetings"])
        self.items = conversations.inbox(actor)
        self._version = conversations.inbox_version(actor)

    @rx.event
    def load(self):
        self.error, self.items = "", []
        return self._open(self._reload)

    def _version_of(self, actor) -> int:
        return conversations.inbox_version(actor)

    @rx.event
    def select(self, conversation_id: int):
        self.selected, self.error = int(conversation_id), ""
        try:
            self._reload(self._actor())
        except KiteError as exc:
            self.error = self._(exc.message)

    @rx.event
    def set_draft(self, value: str):
        self.draft = value

    @rx.event
    def send(self):
        self.error = ""
        try:
            conversations.agent_writes(self._actor(), self.selected, self.draft, now=utcnow())
        except ValidationError as exc:
            self.error = self._(next(iter(exc.errors.values())))
            return
        except KiteError as exc:
            self.error = self._(exc.message)
            return
        self.draft = ""
        self._reload(self._actor())


def message_bubble(m: rx.Var[MessageView]) -> rx.Component:
    return rx.box(
        rx.cond(
            m["author"] == "system",
            rx.callout(m["text"], icon="calendar-clock", size="1", color_scheme="gray", width="100%"),
            rx.box(
                rx.text(m["who"], " · ", m["at"], size="1", color_scheme="gray"),
                rx.text(m["text"], white_space="pre-wrap", overflow_wrap="anywhere"),
                background=rx.cond(m["mine"], "var(--accent-3)", "var(--gray-3)"),
                padding="0.5em 0.8em",
                border_radius="var(--radius-3)",
                max_width="80%",
                margin_left=rx.cond(m["mine"], "auto", "0"),
            ),
        ),
        width="100%",
        class_name="kite-message",
    )


def message_box(value: rx.Var, on_change, on_send, error: rx.Var,
                ) -> rx.Component:
    return rx.vstack(
        rx.el.label(t("Message"), html_for="message-input", class_name="kite-label"),
        rx.text_area(id="message-input", value=value, on_change=on_change, rows="2", width="100%",
                     placeholder=t("Write a message")),
        rx.cond(error != "", rx.text(error, color_scheme="red", size="2", role="alert")),
        rx.button(t("Send"), on_click=on_send),
        width="100%",
        spacing="2",
    )


def _list_item(c: rx.Var[ConversationSummary]) -> rx.Component:
    return rx.button(
        rx.hstack(
            rx.vstack(rx.text(c["guest_name"], weight="bold", text_align="left", class_name="kite-ellipsis",
                              width="100%", title=c["guest_name"]),
                      rx.text(c["guest_email"], size="1", text_align="left", class_name="kite-ellipsis", width="100%",
                              title=c["guest_email"]),
                      rx.text(c["preview"], size="1", color_scheme="gray", text_align="left",
                              class_name="kite-ellipsis", width="100%"),
                      rx.text(c["last_activity"], size="1", text_align="left"),
                      spacing="0", align="start", min_width="0", flex="1"),
            rx.cond(c["unread"] > 0, rx.badge(t("{count} unread", count=c["unread"].to_string()), color_scheme="red")),
            width="100%",
            align="center",
        ),
        variant=rx.cond(c["id"] == InboxState.selected, "soft", "ghost"),
        on_click=InboxState.select(c["id"]),
        width="100%",
        height="auto",
        padding="0.6em",
        white_space="normal",  # a long name wraps inside the list, never into the message pane
        min_width="0",
        aria_label=t("Conversation with {name}", name=c["guest_name"]),
        aria_current=rx.cond(c["id"] == InboxState.selected, "true", "false"),
    )


@template(route=routes.INBOX, title=N_("Inbox"), on_load=InboxState.load)
def inbox_page() -> rx.Component:
    return guarded(
        InboxState.denied,
        InboxState.ready,
        rx.vstack(
            rx.heading(t("Inbox"), size="7", as_="h1"),
            live(InboxState.tick),
            actions_feedback(InboxState),
            rx.cond(
                InboxState.items.length() > 0,
                rx.grid(
                    rx.el.ul(rx.foreach(InboxState.items, lambda c: rx.el.li(_list_item(c))),
                             aria_label=t("Conversations"), class_name="kite-list"),
                    rx.vstack(
                        rx.heading(InboxState.title, size="4", as_="h2", overflow_wrap="anywhere"),
                        rx.foreach(InboxState.meetings, lambda m: meeting_card(m, InboxState)),
                        rx.vstack(rx.foreach(InboxState.messages, message_bubble), width="100%", spacing="2",
                                  role="log", aria_label=t("Messages")),
                        message_box(InboxState.draft, InboxState.set_draft, InboxState.send, InboxState.error),
                        spacing="3",
                        width="100%",
                        min_width="0",
                    ),
                    columns=rx.breakpoints(initial="minmax(0, 1fr)", md="260px minmax(0, 1fr)"),
                    spacing="4",
                    width="100%",
                ),
                rx.text(t("No conversations yet. They start when a guest books a meeting with you."),
                        color_scheme="gray"),
            ),
            spacing="4",
            width="100%",
        ),
    )
