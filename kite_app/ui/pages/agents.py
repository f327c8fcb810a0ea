"""Admin "Agents" page: create agents, deactivate or reactivate them, reset their passwords."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.domain.accounts import email_error, name_error, normalize_email, password_error, time_zones
from kite_app.persistence.accounts import UserView
from kite_app.services import accounts
from kite_app.ui.components.forms import BROWSER_TIME_ZONE, field, form_alert, form_notice, select_field
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import guarded, template
from kite_app.ui.session import ADMINS_ONLY, Page, SessionState, utcnow

TIME_ZONES = list(time_zones())


class AgentsState(Page, SessionState):
    agents: list[UserView] = []
    new_time_zone: str = "UTC"
    reset_open: bool = False
    reset_agent_id: int = 0
    reset_agent_name: str = ""
    reset_error: str = ""

    def _refresh(self, actor) -> None:
        self.agents = accounts.list_agents(actor)

    @rx.event
    def load(self):
        self.agents = []
        return self._open(self._refresh, refusal=ADMINS_ONLY)

    @rx.event
    def recheck(self, key: str, value: str):
        """A field of the new agent's form changed: its mark goes once it is right."""
        checks = {"name": name_error, "email": lambda v: email_error(normalize_email(v)), "password": password_error}
        if key in checks:
            self._recheck_field(key, checks[key](value))

    @rx.event
    def set_new_time_zone(self, tz: str):
        if tz in TIME_ZONES:
            self.new_time_zone = tz

    @rx.event
    def create(self, form: dict):
        agent = self._attempt(lambda actor: accounts.create_agent(
            actor, name=form.get("name", ""), email=form.get("email", ""), time_zone=form.get("time_zone", ""),
            password=form.get("password", ""), now=utcnow()))
        if agent is None:
            return None
        self.notice = self._("Agent {name} created. Booking link: {link}").format(name=agent["name"],
                                                                                   link=f"/book/{agent['slug']}")
        self._refresh(self._actor())
        return [rx.set_value(field_id, "") for field_id in ("agent-name", "agent-email", "agent-password")]

    @rx.event
    def set_active(self, agent_id: int, active: bool):
        agent = self._attempt(lambda actor: accounts.set_agent_active(actor, int(agent_id), active=bool(active),
                                                                      now=utcnow()))
        if agent is not None:
            self.notice = (self._("{name} is active again.") if active else self._("{name} is deactivated.")
                           ).format(name=agent["name"])
            self._refresh(self._actor())

    @rx.event
    def open_reset(self, agent_id: int, name: str):
        self.reset_agent_id, self.reset_agent_name, self.reset_error = int(agent_id), name, ""
        self.reset_open = True

    @rx.event
    def set_reset_open(self, is_open: bool):
        self.reset_open = is_open

    @rx.event
    def reset_password(self, form: dict):
        agent = self._attempt(lambda actor: accounts.reset_password(
            actor, self.reset_agent_id, new_password=form.get("new_password", ""), now=utcnow()))
        self.reset_error = self.message or next(iter(self.errors.values()), "")
        self.message, self.errors = "", {}  # shown in the reset dialog, not on the page
        if agent is not None:
            self.reset_open = False
            self.notice = self._("Password reset for {name}. They have been logged out everywhere.").format(
                name=agent["name"])


def _agent_row(agent: rx.Var[UserView]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(agent["name"]),
        rx.table.cell(agent["email"]),
        rx.table.cell(agent["time_zone"]),
        rx.table.cell(rx.link("/book/" + agent["slug"], href="/book/" + agent["slug"], is_external=True)),
        rx.table.cell(
            rx.cond(
                agent["active"],
                rx.badge(t("Active"), color_scheme="green"),
                rx.badge(t("Deactivated"), color_scheme="gray"),
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    agent["active"],
                    rx.button(
                        t("Deactivate"), size="1", variant="soft", color_scheme="red",
                        aria_label=t("Deactivate {name}", name=agent["name"]),
                        on_click=AgentsState.set_active(agent["id"], False),
                    ),
                    rx.button(
                        t("Reactivate"), size="1", variant="soft",
                        aria_label=t("Reactivate {name}", name=agent["name"]),
                        on_click=AgentsState.set_active(agent["id"], True),
                    ),
                ),
                rx.button(
                    t("Reset password"), size="1", variant="outline",
                    aria_label=t("Reset password of {name}", name=agent["name"]),
                    on_click=AgentsState.open_reset(agent["id"], agent["name"]),
                ),
                spacing="2",
            )
        ),
        align="center",
    )


def _new_agent_form() -> rx.Component:
    e = AgentsState.errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("New agent"), size="4", as_="h2"),
                form_alert(AgentsState.message),
                rx.grid(
                    field(t("Name"), "name", error=e.get("name", ""), form_id="agent",
                          on_change=AgentsState.recheck("name").debounce(300)),
                    field(t("Email"), "email", type="email", error=e.get("email", ""), form_id="agent",
                          on_change=AgentsState.recheck("email").debounce(300)),
                    select_field(
                        t("Time zone"), "time_zone", TIME_ZONES, error=e.get("time_zone", ""), form_id="agent",
                        value=AgentsState.new_time_zone, on_change=AgentsState.set_new_time_zone,
                    ),
                    field(
                        t("Initial password"), "password", type="password", error=e.get("password", ""),
                        form_id="agent", auto_complete="new-password",
                        on_change=AgentsState.recheck("password").debounce(300),
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                rx.button(t("Create agent"), type="submit", size="3"),
                spacing="3",
                width="100%",
            ),
            id="new-agent-form",
            on_mount=AgentsState.set_new_time_zone(BROWSER_TIME_ZONE),
            on_submit=AgentsState.create,
            no_validate=True,
            width="100%",
        ),
        width="100%",
    )


def _reset_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Reset password")),
            rx.dialog.description(t("Set a new password for {name}.", name=AgentsState.reset_agent_name)),
            rx.form(
                rx.vstack(
                    field(t("New password"), "new_password", type="password", error=AgentsState.reset_error,
                          form_id="reset", auto_complete="new-password"),
                    rx.hstack(
                        rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(t("Save new password"), type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=AgentsState.reset_password,
                no_validate=True,
                padding_top="1em",
            ),
        ),
        open=AgentsState.reset_open,
        on_open_change=AgentsState.set_reset_open,
    )


@template(route=routes.AGENTS, title=N_("Agents"), on_load=AgentsState.load)
def agents_page() -> rx.Component:
    return guarded(
        AgentsState.denied,
        AgentsState.ready,
        rx.vstack(
            rx.heading(t("Agents"), size="7", as_="h1"),
            rx.text(t("Agents are the people guests book. Each gets a booking link."), color_scheme="gray"),
            form_notice(AgentsState.notice),
            _new_agent_form(),
            rx.cond(
                AgentsState.agents.length() > 0,
                rx.table.root(
                    rx.el.caption(t("Agents"), class_name="kite-sr-only"),
                    rx.table.header(
                        rx.table.row(
                            *[rx.table.column_header_cell(h) for h in
                              (t("Name"), t("Email"), t("Time zone"), t("Booking link"), t("Status"), t("Actions"))]
                        )
                    ),
                    rx.table.body(rx.foreach(AgentsState.agents, _agent_row)),
                    width="100%",
                    variant="surface",
                ),
                rx.text(t("No agents yet. Create the first one above.")),
            ),
            _reset_dialog(),
            spacing="4",
            width="100%",
        ),
    )
