"""The meeting's video link as a "Join" button, on every page that shows a meeting."""

from __future__ import annotations

import reflex as rx


def join_link(url: rx.Var, *, size: str = "3", label: rx.Var | str = "Join the meeting") -> rx.Component:
    """Nothing when the meeting has no link; the address is shown beside the button so it can be copied."""
    return rx.cond(
        url != "",
        rx.flex(
            rx.link(rx.button(rx.icon("video", size=16), label, size=size, tab_index=-1), href=url, is_external=True),
            rx.text(url, size="1", color_scheme="gray", overflow_wrap="anywhere"),
            align="center", spacing="3", wrap="wrap",
        ),
    )
