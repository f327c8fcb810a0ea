"""One-time links in the pages: an agent's on Profile, a team's on Teams (admins). **Create one-time link** with an
optional expiry date (the end of that day in the person's zone) and an optional duration of its own; the link is
shown once with **Copy** and **Done**; the list shows each link's state and **Revoke**."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

import reflex as rx

from kite_app.domain.accounts import Actor
from kite_app.domain.errors import KiteError, ValidationError
from kite_app.domain.slots import MAX_DURATION, MIN_DURATION
from kite_app.domain.text import msg
from kite_app.services import one_time_links
from kite_app.ui.components.copy_button import shown_once
from kite_app.ui.components.forms import field, form_alert, form_notice
from kite_app.ui.i18n import N_, t
from kite_app.ui.session import utcnow

STATUS = {"unused": N_("Not used yet"), "used": N_("Used"), "expired": N_("Expired"), "revoked": N_("Revoked")}


class LinkRow(TypedDict):
    id: int
    hint: str
    created: str
    expires: str
    duration: str
    status: str  # as the reader reads it
    live: bool  # not used, expired or revoked: it can be revoked


class OneTimeLinks(rx.State, mixin=True):
    """Vars and handlers behind `one_time_links_panel`; the page says whose links they are (`_link_owner`)."""

    link_rows: list[LinkRow] = []
    link_expires: str = ""
    link_duration: str = ""
    new_link: str = ""  # shown once, until "Done"
    link_errors: dict[str, str] = {}
    link_message: str = ""
    link_notice: str = ""

    def _link_owner(self) -> dict[str, int]:
        return {}  # the asking agent's own; a team's page says {"team_id": ...}

    def _show_links(self, actor: Actor) -> None:
        say, moment = self._, self._moment
        self.link_rows = [LinkRow(
            id=v["id"], hint=v["hint"] + "…", created=moment(actor, v["created_at"]),
            expires=moment(actor, v["expires_at"]) or say("Never"),
            duration=say("{n} min").format(n=v["duration"]) if v["duration"] else say("As on the page"),
            status=say(STATUS[v["status"]]), live=v["status"] == "unused")
            for v in one_time_links.links(actor, now=utcnow(), **self._link_owner())]

    def _open_links(self, actor: Actor) -> None:
        self.new_link, self.link_errors, self.link_message, self.link_notice = "", {}, "", ""
        self._show_links(actor)

    @rx.event
    def set_link_expires(self, value: str):
        self.link_expires = value[:10]

    @rx.event
    def set_link_duration(self, value: str):
        self.link_duration = value[:4]

    def _expiry(self, actor: Actor) -> datetime | None:
        """The end of the chosen day in the person's zone (None for no expiry)."""
        if not self.link_expires:
            return None
        try:
            day = date.fromisoformat(self.link_expires)
        except ValueError:
            raise ValidationError({"expires_at": msg("Choose a date.")}) from None
        return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(actor.time_zone or "UTC"))

    @rx.event
    def create_link(self):
        if self.new_link:
            return  # a second click while the first link is shown
        say = self._
        self.link_errors, self.link_message, self.link_notice = {}, "", ""
        actor = self._actor()
        if actor is None:
            self.link_message = say("Log in to continue.")
            return
        duration = None
        if self.link_duration.strip():
            if not self.link_duration.strip().isdigit():
                self.link_errors = {"duration": say("Give a duration from {low} to {high} minutes.").format(
                    low=MIN_DURATION, high=MAX_DURATION)}
                return
            duration = int(self.link_duration)
        try:
            _view, token = one_time_links.create(actor, now=utcnow(), expires_at=self._expiry(actor),
                                                 duration=duration, **self._link_owner())
        except ValidationError as exc:
            self.link_errors = {k: say(v) for k, v in exc.errors.items()}
            return
        except KiteError as exc:
            self.link_message = say(exc.message)
            return
        self.new_link, self.link_expires, self.link_duration = one_time_links.url(token), "", ""
        self._show_links(actor)

    @rx.event
    def link_done(self):
        self.new_link = ""

    @rx.event
    def revoke_link(self, link_id: int):
        say = self._
        actor = self._actor()
        try:
            one_time_links.revoke(actor, int(link_id), now=utcnow())
        except KiteError as exc:
            self.link_message = say(exc.message)
            return
        self.link_notice = say("Link revoked: it books nothing any more.")
        if actor is not None:
            self._show_links(actor)


def _row(state, row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(row["hint"])),
        rx.table.cell(row["created"]),
        rx.table.cell(row["expires"]),
        rx.table.cell(row["duration"]),
        rx.table.cell(row["status"]),
        rx.table.cell(rx.cond(row["live"], rx.button(
            t("Revoke"), size="1", variant="soft", color_scheme="red", type="button",
            aria_label=t("Revoke link {name}", name=row["hint"]), on_click=state.revoke_link(row["id"])))),
    )


def one_time_links_panel(state, prefix: str, intro: rx.Var | str) -> rx.Component:
    e = state.link_errors
    return rx.vstack(
        rx.text(intro, color_scheme="gray", size="2"),
        form_alert(state.link_message),
        form_notice(state.link_notice),
        shown_once(t("This link books one meeting. Copy it now: it is not shown again."), state.new_link,
                   label=t("Your new one-time link"), copy_label=t("Copy the one-time link"), on_done=state.link_done),
        rx.hstack(
            rx.box(field(t("Expires on (optional)"), "expires", type="date", form_id=prefix, value=state.link_expires,
                         on_change=state.set_link_expires, error=e.get("expires_at", "")), width="12rem"),
            rx.box(field(t("Duration in minutes (optional)"), "duration", type="number", form_id=prefix,
                         value=state.link_duration, on_change=state.set_link_duration, error=e.get("duration", ""),
                         min=MIN_DURATION, max=MAX_DURATION, placeholder=t("As on the page")), width="14rem"),
            rx.button(t("Create one-time link"), type="button", on_click=state.create_link),
            align="end", wrap="wrap", spacing="3",
        ),
        rx.cond(
            state.link_rows.length() > 0,
            rx.table.root(
                rx.el.caption(t("One-time links"), class_name="kite-sr-only"),
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                    t("Link"), t("Created"), t("Expires"), t("Duration"), t("Status"), t("Actions"))])),
                rx.table.body(rx.foreach(state.link_rows, lambda row: _row(state, row))),
                width="100%", variant="surface",
            ),
        ),
        spacing="3", width="100%",
    )
