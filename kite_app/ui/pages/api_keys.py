"""API keys: the admins' page (Admin keys, and Agent keys for any agent) and the section of Profile where an
agent makes keys for themselves. A new key is shown once; the list never shows one again."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from kite_app import routes
from kite_app.domain.accounts import Actor
from kite_app.services import accounts, api_keys
from kite_app.ui.components.copy_button import shown_once
from kite_app.ui.components.forms import field, field_error, form_alert, form_notice
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import guarded, template
from kite_app.ui.session import ADMINS_ONLY, Page, SessionState, utcnow


class KeyRow(TypedDict):
    id: int
    name: str
    scope: str
    agent_name: str
    hint: str
    created: str  # in the viewer's zone and conventions
    last_used: str  # "" when never used
    revoked: bool


class AgentChoice(TypedDict):
    id: str
    name: str


class ApiKeysState(Page, SessionState):
    keys: list[KeyRow] = []
    agents: list[AgentChoice] = []
    is_admin: bool = False
    scope: str = "admin"
    new_key: str = ""  # shown once, until "Done"
    revoke_open: bool = False
    revoke_id: int = 0
    revoke_name: str = ""

    def _refresh(self, actor: Actor) -> None:
        self.is_admin = actor.is_admin
        self.keys = [KeyRow(id=k["id"], name=k["name"], scope=k["scope"], agent_name=k["agent_name"], hint=k["hint"],
                            created=self._moment(actor, k["created_at"]),
                            last_used=self._moment(actor, k["last_used_at"]), revoked=k["revoked"])
                     for k in api_keys.keys(actor)]
        if actor.is_admin:
            self.agents = [AgentChoice(id=str(a["id"]), name=a["name"]) for a in accounts.list_agents(actor)
                           if a["active"]]
        else:
            self.scope = "agent"

    def _reload(self) -> None:
        """The lists again after a change (a signed-out person has none to see)."""
        if (actor := self._actor()) is not None:
            self._refresh(actor)

    @rx.event
    def load(self):
        self.keys, self.new_key = [], ""
        return self._open(self._refresh, refusal=ADMINS_ONLY)

    @rx.event
    def load_section(self):
        """Profile's section: the agent's own keys (the page itself is already open)."""
        actor = self._actor()
        if actor is not None and not actor.is_admin:
            self.new_key = ""
            self._refresh(actor)

    @rx.event
    def set_scope(self, scope: str):
        if scope in api_keys.SCOPES:
            self.scope = scope

    @rx.event
    def create(self, form: dict):
        if self.new_key:
            return None  # a second click while the first key is shown
        agent = form.get("agent", "")
        made = self._attempt(lambda actor: api_keys.create(
            actor, name=form.get("name", ""), scope=self.scope if actor and actor.is_admin else "agent",
            agent_id=int(agent) if agent.isdigit() else None, now=utcnow()))
        if made is None:
            return None
        self.new_key = made[1]
        self._reload()
        return rx.set_value("api-key-name", "")

    @rx.event
    def done(self):
        self.new_key = ""

    @rx.event
    def ask_revoke(self, key_id: int, name: str):
        self.revoke_id, self.revoke_name, self.revoke_open = int(key_id), name, True

    @rx.event
    def set_revoke_open(self, is_open: bool):
        self.revoke_open = is_open

    @rx.event
    def revoke(self):
        self.revoke_open = False
        if self._do(lambda actor: api_keys.revoke(actor, self.revoke_id, now=utcnow())):
            self.notice = self._("Key {name} revoked: requests with it are refused from now on.").format(
                name=self.revoke_name)
            self._reload()


def _new_key() -> rx.Component:
    return shown_once(t("Copy this key now: it will not be shown again."), ApiKeysState.new_key,
                      label=t("Your new API key"), copy_label=t("Copy the API key"), on_done=ApiKeysState.done)


def _scope_choice() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(t("Scope"), class_name="kite-label"),
        rx.radio_group.root(
            rx.hstack(
                rx.radio_group.item(value="admin", id="scope-admin"),
                rx.el.label(t("Admin (everything)"), html_for="scope-admin"),
                rx.radio_group.item(value="agent", id="scope-agent"),
                rx.el.label(t("Agent (one agent's own meetings)"), html_for="scope-agent"),
                spacing="2", align="center", wrap="wrap",
            ),
            value=ApiKeysState.scope, on_change=ApiKeysState.set_scope, name="scope",
        ),
        class_name="kite-field",
    )


def _agent_choice() -> rx.Component:
    return rx.cond(
        ApiKeysState.scope == "agent",
        rx.el.div(
            rx.el.label(t("Agent"), html_for="api-key-agent", class_name="kite-label"),
            rx.el.select(
                rx.el.option(t("Choose an agent"), value=""),
                rx.foreach(ApiKeysState.agents, lambda a: rx.el.option(a["name"], value=a["id"])),
                id="api-key-agent", name="agent", class_name="kite-select",
                aria_describedby="api-key-agent-error",
            ),
            field_error(ApiKeysState.errors.get("agent", ""), "api-key-agent-error"),
            class_name="kite-field",
        ),
    )


def _create_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(t("Create API key"), size="4", as_="h2"),
            form_alert(ApiKeysState.message),
            field(t("Name"), "name", error=ApiKeysState.errors.get("name", ""), form_id="api-key",
                  placeholder="Helpdesk"),
            rx.cond(ApiKeysState.is_admin, rx.fragment(_scope_choice(), _agent_choice())),
            field_error(ApiKeysState.errors.get("scope", ""), "api-key-scope-error"),
            rx.button(t("Create API key"), type="submit"),
            _new_key(),
            spacing="3", width="100%",
        ),
        on_submit=ApiKeysState.create, no_validate=True, width="100%",
    )


def _key_row(key: rx.Var[KeyRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(key["name"]),
        rx.table.cell(rx.cond(key["scope"] == "admin", t("Admin"), t("Agent: {name}", name=key["agent_name"]))),
        rx.table.cell(rx.code(key["hint"])),
        rx.table.cell(key["created"]),
        rx.table.cell(rx.cond(key["last_used"] != "", key["last_used"], t("Never"))),
        rx.table.cell(rx.cond(
            key["revoked"], rx.badge(t("Revoked"), color_scheme="gray"),
            rx.button(t("Revoke"), size="1", variant="soft", color_scheme="red",
                      aria_label=t("Revoke {name}", name=key["name"]),
                      on_click=ApiKeysState.ask_revoke(key["id"], key["name"])))),
        align="center",
    )


def _revoke_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Revoke {name}?", name=ApiKeysState.revoke_name)),
            rx.alert_dialog.description(t("Systems using this key are refused from now on. This cannot be undone.")),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(t("Revoke key"), color_scheme="red", on_click=ApiKeysState.revoke)),
                justify="end", spacing="3", padding_top="1em",
            ),
        ),
        open=ApiKeysState.revoke_open, on_open_change=ApiKeysState.set_revoke_open,
    )


def keys_panel() -> rx.Component:
    """The form, the new key shown once, and the list of keys (the admins' page and the agent's Profile)."""
    return rx.vstack(
        form_notice(ApiKeysState.notice),
        rx.card(_create_form(), width="100%"),
        rx.cond(
            ApiKeysState.keys.length() > 0,
            rx.table.root(
                rx.el.caption(t("API keys"), class_name="kite-sr-only"),
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                    t("Name"), t("Scope"), t("Key"), t("Created"), t("Last used"), t("Actions"))])),
                rx.table.body(rx.foreach(ApiKeysState.keys, _key_row)),
                width="100%", variant="surface",
            ),
            rx.text(t("No API keys yet.")),
        ),
        _revoke_dialog(),
        spacing="4", width="100%",
    )


def profile_section() -> rx.Component:
    """Profile: an agent's own Agent keys."""
    return rx.vstack(
        rx.heading(t("API keys"), size="5", as_="h2"),
        rx.text(t("A key lets another system (your CRM or helpdesk) read and change your meetings through the API. "
                  "Send it as Authorization: Bearer kite_…"), color_scheme="gray"),
        keys_panel(),
        on_mount=ApiKeysState.load_section, spacing="3", width="100%",
    )


@template(route=routes.API_KEYS, title=N_("API keys"), on_load=ApiKeysState.load)
def api_keys_page() -> rx.Component:
    return guarded(
        ApiKeysState.denied,
        ApiKeysState.ready,
        rx.vstack(
            rx.heading(t("API keys"), size="7", as_="h1"),
            rx.text(t("Keys for the staff API (/api/v1, documented at /api/v1/openapi.json). An Admin key reaches "
                      "everything; an Agent key one agent's own meetings. A key is shown once, when it is made."),
                    color_scheme="gray"),
            keys_panel(),
            spacing="4", width="100%",
        ),
    )
