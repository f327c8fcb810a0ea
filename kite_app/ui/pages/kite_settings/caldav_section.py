"""Kite settings → "Calendar Settings" → CalDAV accounts: "Connect a CalDAV account" (server address, username,
app password), "Reconnect" when the server refused the stored password, "Disconnect". The password goes from the
form to the service once and is never held in the page's state."""

from __future__ import annotations

import reflex as rx

from kite_app.domain.text import msg
from kite_app.services import caldav_accounts
from kite_app.services.caldav_accounts import AccountView
from kite_app.ui.components.forms import field, form_alert, form_notice
from kite_app.ui.i18n import t
from kite_app.ui.pages.kite_settings.calendar_tab import CalendarSettingsState
from kite_app.ui.session import Page, SessionState, utcnow

FORM_FIELDS = ("url", "username", "password")


class CalDAVState(Page, SessionState):
    accounts: list[AccountView] = []
    form_open: bool = False
    reconnect_id: int = 0  # the account being reconnected; 0 for a new one
    url: str = ""
    username: str = ""
    confirm_id: int = 0  # the account whose Disconnect waits for a yes

    @rx.event
    def load(self):
        return self._open(lambda actor: self._fill(caldav_accounts.accounts(actor)))

    def _fill(self, accounts: list[AccountView]) -> None:
        self.accounts = accounts

    @rx.event
    def open_form(self):
        self.form_open, self.reconnect_id, self.url, self.username = True, 0, "", ""
        self.errors, self.message, self.notice = {}, "", ""
        return rx.set_focus("caldav-url")

    @rx.event
    def open_reconnect(self, account_id: int):
        account = next((a for a in self.accounts if a["id"] == account_id), None)
        if account is None:
            return None
        self.form_open, self.reconnect_id = True, account_id
        self.url, self.username = account["url"], account["username"]
        self.errors, self.message, self.notice = {}, "", ""
        return rx.set_focus("caldav-password")

    @rx.event
    def close_form(self):
        self.form_open, self.reconnect_id, self.errors, self.message = False, 0, {}, ""

    @rx.event
    def set_url(self, value: str):
        self.url = value
        self._recheck_field("url", None if value.strip() else "")

    @rx.event
    def set_username(self, value: str):
        self.username = value
        self._recheck_field("username", None if value.strip() else "")

    @rx.event
    def typed_password(self, value: str):
        self._recheck_field("password", None if value else "")

    @rx.event
    def connect(self, form_data: dict):
        if not self.form_open:  # the second click of a double click: the first one connected already
            return None
        form = caldav_accounts.ConnectForm(url=self.url, username=self.username,
                                           password=str(form_data.get("password") or ""))
        reconnecting = self.reconnect_id or None
        done = self._attempt(lambda actor: caldav_accounts.connect(actor, form, now=utcnow(),
                                                                   account_id=reconnecting))
        if done is None:
            if self.errors.get("secret_key"):
                self.message = self.errors["secret_key"]
            first = next((key for key in FORM_FIELDS if key in self.errors), None)
            return rx.set_focus(f"caldav-{first}") if first else None
        self.notice = self._(msg("Connected to {server}. Tick its calendars above and save.", server=done["server"])
                             if not reconnecting else msg("Reconnected to {server}.", server=done["server"]))
        self.form_open, self.reconnect_id = False, 0
        self._fill(caldav_accounts.accounts(self._actor()))
        return CalendarSettingsState.refresh_calendars

    @rx.event
    def ask_disconnect(self, account_id: int):
        self.confirm_id = account_id

    @rx.event
    def keep(self):
        self.confirm_id = 0

    @rx.event
    def dialog_changed(self, is_open: bool):
        if not is_open:  # Escape, or a click beside the dialog
            self.confirm_id = 0

    @rx.event
    def disconnect(self):
        account_id, self.confirm_id = self.confirm_id, 0
        warning = self._attempt(lambda actor: caldav_accounts.disconnect(actor, account_id, now=utcnow()),
                                msg("Disconnected. Its calendars no longer block your availability."))
        if warning is None and self.message:
            return None
        if warning:
            self.notice = self.notice + " " + self._(warning)
        self._fill(caldav_accounts.accounts(self._actor()))
        return CalendarSettingsState.refresh_calendars


