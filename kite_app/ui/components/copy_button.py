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
