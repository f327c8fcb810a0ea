"""Page texts in the reader's language: `t("Schedule a meeting")` is that text in the language the page
speaks (BrowserState.language), looked up in the browser; `t("{name} team", name=var)` fills in a value.
Marked texts are extracted by `python -m kite_app.i18n` (kite_app/i18n.py)."""

from __future__ import annotations

import reflex as rx

from kite_app import i18n
from kite_app.ui.browser import BrowserState


def N_(text: str) -> str:
    """Marks a text for extraction where it must stay a plain string (a page's title); `t` says it."""
    return text


def t(text: str, **values: rx.Var | str) -> rx.Var:
    if text not in i18n.msgids():
        raise KeyError(f"{text!r} is not in kite_app/translations/messages.pot: run python -m kite_app.i18n")
    out: rx.Var = BrowserState.texts[text].to(str)
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


def language_switcher(on_change) -> rx.Component:
    """The page's language, changeable (`on_change(code)`), named in each language itself."""
    return rx.el.div(
        rx.el.label(rx.icon("languages", size=14), t("Language"), html_for="page-language",
                    class_name="kite-label kite-inline-label"),
        rx.el.select(*[rx.el.option(name, value=code, lang=code) for code, name in i18n.LANGUAGES.items()],
                     id="page-language", value=BrowserState.language, on_change=on_change,
                     class_name="kite-select", style={"width": "auto"}),
        class_name="kite-language",
    )
