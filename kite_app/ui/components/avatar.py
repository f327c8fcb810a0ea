"""A person's photo, or their initials where they have none (the name is written beside it, so the
initials are hidden from assistive technology and the photo is named after the person)."""

from __future__ import annotations

import reflex as rx


def avatar(photo: rx.Var, initials: rx.Var, name: rx.Var | str) -> rx.Component:
    return rx.cond(
        photo != "",
        rx.el.img(src=photo, alt=name, class_name="kite-avatar", width="80", height="80"),
        rx.el.div(initials, class_name="kite-avatar kite-avatar-initials", aria_hidden="true"),
    )
