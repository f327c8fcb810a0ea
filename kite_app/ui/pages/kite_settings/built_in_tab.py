"""Kite settings → "Built-in calendar": busy blocks by hand, .ics import, the meetings feed, and the
upcoming busy time (a meeting's event is shown read-only: it changes with the meeting)."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.services import built_in_calendar, calendar_settings
from kite_app.services.built_in_calendar import BlockView, CalendarView
from kite_app.ui.components.copy_button import copy_button
from kite_app.ui.components.forms import field, field_error, file_upload, form_alert, form_notice
from kite_app.ui.i18n import t
from kite_app.ui.pages.kite_settings.calendar_tab import CalendarSettingsState
from kite_app.ui.session import Page, SessionState, utcnow


class BuiltInCalendarState(Page, SessionState):
    calendars: list[CalendarView] = []
    blocks: list[BlockView] = []
    import_error: str = ""
    feed_notice: str = ""

    def _refresh(self, actor) -> None:
        self.calendars = built_in_calendar.built_in_calendars(actor)
        self.blocks = built_in_calendar.list_blocks(actor, now=utcnow())

    def _changed(self, notice: str):
        """After a change: the lists here, and the calendars offered under Calendar Settings."""
        self.notice = notice
        self._refresh(self._actor())
        return CalendarSettingsState.load

    @rx.event
    def load(self):
        self.import_error, self.calendars, self.blocks, self.feed_notice = "", [], [], ""
        return self._open(self._refresh)

    @rx.event
    async def new_feed_address(self):
        view = self._attempt(lambda actor: calendar_settings.new_feed_address(actor, now=utcnow()))
        if view is not None:
            (await self.get_state(CalendarSettingsState)).feed_url = view["feed_url"]
            self.feed_notice = self._("This is your new feed address. The old one no longer works.")

    @rx.event
    def add_block(self, form: dict):
        block = self._attempt(lambda actor: built_in_calendar.add_block(
            actor, calendar_id=form.get("calendar", ""), title=form.get("title", ""), start=form.get("start", ""),
            end=form.get("end", "")))
        if block is not None:
            return self._changed(self._("Busy block “{title}” added: {start} to {end}.").format(
                title=block["title"], start=block["start"], end=block["end"]))
        return None

    @rx.event
    def remove_block(self, block_id: int):
        if self._do(lambda actor: built_in_calendar.remove_block(actor, int(block_id))):
            return self._changed(self._("Busy block removed."))
        return None

    @rx.event
    def remove_calendar(self, calendar_id: str):
        if self._do(lambda actor: built_in_calendar.remove_calendar(actor, calendar_id)):
            return self._changed(self._("Calendar removed."))
        return None

    @rx.event
    def ics_rejected(self, _files: list[dict]):
        """The browser refused the file before sending it (not an .ics file)."""
        self.import_error = self._("Choose an iCalendar (.ics) file.")

    @rx.event
    async def import_ics(self, files: list[rx.UploadFile]):
        self.import_error = ""
        if not files:
            return None
        upload = files[0]
        data = await upload.read(built_in_calendar.MAX_ICS_BYTES + 1)
        imported = self._attempt(lambda actor: built_in_calendar.import_ics(
            actor, filename=upload.name or "calendar.ics", data=data, now=utcnow()))
        if imported is None:  # shown beside the import button
            self.import_error = self.message or next(iter(self.errors.values()), "")
            self.message, self.errors = "", {}
            return None
        name, count = imported
        return self._changed(self._("Imported “{name}”: {count} busy events. Select it under Calendar Settings "
                                    "to block time.").format(name=name, count=count))


def _block_row(block: rx.Var[BlockView]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(block["title"], overflow_wrap="anywhere", min_width="8rem"),
        rx.table.cell(block["start"]),
        rx.table.cell(block["end"]),
        rx.table.cell(block["calendar"]),
        rx.table.cell(rx.cond(
            block["meeting_status"] != "",
            rx.hstack(  # a meeting's event: read-only here, changed or deleted with the meeting
                rx.match(block["meeting_status"], ("confirmed", rx.badge(t("Confirmed meeting"), color_scheme="green")),
                         ("cancelled", rx.badge(t("Deleted meeting"), color_scheme="gray")),
                         rx.badge(t("Pending meeting"), color_scheme="amber")),
                rx.link(t("Open in Meetings"), href=routes.MEETINGS, size="1",
                        aria_label=t("Open meeting {title} {start} in Meetings", title=block["title"],
                                     start=block["start"])),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.button(t("Remove"), size="1", variant="soft", color_scheme="red",
                      aria_label=t("Remove {title} {start}", title=block["title"], start=block["start"]),
                      on_click=BuiltInCalendarState.remove_block(block["id"])),
        )),
    )


def built_in_tab() -> rx.Component:
    e = BuiltInCalendarState.errors
    return rx.vstack(
        form_alert(BuiltInCalendarState.message),
        form_notice(BuiltInCalendarState.notice),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading(t("Add a busy block"), size="4", as_="h2"),
                    rx.grid(
                        rx.el.div(
                            rx.el.label(t("Calendar"), html_for="block-calendar", class_name="kite-label"),
                            rx.el.select(
                                rx.foreach(BuiltInCalendarState.calendars,
                                           lambda c: rx.el.option(c["name"], value=c["id"])),
                                id="block-calendar", name="calendar", class_name="kite-select",
                            ),
                            field_error(e.get("calendar", ""), "block-calendar-error"),
                            class_name="kite-field",
                        ),
                        field(t("Title"), "title", form_id="block", placeholder=t("Busy"), error=e.get("title", "")),
                        field(t("Start"), "start", type="datetime-local", form_id="block", error=e.get("start", "")),
                        field(t("End"), "end", type="datetime-local", form_id="block", error=e.get("end", "")),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.button(t("Add busy block"), type="submit"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=BuiltInCalendarState.add_block,
                no_validate=True,
                width="100%",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading(t("Import an .ics file"), size="4", as_="h2"),
                rx.text(t("Busy events from another calendar (recurring events included) become a calendar of their "
                        "own. Importing the same file again replaces it."), size="2", color_scheme="gray"),
                file_upload(
                    t("Import .ics file"),
                    rx.button(rx.icon("upload", size=14), t("Import .ics file"), type="button", variant="soft"),
                    id="ics-upload",
                    accept={"text/calendar": [".ics"]},
                    max_files=1,
                    multiple=False,
                    no_drag=True,
                    on_drop=BuiltInCalendarState.import_ics(rx.upload_files(upload_id="ics-upload")),
                    on_drop_rejected=BuiltInCalendarState.ics_rejected,
                    border="none",
                    padding="0",
                ),
                field_error(BuiltInCalendarState.import_error, "ics-error"),
                rx.foreach(
                    BuiltInCalendarState.calendars,
                    lambda c: rx.cond(
                        c["imported"],
                        rx.hstack(
                            rx.text(c["name"]),
                            rx.button(t("Remove calendar"), size="1", variant="soft", color_scheme="red",
                                      aria_label=t("Remove calendar {name}", name=c["name"]),
                                      on_click=BuiltInCalendarState.remove_calendar(c["id"])),
                            align="center",
                        ),
                    ),
                ),
                spacing="3",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading(t("Meetings feed"), size="4", as_="h2"),
                rx.cond(
                    CalendarSettingsState.feed_url != "",
                    rx.vstack(
                        rx.text(t("Subscribe to this address in any calendar app to see your meetings there. "
                                "Keep it private: anyone with it sees your meetings. If it got out, make a new one; "
                                "the old one stops working."), size="2", color_scheme="gray"),
                        form_notice(BuiltInCalendarState.feed_notice),
                        rx.hstack(
                            rx.code(CalendarSettingsState.feed_url, id="feed-url"),
                            copy_button(t("Copy feed address"), CalendarSettingsState.feed_url, icon_size=14, size="1"),
                            rx.button(rx.icon("refresh-cw", size=14), t("New feed address"), variant="soft", size="1",
                                      color_scheme="orange", on_click=BuiltInCalendarState.new_feed_address),
                            align="center",
                            wrap="wrap",
                        ),
                    ),
                    rx.text(t("Save your calendar settings to get a feed address."), size="2"),
                ),
                spacing="2",
            ),
            width="100%",
        ),
        rx.heading(t("Upcoming busy time"), size="4", as_="h2"),
        rx.cond(
            BuiltInCalendarState.blocks.length() > 0,
            rx.table.root(
                rx.el.caption(t("Upcoming busy time"), class_name="kite-sr-only"),
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h)
                                                for h in (t("Title"), t("Start"), t("End"), t("Calendar"), "")])),
                rx.table.body(rx.foreach(BuiltInCalendarState.blocks, _block_row)),
                width="100%",
                variant="surface",
            ),
            rx.text(t("No busy time ahead."), color_scheme="gray"),
        ),
        spacing="4",
        width="100%",
    )
