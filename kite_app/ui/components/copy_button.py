"""A "Copy" button: the value goes to the clipboard and a toast says so, both in the page (no script is
sent from the server, which the Content-Security-Policy would refuse to run)."""

from __future__ import annotations

import reflex as rx

from kite_app.ui.i18n import t


def copy_button(text: rx.Var | str, value: rx.Var, *, done: rx.Var | str | None = None, icon_size: int = 16,
                **props) -> rx.Component:
    return rx.button(rx.icon("copy", size=icon_size), text, variant="soft",
                     on_click=[rx.set_clipboard(value), rx.toast.success(t("Copied.") if done is None else done)],
                     **props)


def shown_once(message: rx.Var, value: rx.Var, *, label: rx.Var, copy_label: rx.Var, on_done) -> rx.Component:
    """A secret shown once (a new API key, a webhook secret): `message`, the value in a read-only field named
    `label`, "Copy" and "Done" (which hides it for good)."""
    return rx.cond(
        value != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key")),
            rx.vstack(
                rx.text(message),
                rx.hstack(
                    rx.input(value=value, read_only=True, aria_label=label, width="32rem", max_width="100%",
                             font_family="monospace"),
                    copy_button(t("Copy"), value, aria_label=copy_label, high_contrast=True),
                    rx.button(t("Done"), type="button", on_click=on_done),
                    wrap="wrap",
                ),
                width="100%",
            ),
            color_scheme="amber", role="status", width="100%",
        ),
    )
