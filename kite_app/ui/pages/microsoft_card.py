"""Admin "Integrations" → "Microsoft 365" → "Install": step 1 the app registration (Tenant ID, Client ID, Client
secret), step 2 the administrator, the primary domain and the scheduling mailbox; then "Test connection" and
"Uninstall". Each refusal is said next to the field to fix (above the wizard when no field is to blame)."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from kite_app.domain.accounts import Actor
from kite_app.domain.errors import KiteError, ValidationError
from kite_app.domain.text import msg
from kite_app.services import microsoft_install as service
from kite_app.services.install import InstallFailed
from kite_app.ui.components.forms import field, form_alert, form_notice
from kite_app.ui.i18n import t
from kite_app.ui.session import ADMINS_ONLY, Page, SessionState, T, utcnow

GUIDE = (  # said in the page's language
    msg("In the Microsoft Entra admin center, go to App registrations → New registration; name it “Kite Scheduler”, "
        "accounts in this organizational directory only (single tenant), no redirect URI."),
    msg("API permissions → Add a permission → Microsoft Graph → Application permissions: Calendars.ReadWrite, "
        "User.Read.All and MailboxSettings.Read; then “Grant admin consent”."),
    msg("Certificates & secrets → New client secret; copy its Value (shown once), not its Secret ID."),
    msg("Recommended: restrict the app to the agents' and the scheduling mailbox with Exchange's application access "
        "policy (New-ApplicationAccessPolicy -AccessRight RestrictAccess) or RBAC for Applications."),
    msg("Copy the Directory (tenant) ID and the Application (client) ID from the app's Overview page."),
)
STEP_FIELDS = {1: ("tenant_id", "client_id", "client_secret"),
               2: ("admin_email", "primary_domain", "scheduling_mailbox")}


def _uninstall(actor: Actor | None) -> service.MicrosoftStatus:
    service.uninstall(actor)
    return service.status(actor)


class MicrosoftState(Page, SessionState):
    active: bool = False
    secret_missing: bool = False
    status: dict[str, str] = {}
    step: int = 0
    tenant_id: str = ""
    client_id: str = ""
    client_secret: str = ""  # held only while the wizard is open
    admin_email: str = ""
    primary_domain: str = ""
    scheduling_mailbox: str = ""

    def _show(self, st: service.MicrosoftStatus) -> None:
        self.active, self.secret_missing = st["active"], not st["secret_key_set"]
        self.status = {k: self._(v) if k == "problem" and v else str(v) for k, v in st.items()}

    def _try(self, action: Callable[[Actor | None], T]) -> T | None:
        """One service call; a refusal goes next to its field on this step, else above the wizard."""
        self.errors, self.message, self.notice = {}, "", ""
        try:
            return action(self._actor())
        except KiteError as exc:
            if isinstance(exc, ValidationError):
                errors = self._errors(exc.errors)
            elif isinstance(exc, InstallFailed) and exc.field:
                errors = {exc.field: self._(exc.message)}
            else:
                errors = {"": self._(exc.message)}
            self.errors = {f: m for f, m in errors.items() if f in STEP_FIELDS.get(self.step, ())}
            hidden = [m for f, m in errors.items() if f not in self.errors]
            if hidden and self.step == 2 and any(f in STEP_FIELDS[1] for f in errors):
                hidden.append(self._("Go Back to correct step 1."))
            self.message = " ".join(hidden)
            return None

    @rx.event
    def load(self):
        self.step = 0
        return self._open(lambda actor: self._show(service.status(actor)), refusal=ADMINS_ONLY)

    @rx.event
    def start(self):
        self.step, self.errors, self.message, self.notice = 1, {}, "", ""

    @rx.event
    def set_field(self, name: str, value: str):
        if name in STEP_FIELDS[1] + STEP_FIELDS[2]:
            setattr(self, name, value)
            self.errors = {f: m for f, m in self.errors.items() if f != name}

    @rx.event
    def next_step(self):
        if self.step != 1:  # a second click after the first moved the wizard on
            return

        def check(actor: Actor | None) -> bool:
            service.describe_registration(actor, tenant_id=self.tenant_id, client_id=self.client_id,
                                          client_secret=self.client_secret)
            return True

        if self._try(check):
            self.step = 2

    @rx.event
    def back(self):
        self.step, self.errors, self.message = 1, {}, ""

    @rx.event
    def do_install(self):
        if self.step != 2:  # a second click after the first installed
            return
        st = self._try(lambda actor: service.install(
            actor, tenant_id=self.tenant_id, client_id=self.client_id, client_secret=self.client_secret,
            admin_email=self.admin_email, primary_domain=self.primary_domain,
            scheduling_mailbox=self.scheduling_mailbox, now=utcnow()))
        if st is None:
            return
        self._show(st)
        self.step, self.client_secret = 0, ""
        self.notice = self._("Microsoft 365 is activated. Agents can now pick their Outlook calendars.")

    @rx.event
    def test_connection(self):
        if (st := self._try(lambda actor: service.test_connection(actor, now=utcnow()))) is not None:
            self._show(st)
            self.notice = self._("The connection to Microsoft 365 works.")

    @rx.event
    def uninstall(self):
        if (st := self._try(_uninstall)) is not None:
            self._show(st)
            self.notice = self._("Microsoft 365 was uninstalled; its client secret is deleted.")


def _input(label: rx.Var, name: str, **props) -> rx.Component:
    return field(label, name, form_id="ms", value=getattr(MicrosoftState, name),
                 on_change=lambda value: MicrosoftState.set_field(name, value),
                 error=MicrosoftState.errors.get(name, ""), **props)


def _step_one() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Step 1 of 2: App registration"), size="4", as_="h3"),
        rx.cond(MicrosoftState.secret_missing,
                rx.callout(t(service.NO_SECRET), icon="key-round", color_scheme="amber", role="alert")),
        rx.el.ol(*[rx.el.li(t(step)) for step in GUIDE], class_name="kite-guide"),
        rx.grid(
            _input(t("Tenant ID"), "tenant_id", placeholder="00000000-0000-0000-0000-000000000000"),
            _input(t("Client ID"), "client_id", placeholder="00000000-0000-0000-0000-000000000000"),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
        ),
        _input(t("Client secret"), "client_secret", type="password", auto_complete="off"),
        rx.button(t("Next"), on_click=MicrosoftState.next_step),
        spacing="3",
        width="100%",
    )


def _step_two() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Step 2 of 2: Administrator, primary domain and scheduling mailbox"), size="4", as_="h3"),
        rx.text(t("The scheduling mailbox organises every meeting: create a shared or resource mailbox, like "
                  "meetings@company.com. Agents receive each booking from it as a meeting request and answer Accept "
                  "or Decline in Outlook or Teams."), size="2"),
        rx.grid(
            _input(t("Administrator email"), "admin_email", type="email"),
            _input(t("Primary domain"), "primary_domain", placeholder="example.com"),
            _input(t("Scheduling mailbox"), "scheduling_mailbox", type="email", placeholder="meetings@example.com"),
            columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%",
        ),
        rx.hstack(
            rx.button(t("Back"), variant="soft", color_scheme="gray", on_click=MicrosoftState.back),
            rx.button(t("Install"), on_click=MicrosoftState.do_install),
        ),
        spacing="3",
        width="100%",
    )


def microsoft_card() -> rx.Component:
    st = MicrosoftState.status
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("calendar-range", size=22),
                rx.heading(t("Microsoft 365"), size="5", as_="h2"),
                rx.cond(MicrosoftState.active, rx.badge(t("Activated"), color_scheme="green"),
                        rx.badge(t("Not installed"), color_scheme="gray")),
                align="center",
            ),
            rx.text(t("Connect every agent's Outlook calendar through one app registration in Microsoft Entra ID; "
                      "meetings arrive as invitations from a scheduling mailbox."), size="2", color_scheme="gray"),
            form_alert(MicrosoftState.message),
            form_notice(MicrosoftState.notice),
            rx.cond(
                MicrosoftState.active,
                rx.vstack(
                    rx.cond(st["problem"] != "",
                            rx.callout(st["problem"], icon="triangle-alert", color_scheme="red", role="alert",
                                       id="microsoft-problem")),
                    rx.text(t("Tenant: {tenant} · Client ID: {client_id}", tenant=st["tenant_id"],
                              client_id=st["client_id"]), size="2"),
                    rx.text(t("Scheduling mailbox: {email}", email=st["scheduling_mailbox"]), size="2"),
                    rx.text(t("Administrator: {email} · Domain: {domain} · Last checked: {checked}",
                              email=st["admin_email"], domain=st["primary_domain"], checked=st["checked_at"]),
                            size="2"),
                    rx.hstack(
                        rx.button(t("Test connection"), variant="soft", on_click=MicrosoftState.test_connection,
                                  aria_label=t("Test the Microsoft 365 connection")),
                        rx.button(t("Uninstall"), variant="soft", color_scheme="red",
                                  on_click=MicrosoftState.uninstall, aria_label=t("Uninstall Microsoft 365")),
                    ),
                    spacing="2",
                ),
                rx.cond(MicrosoftState.step == 0, rx.button(t("Install"), on_click=MicrosoftState.start,
                                                            aria_label=t("Install Microsoft 365"))),
            ),
            rx.cond(MicrosoftState.step == 1, _step_one()),
            rx.cond(MicrosoftState.step == 2, _step_two()),
            spacing="3",
            width="100%",
        ),
        width="100%",
        role="region",
        aria_label=t("Microsoft 365"),
        on_mount=MicrosoftState.load,
    )
