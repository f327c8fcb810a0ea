"""Admin "Integrations": "Google Calendar" -> "Install", a two-step wizard; then "Test connection", "Uninstall"."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from kite_app import routes
from kite_app.domain.accounts import Actor
from kite_app.domain.errors import KiteError, ValidationError
from kite_app.domain.text import msg
from kite_app.services import install, webhooks
from kite_app.services.install import InstallFailed
from kite_app.ui.components.copy_button import copy_button
from kite_app.ui.components.forms import field, field_error, file_upload, form_alert, form_notice
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import guarded, template
from kite_app.ui.pages.meeting_links_card import meeting_links_card
from kite_app.ui.pages.microsoft_card import microsoft_card
from kite_app.ui.session import ADMINS_ONLY, Page, SessionState, T, utcnow

GUIDE = (  # said in the page's language (ui/i18n.py t)
    msg("Open admin.google.com as a super administrator."),
    msg("Go to Security → Access and data control → API controls → Manage domain-wide delegation."),
    msg("Click “Add new”, paste the client ID and the scopes above, and click “Authorize”."),
    msg("Come back here and continue with step 2."),
)


STEP_FIELDS = {1: ("key",), 2: ("admin_email", "primary_domain")}


def _uninstall(actor: Actor | None) -> install.IntegrationStatus:
    install.uninstall(actor)
    return install.status(actor)


class IntegrationsState(Page, SessionState):
    active: bool = False
    secret_missing: bool = False  # the server has no KITE_SECRET_KEY: said on step 1, before anything is typed
    status: dict[str, str] = {}
    step: int = 0
    key_text: str = ""
    client_id: str = ""
    client_email: str = ""
    scopes: str = ""
    admin_email: str = ""
    primary_domain: str = ""
    disabled_hooks: list[dict[str, str]] = []  # webhook endpoints Kite disabled: {"url", "reason"}

    def _show(self, st: install.IntegrationStatus) -> None:
        self.active, self.secret_missing = st["active"], not st["secret_key_set"]
        self.status = {k: str(v) for k, v in st.items()}

    def _fail(self, exc: KiteError) -> None:
        """Errors go next to their fields when the person sees them on this step, else above the wizard."""
        if isinstance(exc, ValidationError):
            errors = self._errors(exc.errors)
        elif isinstance(exc, InstallFailed):
            errors = {exc.field: self._(exc.message)}
        else:
            errors = {}
        self.errors = {f: m for f, m in errors.items() if f in STEP_FIELDS.get(self.step, ())}
        hidden = [m for f, m in errors.items() if f not in self.errors]
        if hidden and self.step == 2 and any(f in STEP_FIELDS[1] for f in errors):
            hidden.append(self._("Go Back to replace the key."))
        if hidden:
            self.message = " ".join(hidden)
        else:
            self.message = "" if isinstance(exc, ValidationError) else self._(exc.message)

    def _try(self, action: Callable[[Actor | None], T]) -> T | None:
        """One service call for the person asking; a failure is shown on the wizard's current step."""
        self.errors, self.message, self.notice = {}, "", ""
        try:
            return action(self._actor())
        except KiteError as exc:
            self._fail(exc)
            return None

    def _fill(self, actor: Actor) -> None:
        self._show(install.status(actor))
        self.disabled_hooks = [{"url": e["url"], "reason": e["disabled_reason"]} for e in webhooks.endpoints(actor)
                               if e["disabled_reason"]]

    @rx.event
    def load(self):
        self.step = 0
        return self._open(self._fill, refusal=ADMINS_ONLY)

    @rx.event
    def start(self):
        self.step, self.errors, self.message, self.notice = 1, {}, "", ""

    @rx.event
    def set_key_text(self, value: str):
        self.key_text = value

    @rx.event
    async def upload_key(self, files: list[rx.UploadFile]):
        if files:
            self.key_text = (await files[0].read(65536)).decode("utf-8", errors="replace")
            return IntegrationsState.next_step

    @rx.event
    def next_step(self):
        info = self._try(lambda actor: install.describe_key(actor, self.key_text))
        if info is None:
            return
        self.client_id, self.client_email = info["client_id"], info["client_email"]
        self.scopes = ",".join(info["scopes"])
        self.step = 2

    @rx.event
    def back(self):
        self.step, self.errors, self.message = 1, {}, ""

    @rx.event
    def set_admin_email(self, value: str):
        self.admin_email = value

    @rx.event
    def set_primary_domain(self, value: str):
        self.primary_domain = value

    @rx.event
    def do_install(self):
        st = self._try(lambda actor: install.install(actor, key_text=self.key_text, admin_email=self.admin_email,
                                                     primary_domain=self.primary_domain, now=utcnow()))
        if st is None:
            return
        self._show(st)
        self.step, self.key_text = 0, ""
        self.notice = self._("Google Calendar is activated. Agents can now pick their Workspace calendars.")

    @rx.event
    def test_connection(self):
        if (st := self._try(lambda actor: install.test_connection(actor, now=utcnow()))) is not None:
            self._show(st)
            self.notice = self._("The connection to Google works.")

    @rx.event
    def uninstall(self):
        if (st := self._try(_uninstall)) is not None:
            self._show(st)
            self.notice = self._("Google Calendar was uninstalled; its key is deleted.")


def _copy_row(label: rx.Var, copy_label: rx.Var, value: rx.Var, element_id: str) -> rx.Component:
    return rx.hstack(
        rx.text(label, weight="medium", width="7rem"),
        rx.code(value, id=element_id, size="2", white_space="pre-wrap", word_break="break-all"),
        copy_button(t("Copy"), value, icon_size=14, size="1", aria_label=copy_label),
        align="center",
        width="100%",
    )


