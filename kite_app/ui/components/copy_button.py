"""A "Copy" button: the value goes to the clipboard and a toast says so, both in the page (no script is
sent from the server, which the Content-Security-Policy would refuse to run)."""

from __future__ import annotations

import reflex as rx


def copy_button(text: str, value: rx.Var, *, done: str = "Copied.", icon_size: int = 16, **props) -> rx.Component:
    return rx.button(rx.icon("copy", size=icon_size), text, variant="soft",
                     on_click=[rx.set_clipboard(value), rx.toast.success(done)], **props)
