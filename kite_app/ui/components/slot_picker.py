"""Choosing a day and a time: a month calendar of the booking window (days with free time marked,
previous/next month within the window, arrow keys move between days: assets/kite.js), and the chosen
day's free times beside it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

import reflex as rx

from kite_app import i18n
from kite_app.domain import times
from kite_app.services.availability import Slot
from kite_app.ui.i18n import t


class Cell(TypedDict):
    date: str  # YYYY-MM-DD in the reader's zone; "" for a blank before the 1st or after the last day
    number: str  # "1"
    label: str  # "Tuesday, December 1, 2026", with ", free times" when free
    free: bool
    today: bool


class WeekdayName(TypedDict):
    short: str
    full: str


def month_grid(first: date, free: set[str], today: date, locale: str, free_suffix: str = ", free times"
               ) -> list[list[Cell]]:
    """The weeks of the month starting on `first`, from the locale's first weekday, blanks around it; a free
    day's label ends with `free_suffix` (in the page's language)."""
    lead = (first.weekday() - times.first_weekday(locale)) % 7
    cells = [Cell(date="", number="", label="", free=False, today=False)] * lead
    d = first
    while d.month == first.month:
        iso = d.isoformat()
        cells.append(Cell(date=iso, number=str(d.day), today=d == today, free=iso in free,
                          label=times.day(d, locale) + (free_suffix if iso in free else "")))
        d += timedelta(days=1)
    cells += [Cell(date="", number="", label="", free=False, today=False)] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


def _day_button(cell: rx.Var, day: rx.Var, on_day) -> rx.Component:
    chosen = cell["date"] == day
    return rx.el.td(
        rx.cond(
            cell["date"] != "",
            rx.el.button(
                rx.el.span(cell["number"]),
                type="button",
                disabled=~cell["free"],
                aria_label=cell["label"],
                aria_pressed=rx.cond(chosen, "true", "false"),
                aria_current=rx.cond(cell["today"], "date", None),
                tab_index=rx.cond(chosen, 0, -1),
                data_date=cell["date"],
                class_name=rx.cond(chosen, "kite-day kite-day-chosen",
                                   rx.cond(cell["free"], "kite-day kite-day-free", "kite-day")),
                on_click=on_day(cell["date"]),
            ),
        ),
        role="gridcell",
    )


def month_calendar(*, state, day: rx.Var, on_day) -> rx.Component:
    """`state` has the SlotChoice vars; `on_day(date)` chooses a day."""
    return rx.el.div(
        rx.hstack(
            rx.el.h3(state.month_label, id="kite-month", class_name="kite-month-label", aria_live="polite"),
            rx.spacer(),
            rx.icon_button(rx.icon("chevron-left", size=18), variant="ghost", size="2", aria_label=t("Previous month"),
                           disabled=~state.can_previous, on_click=state.show_month(-1), type="button",
                           data_month="previous"),
            rx.icon_button(rx.icon("chevron-right", size=18), variant="ghost", size="2", aria_label=t("Next month"),
                           disabled=~state.can_next, on_click=state.show_month(1), type="button",
                           data_month="next"),
            align="center",
            width="100%",
        ),
        rx.el.table(
            rx.el.thead(rx.el.tr(rx.foreach(state.weekday_names, lambda w: rx.el.th(
                rx.el.abbr(w["short"], title=w["full"]), scope="col", role="columnheader")))),
            rx.el.tbody(rx.foreach(state.weeks, lambda week: rx.el.tr(
                rx.foreach(week, lambda cell: _day_button(cell, day, on_day))))),
            role="grid",
            aria_labelledby="kite-month",
            class_name="kite-calendar",
            data_kite_grid="days",
        ),
        class_name="kite-calendar-box",
    )


def time_list(*, state, slots: rx.Var, slot: rx.Var, on_slot, error: rx.Var) -> rx.Component:
    return rx.el.div(
        rx.el.h3(rx.cond(state.day_label != "", state.day_label, t("Time")), class_name="kite-times-label",
                 id="time-label"),
        rx.cond(
            slots.length() > 0,
            rx.el.div(
                rx.foreach(
                    slots,
                    lambda s: rx.button(
                        s["label"],
                        variant=rx.cond(s["start"] == slot, "solid", "outline"),
                        aria_pressed=rx.cond(s["start"] == slot, "true", "false"),
                        on_click=on_slot(s["start"]),
                        type="button",
                        size="3",
                        width="100%",
                    ),
                ),
                role="group",
                aria_label=t("Time"),
                class_name="kite-times",
            ),
            rx.text(rx.cond(state.day != "", t("No free times on this day. Choose another day."),
                            t("No free times in this month.")), color_scheme="gray", size="2"),
        ),
        rx.cond(error != "", rx.text(error, color_scheme="red", size="2", role="alert")),
        class_name="kite-times-box",
    )


def slot_picker(*, state, slot: rx.Var, on_slot, error: rx.Var) -> rx.Component:
    """The month calendar and the chosen day's times, side by side (stacked on small screens). `state`
    mixes in SlotChoice; `on_slot(start)` is the page's handler for a chosen time."""
    return rx.grid(
        month_calendar(state=state, day=state.day, on_day=state.set_day),
        time_list(state=state, slots=state.slots, slot=slot, on_slot=on_slot, error=error),
        columns=rx.breakpoints(initial="1", sm="minmax(0, 1.5fr) minmax(0, 1fr)"),
        spacing="5",
        width="100%",
    )


