"""Links to what is not a page of the app (a file the REST API serves, a feed): the browser loads them itself.
The client-side router would otherwise take the click, look for a page at that address and show "Page not found"
in place of the page the person was on."""

from __future__ import annotations

import reflex as rx


def file_link(*children: rx.Component | rx.Var | str, href: rx.Var | str, **props) -> rx.Component:
    """A link the browser follows (or downloads, with `download`) without leaving the page through the router."""
    return rx.link(*children, href=href, reload_document=True, **props)
