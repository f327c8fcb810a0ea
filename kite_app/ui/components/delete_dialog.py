"""Deleting a meeting asks first, with room for an optional reason that the other side reads in the
conversation and the mail. Shared by the guest's pages and the agent's meeting cards."""

from __future__ import annotations

import reflex as rx

from kite_app.services.meeting_changes import MAX_REASON
from kite_app.ui.i18n import t


def delete_dialog(*, is_open: rx.Var, on_open_change, reason: rx.Var, on_reason, on_delete, error: rx.Var,
                  told: rx.Var | str) -> rx.Component:
    """`told`: who hears of it (the agent's name; "the guest" on the agent's pages)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Delete this meeting?")),
            rx.alert_dialog.description(t("The time will be offered to others again, and {name} will be told.",
                                          name=told)),
            rx.el.div(
                rx.el.label(t("Reason (optional)"), html_for="delete-reason", class_name="kite-label"),
                rx.text_area(id="delete-reason", value=reason, on_change=on_reason, max_length=MAX_REASON,
                             placeholder=t("Let them know why"), rows="3", aria_describedby="delete-reason-error"),
                rx.text(error, id="delete-reason-error", color_scheme="red", size="2", class_name="kite-field-error"),
                class_name="kite-field",
                style={"marginTop": "1em"},
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Keep it"), variant="soft", color_scheme="gray")),
                rx.button(t("Yes, delete"), color_scheme="red", on_click=on_delete),
                justify="end",
                padding_top="1em",
            ),
        ),
        open=is_open,
        on_open_change=on_open_change,
    )
