"""Form building blocks: a labelled field with its own error message, and a form-level alert."""

from __future__ import annotations

from collections.abc import Sequence

import reflex as rx
from reflex_components_core.el.elements.forms import Input

# The browser's own time zone, read in the page (an event argument: no script is sent from the server).
BROWSER_TIME_ZONE = rx.Var("Intl.DateTimeFormat().resolvedOptions().timeZone").to(str)
BROWSER_LANGUAGE = rx.Var("navigator.language").to(str)
# Whether the page is framed by another page (the widget on a company's site).
IN_ANOTHER_SITE = rx.Var("(window.self !== window.top)").to(bool)


def field(
    label: rx.Var | str,
    name: str,
    *,
    error: rx.Var | str = "",
    type: str = "text",
    form_id: str = "",
    **input_props,
) -> rx.Component:
    """A label, an input wired to it, and the field's error shown right below."""
    input_id = f"{form_id}-{name}" if form_id else name
    error_id = f"{input_id}-error"
    return rx.el.div(
        rx.el.label(label, html_for=input_id, class_name="kite-label"),
        rx.input(
            id=input_id,
            name=name,
            type=type,
            aria_describedby=error_id,
            aria_invalid=rx.cond(error != "", "true", "false") if isinstance(error, rx.Var) else "false",
            width="100%",
            **input_props,
        ),
        field_error(error, error_id),
        class_name="kite-field",
    )


def select_field(
    label: rx.Var | str, name: str, options: Sequence[str | tuple[str, rx.Var | str]], *, error: rx.Var | str = "",
    form_id: str = "", **select_props,
) -> rx.Component:
    """A native <select>: keyboard friendly, labelled, and submitted with the form. An option is its value,
    or (value, what the person reads)."""
    pairs = [o if isinstance(o, tuple) else (o, o) for o in options]
    return _select(label, name, [rx.el.option(text, value=value) for value, text in pairs], form_id=form_id,
                   error=error, **select_props)


def var_select_field(
    label: rx.Var | str, name: str, options: rx.Var, *, form_id: str = "", error: rx.Var | str = "",
    option_label=lambda option: option, option_value=lambda option: option, **select_props,
) -> rx.Component:
    """Like `select_field`, for options held in state (a list Var)."""
    choices = [rx.foreach(options, lambda option: rx.el.option(option_label(option), value=option_value(option)))]
    return _select(label, name, choices, form_id=form_id, error=error, **select_props)


def _select(label: rx.Var | str, name: str, choices: list, *, form_id: str, error: rx.Var | str, **select_props
            ) -> rx.Component:
    input_id = f"{form_id}-{name}" if form_id else name
    error_id = f"{input_id}-error"
    return rx.el.div(
        rx.el.label(label, html_for=input_id, class_name="kite-label"),
        rx.el.select(*choices, id=input_id, name=name, aria_describedby=error_id, class_name="kite-select",
                     **select_props),
        field_error(error, error_id),
        class_name="kite-field",
    )


def field_error(error: rx.Var | str, error_id: str) -> rx.Component:
    return rx.text(error, id=error_id, color_scheme="red", size="2", class_name="kite-field-error")


def form_alert(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%"),
    )


def form_notice(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="check", color_scheme="green", role="status", width="100%"),
    )


def file_upload(label: rx.Var | str, *children: rx.Component, **upload_props) -> rx.Component:
    """`rx.upload` whose file input is named `label` for assistive technology (the dropzone's own input has
    no label otherwise)."""
    zone = rx.upload(*children, **upload_props)
    todo = [zone]
    while todo:
        component = todo.pop()
        if isinstance(component, Input):
            component.custom_attrs["aria-label"] = label
        todo.extend(getattr(component, "children", []))
    return zone