class SlotChoice(rx.State, mixin=True):
    """Vars and handlers behind `slot_picker`, shared by the booking, manage and reschedule views."""

    day: str = ""
    day_label: str = ""
    slots: list[Slot] = []
    slot: str = ""
    weeks: list[list[Cell]] = []
    weekday_names: list[WeekdayName] = []
    month_label: str = ""
    can_previous: bool = False
    can_next: bool = False
    locale: str = ""
    _month: str = ""  # first day of the month shown, YYYY-MM-DD
    _today: str = ""
    _months: list[str] = []
    _all_slots: list[Slot] = []

    def _apply_slots(self, all_slots: list[Slot], zone: str, now: datetime, window: int) -> None:
        """Show `all_slots` (in `zone`) over the booking window; keep the chosen day if it is still free,
        else the first free day."""
        self._all_slots = all_slots
        today = now.astimezone(ZoneInfo(zone)).date()
        last = today + timedelta(days=window)
        self._months = sorted({date(d.year, d.month, 1).isoformat()
                               for d in (today + timedelta(days=i) for i in range(window + 1))})
        free_days = sorted({s["date"] for s in all_slots if s["date"] <= last.isoformat()})
        if self.day not in free_days:
            self.day = free_days[0] if free_days else ""
        self._today = today.isoformat()
        self._month = (self.day or today.isoformat())[:8] + "01"
        self._draw_month()
        self._show_day()

    def _draw_month(self) -> None:
        first = date.fromisoformat(self._month)
        free = {s["date"] for s in self._all_slots}
        self.weeks = month_grid(first, free, date.fromisoformat(self._today), self.locale,
                                i18n.gettext(getattr(self, "language", i18n.DEFAULT), ", free times"))
        self.weekday_names = [WeekdayName(short=a, full=b) for a, b in times.weekday_names(self.locale)]
        self.month_label = times.month(first, self.locale)
        self.can_previous = bool(self._months) and self._month > self._months[0]
        self.can_next = bool(self._months) and self._month < self._months[-1]

    def _show_day(self) -> None:
        self.slots = [s for s in self._all_slots if s["date"] == self.day]
        self.day_label = times.day(date.fromisoformat(self.day), self.locale) if self.day else ""
        if self.slot not in {s["start"] for s in self.slots}:
            self.slot = ""

    @rx.event
    def set_day(self, value: str):
        if value in {s["date"] for s in self._all_slots}:
            self.day = value
            self._show_day()

    @rx.event
    def show_month(self, step: int):
        """The previous (-1) or next (1) month of the window; its first free day is chosen."""
        if self._month not in self._months:
            return
        i = self._months.index(self._month) + int(step)
        if 0 <= i < len(self._months):
            self._month = self._months[i]
            free = sorted(s["date"] for s in self._all_slots if s["date"].startswith(self._month[:8]))
            self.day = free[0] if free else ""
            self._draw_month()
            self._show_day()

    @rx.event
    def choose_slot(self, start: str):
        self.slot = start