def _step_one() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Step 1 of 2: Domain-wide delegation"), size="4", as_="h2"),
        rx.cond(IntegrationsState.secret_missing,
                rx.callout(t(install.NO_SECRET), icon="key-round", color_scheme="amber",
                           role="alert", id="no-secret")),
        rx.text(t("Upload or paste the JSON key of the service account Kite will use."), size="2"),
        file_upload(
            t("Upload key file"),
            rx.button(rx.icon("upload", size=14), t("Upload key file"), type="button", variant="soft"),
            id="key-upload", accept={"application/json": [".json"]}, max_files=1, no_drag=True,
            on_drop=IntegrationsState.upload_key(rx.upload_files(upload_id="key-upload")), border="none",
            padding="0",
        ),
        rx.el.label(t("Service-account key (JSON)"), html_for="key-text", class_name="kite-label"),
        rx.text_area(id="key-text", value=IntegrationsState.key_text, on_change=IntegrationsState.set_key_text,
                     rows="6", width="100%", aria_describedby="key-text-error", font_family="monospace"),
        field_error(IntegrationsState.errors.get("key", ""), "key-text-error"),
        rx.button(t("Next"), on_click=IntegrationsState.next_step),
        spacing="3",
        width="100%",
    )


def _step_two() -> rx.Component:
    e = IntegrationsState.errors
    return rx.vstack(
        rx.heading(t("Authorise Kite in the Google Admin Console"), size="4", as_="h2"),
        _copy_row(t("Client ID"), t("Copy client ID"), IntegrationsState.client_id, "client-id"),
        _copy_row(t("Scopes"), t("Copy scopes"), IntegrationsState.scopes, "scopes"),
        rx.el.ol(*[rx.el.li(t(step)) for step in GUIDE], class_name="kite-guide"),
        rx.heading(t("Step 2 of 2: Administrator email and primary domain"), size="4", as_="h2"),
        rx.grid(
            field(t("Administrator email"), "admin_email", type="email", form_id="gi",
                  value=IntegrationsState.admin_email, on_change=IntegrationsState.set_admin_email,
                  error=e.get("admin_email", "")),
            field(t("Primary domain"), "primary_domain", form_id="gi", value=IntegrationsState.primary_domain,
                  on_change=IntegrationsState.set_primary_domain, error=e.get("primary_domain", ""),
                  placeholder="example.com"),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.hstack(
            rx.button(t("Back"), variant="soft", color_scheme="gray", on_click=IntegrationsState.back),
            rx.button(t("Install"), on_click=IntegrationsState.do_install),
        ),
        spacing="3",
        width="100%",
    )


def _google_card() -> rx.Component:
    st = IntegrationsState.status
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("calendar", size=22),
                rx.heading(t("Google Calendar"), size="5", as_="h2"),
                rx.cond(IntegrationsState.active, rx.badge(t("Activated"), color_scheme="green"),
                        rx.badge(t("Not installed"), color_scheme="gray")),
                align="center",
            ),
            rx.text(t("Connect every agent's Google Workspace calendar through one service account with "
                    "domain-wide delegation."), size="2", color_scheme="gray"),
            rx.cond(
                IntegrationsState.active,
                rx.vstack(
                    rx.text(t("Service account: {email} (client ID {client_id})", email=st["client_email"],
                              client_id=st["client_id"]), size="2"),
                    rx.text(t("Administrator: {email} · Domain: {domain} · Last checked: {checked}",
                              email=st["admin_email"], domain=st["primary_domain"], checked=st["checked_at"]),
                            size="2"),
                    rx.hstack(
                        rx.button(t("Test connection"), variant="soft", on_click=IntegrationsState.test_connection),
                        rx.button(t("Uninstall"), variant="soft", color_scheme="red",
                                  on_click=IntegrationsState.uninstall),
                    ),
                    spacing="2",
                ),
                rx.cond(IntegrationsState.step == 0, rx.button(t("Install"), on_click=IntegrationsState.start)),
            ),
            rx.cond(IntegrationsState.step == 1, _step_one()),
            rx.cond(IntegrationsState.step == 2, _step_two()),
            spacing="3",
            width="100%",
        ),
        width="100%",
        role="region",
        aria_label=t("Google Calendar"),
    )


def _disabled_hook(hook: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.callout(
        rx.text(rx.cond(hook["reason"] == "gone",
                        t("Kite disabled the webhook endpoint {url}: the receiver answered 410 Gone.", url=hook["url"]),
                        t("Kite disabled the webhook endpoint {url}: its deliveries kept failing for about three "
                          "days.", url=hook["url"])), " ",
                rx.link(t("Open Webhooks"), href=routes.WEBHOOKS)),
        icon="triangle_alert", color_scheme="red", width="100%",
    )


def _api_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(t("API keys and webhooks"), size="4", as_="h2"),
        rx.text(t("Connect a helpdesk or CRM: API keys for the staff API, webhooks that tell it of every booking, "
                  "change and cancellation.")),
        rx.hstack(rx.link(t("API keys"), href=routes.API_KEYS), rx.link(t("Webhooks"), href=routes.WEBHOOKS),
                  spacing="4"),
        spacing="2",
    ), width="100%")


@template(route=routes.INTEGRATIONS, title=N_("Integrations"), on_load=IntegrationsState.load)
def integrations_page() -> rx.Component:
    return guarded(
        IntegrationsState.denied,
        IntegrationsState.ready,
        rx.vstack(
            rx.heading(t("Integrations"), size="7", as_="h1"),
            form_alert(IntegrationsState.message),
            form_notice(IntegrationsState.notice),
            rx.foreach(IntegrationsState.disabled_hooks, _disabled_hook),
            _google_card(),
            microsoft_card(),
            meeting_links_card(),
            _api_card(),
            spacing="4",
            width="100%",
        ),
    )
