"""Choosing a day and a time: day buttons for the booking window, then that day's free times."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

import reflex as rx

from kite_app.domain import times
from kite_app.services.availability import Slot


class Day(TypedDict):
    date: str  # YYYY-MM-DD in the guest's zone
    weekday: str  # "Tue"
    day: str  # "1 Dec"
    label: str  # "Tuesday 1 December 2026"
    free: bool


def window_days(slots: list[Slot], zone: str, now: datetime, days: int) -> list[Day]:
    """Every day from today to the end of the booking window, in the guest's zone, marked free or not."""
    today = now.astimezone(ZoneInfo(zone)).date()
    free = {s["date"] for s in slots}
    out = []
    for i in range(days + 1):
        d: date = today + timedelta(days=i)
        out.append(Day(date=d.isoformat(), weekday=f"{d:%a}", day=f"{d.day} {d:%b}",
                       label=times.day(d), free=d.isoformat() in free))
    return out


def slot_picker(*, days: rx.Var, day: rx.Var, slots: rx.Var, slot: rx.Var, on_day, on_slot,
                error: rx.Var) -> rx.Component:
    """`on_day(date)` and `on_slot(start)` are event handlers of the page's state."""
    return rx.vstack(
        rx.el.div(
            rx.text("Day", weight="medium", size="2", id="day-label"),
            rx.flex(
                rx.foreach(
                    days,
                    lambda d: rx.button(
                        rx.vstack(rx.text(d["weekday"], size="1"), rx.text(d["day"], size="2", weight="bold"),
                                  spacing="0", align="center"),
                        variant=rx.cond(d["date"] == day, "solid", "outline"),
                        disabled=~d["free"],
                        aria_label=d["label"],
                        aria_pressed=rx.cond(d["date"] == day, "true", "false"),
                        on_click=on_day(d["date"]),
                        type="button",
                        height="auto",
                        padding_y="0.4em",
                        min_width="4.2em",
                    ),
                ),
                wrap="wrap",
                gap="0.4em",
                role="group",
                aria_labelledby="day-label",
            ),
        ),
        rx.el.div(
            rx.text("Time", weight="medium", size="2", id="time-label"),
            rx.cond(
                slots.length() > 0,
                rx.flex(
                    rx.foreach(
                        slots,
                        lambda s: rx.button(
                            s["label"],
                            variant=rx.cond(s["start"] == slot, "solid", "soft"),
                            aria_pressed=rx.cond(s["start"] == slot, "true", "false"),
                            on_click=on_slot(s["start"]),
                            type="button",
                            min_width="5.5em",
                        ),
                    ),
                    wrap="wrap",
                    gap="0.4em",
                    role="group",
                    aria_labelledby="time-label",
                ),
                rx.text("No free times on this day. Choose another day.", color_scheme="gray", size="2"),
            ),
            rx.cond(error != "", rx.text(error, color_scheme="red", size="2", role="alert")),
        ),
        spacing="3",
        width="100%",
    )


class SlotChoice(rx.State, mixin=True):
    """Vars and handlers behind `slot_picker`, shared by the booking and the manage pages."""

    days: list[Day] = []
    day: str = ""
    slots: list[Slot] = []
    slot: str = ""
    _all_slots: list[Slot] = []

    def _apply_slots(self, all_slots: list[Slot], zone: str, now: datetime, window: int) -> None:
        self._all_slots = all_slots
        self.days = window_days(all_slots, zone, now, window)
        free_days = [d["date"] for d in self.days if d["free"]]
        if self.day not in free_days:
            self.day = free_days[0] if free_days else ""
        self._show_day()

    def _show_day(self) -> None:
        self.slots = [s for s in self._all_slots if s["date"] == self.day]
        if self.slot not in {s["start"] for s in self.slots}:
            self.slot = ""

    @rx.event
    def set_day(self, value: str):
        self.day = value
        self._show_day()

    @rx.event
    def choose_slot(self, start: str):
        self.slot = start