APP_PASSWORDS = msg("Use an app password where your provider has them: Fastmail: Settings → Privacy & Security → "
                    "App passwords; iCloud: account.apple.com → Sign-In and Security → App-Specific Passwords (server "
                    "caldav.icloud.com); Nextcloud: Settings → Security → Devices & sessions.")


def _account_row(account: rx.Var) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(account["server"], weight="medium"),
            rx.text(account["username"], size="2", color_scheme="gray"),
            spacing="0",
            flex="1",
            min_width="12rem",
        ),
        rx.cond(account["needs_reconnect"],
                rx.badge(t("The server refused the password"), color_scheme="red")),
        rx.button(t("Reconnect"), variant=rx.cond(account["needs_reconnect"], "solid", "soft"), type="button",
                  aria_label=t("Reconnect {server}", server=account["server"]),
                  on_click=CalDAVState.open_reconnect(account["id"])),
        rx.button(t("Disconnect"), variant="soft", color_scheme="red", type="button",
                  aria_label=t("Disconnect {server}", server=account["server"]),
                  on_click=CalDAVState.ask_disconnect(account["id"])),
        spacing="3",
        align="center",
        wrap="wrap",
        width="100%",
        class_name="kite-caldav-account",
    )


def _connect_form() -> rx.Component:
    e = CalDAVState.errors
    return rx.form(
        rx.vstack(
            rx.heading(rx.cond(CalDAVState.reconnect_id != 0, t("Reconnect a CalDAV account"),
                               t("Connect a CalDAV account")), size="3", as_="h3"),
            field(t("Server address"), "url", form_id="caldav", value=CalDAVState.url,
                  on_change=CalDAVState.set_url, error=e.get("url", ""), placeholder="https://cloud.example.com",
                  auto_complete="url", read_only=CalDAVState.reconnect_id != 0),
            field(t("Username"), "username", form_id="caldav", value=CalDAVState.username,
                  on_change=CalDAVState.set_username, error=e.get("username", ""), auto_complete="username",
                  read_only=CalDAVState.reconnect_id != 0),
            field(t("Password"), "password", type="password", form_id="caldav", error=e.get("password", ""),
                  auto_complete="new-password", on_change=CalDAVState.typed_password),
            rx.text(t(APP_PASSWORDS), size="1", color_scheme="gray", id="caldav-password-help"),
            form_alert(CalDAVState.message),
            rx.hstack(
                rx.button(rx.cond(CalDAVState.reconnect_id != 0, t("Reconnect"), t("Connect")), type="submit"),
                rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button",
                          on_click=CalDAVState.close_form),
                spacing="3",
            ),
            spacing="3",
            width="100%",
            max_width="32rem",
        ),
        on_submit=CalDAVState.connect,
        reset_on_submit=True,
        width="100%",
    )


def _disconnect_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Disconnect this CalDAV account?")),
            rx.alert_dialog.description(t("Its calendars leave your settings and no longer block your availability. "
                                          "Events already written stay in its calendars.")),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(t("Keep it"), variant="soft", color_scheme="gray",
                                                 on_click=CalDAVState.keep)),
                rx.alert_dialog.action(rx.button(t("Disconnect"), color_scheme="red",
                                                 on_click=CalDAVState.disconnect)),
                spacing="3", justify="end", margin_top="1em",
            ),
        ),
        open=CalDAVState.confirm_id != 0,
        on_open_change=CalDAVState.dialog_changed,
    )


def caldav_section() -> rx.Component:
    return rx.vstack(
        rx.heading(t("CalDAV accounts"), size="3", as_="h3"),
        rx.text(t("Nextcloud, Fastmail, iCloud, mailbox.org or any CalDAV server: their calendars can block your "
                  "availability and hold your meetings."), size="2", color_scheme="gray"),
        rx.foreach(CalDAVState.accounts, _account_row),
        form_notice(CalDAVState.notice),
        rx.cond(
            CalDAVState.form_open,
            _connect_form(),
            rx.button(rx.icon("plus", size=14), t("Connect a CalDAV account"), variant="soft", type="button",
                      on_click=CalDAVState.open_form),
        ),
        _disconnect_dialog(),
        spacing="3",
        width="100%",
    )
