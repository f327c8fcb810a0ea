"""Admin "Webhooks" page: endpoints (address, events, an agent or team filter), their secret shown at creation
and after "Rotate secret", "Send test event", and each endpoint's Deliveries log with Replay."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict
from zoneinfo import ZoneInfo

import reflex as rx

from kite_app import routes
from kite_app.domain.accounts import Actor
from kite_app.domain.errors import ValidationError
from kite_app.domain.text import msg
from kite_app.domain.webhooks import EVENTS
from kite_app.services import accounts, secret_box, teams, webhooks
from kite_app.ui.components.copy_button import shown_once
from kite_app.ui.components.forms import field, field_error, form_alert, form_notice
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import guarded, template
from kite_app.ui.session import ADMINS_ONLY, Page, SessionState, utcnow


class EndpointRow(TypedDict):
    id: int
    url: str
    description: str
    events: str  # comma-separated
    only: str  # "agent bob-agent", "team sales" or ""
    enabled: bool
    disabled_reason: str


class Choice(TypedDict):
    value: str
    label: str


class LogRow(TypedDict):
    delivery_id: int
    event: str
    delivery_status: str
    attempt: int
    at: str  # in the viewer's zone
    status: str
    milliseconds: int
    response: str


class WebhooksState(Page, SessionState):
    endpoints: list[EndpointRow] = []
    filters: list[Choice] = []  # "agent:<slug>" and "team:<slug>"
    secret: str = ""  # a new secret, shown once
    secret_url: str = ""
    log_endpoint: int = 0
    log_url: str = ""
    log_status: str = ""
    log: list[LogRow] = []
    log_notice: str = ""  # what Replay did, said beside the log
    no_secret_key: str = ""  # said before anything is typed when the server has no KITE_SECRET_KEY
    delete_open: bool = False
    delete_id: int = 0
    delete_url: str = ""

    def _refresh(self, actor: Actor) -> None:
        self.no_secret_key = "" if secret_box.secret_key_set() else self._(webhooks.NO_SECRET)
        self.endpoints = [EndpointRow(
            id=e["id"], url=e["url"], description=e["description"], events=", ".join(e["events"]),
            only=f"agent {e['agent_slug']}" if e["agent_slug"] else f"team {e['team_slug']}" if e["team_slug"] else "",
            enabled=e["enabled"], disabled_reason=e["disabled_reason"]) for e in webhooks.endpoints(actor)]
        agents = [Choice(value=f"agent:{a['slug']}", label=a["name"]) for a in accounts.list_agents(actor) if a["slug"]]
        self.filters = agents + [Choice(value=f"team:{team['slug']}", label=team["name"])
                                 for team in teams.list_teams(actor)]
        if self.log_endpoint:
            self._read_log(actor)

    def _read_log(self, actor: Actor) -> None:
        self.log_notice = ""
        self.log = [LogRow(delivery_id=r["delivery_id"], event=r["event"], delivery_status=r["delivery_status"],
                           attempt=r["attempt"], status=r["status"], milliseconds=r["milliseconds"],
                           response=r["response"], at=self._moment(actor, r["at"]))
                    for r in webhooks.deliveries(actor, self.log_endpoint, status=self.log_status)]

    def _reload(self) -> None:
        """The lists again after a change (a signed-out person has none to see)."""
        if (actor := self._actor()) is not None:
            self._refresh(actor)

    @rx.event
    def load(self):
        self.endpoints, self.secret, self.log_endpoint, self.log = [], "", 0, []
        return self._open(self._refresh, refusal=ADMINS_ONLY)

    @rx.event
    def create(self, form: dict):
        if self.secret:
            return None  # a second click while the new secret is shown
        only = form.get("only", "")
        kind, _, slug = only.partition(":")
        made = self._attempt(lambda actor: webhooks.create(
            actor, url=form.get("url", ""), events=[e for e in EVENTS if form.get(f"event-{e}")],
            description=form.get("description", ""), agent_slug=slug if kind == "agent" else "",
            team_slug=slug if kind == "team" else "", now=utcnow()))
        if made is None:
            return None
        self.secret, self.secret_url = made[1], made[0]["url"]
        self._reload()
        return [rx.set_value("webhook-url", ""), rx.set_value("webhook-description", "")]

    @rx.event
    def done(self):
        self.secret, self.secret_url = "", ""

    @rx.event
    def set_enabled(self, endpoint_id: int, enabled: bool):
        if self._do(lambda actor: webhooks.update(actor, int(endpoint_id), enabled=bool(enabled), now=utcnow())):
            self.notice = self._("Endpoint enabled: waiting deliveries go out now.") if enabled else self._(
                "Endpoint disabled: it gets no new events until enabled.")
            self._reload()

    @rx.event
    def rotate(self, endpoint_id: int, url: str):
        secret = self._attempt(lambda actor: webhooks.rotate_secret(actor, int(endpoint_id), now=utcnow()))
        if secret is not None:
            self.secret, self.secret_url = secret, url
            self.notice = self._("New secret made. The old one also signs deliveries for 24 hours.")

    @rx.event
    def send_test(self, endpoint_id: int, url: str):
        if self._do(lambda actor: webhooks.send_test(actor, int(endpoint_id), now=utcnow())):
            self.notice = self._("Test event sent to {url}. Its delivery shows under Deliveries.").format(url=url)
            self.log_endpoint, self.log_url, self.log_status = int(endpoint_id), url, ""
            self._reload()

    @rx.event
    def show_log(self, endpoint_id: int, url: str):
        self.log_endpoint, self.log_url, self.log_status = int(endpoint_id), url, ""
        self._attempt(self._read_log)

    @rx.event
    def refresh_log(self):
        if self.log_endpoint:
            self._attempt(self._read_log)

    @rx.event
    def set_log_status(self, status: str):
        self.log_status = status if status in ("", "pending", "delivered", "failed") else ""
        self._attempt(self._read_log)

    @rx.event
    def replay(self, delivery_id: int):
        if self._do(lambda actor: webhooks.replay(actor, int(delivery_id), now=utcnow())):
            self._attempt(self._read_log)
            self.log_notice = self._("Delivery sent again.")

    @rx.event
    def replay_failed(self, form: dict):
        def run(actor: Actor) -> int:
            try:
                since = datetime.fromisoformat(form.get("since", "")).replace(tzinfo=ZoneInfo(actor.time_zone or "UTC"))
            except ValueError:
                raise ValidationError({"since": msg("Give a date and time.")}) from None
            return webhooks.replay_failed(actor, self.log_endpoint, since=since, now=utcnow())

        count = self._attempt(run)
        if count is not None:
            self._attempt(self._read_log)
            self.log_notice = self._("{count} failed deliveries sent again.").format(count=count)

    @rx.event
    def ask_delete(self, endpoint_id: int, url: str):
        self.delete_id, self.delete_url, self.delete_open = int(endpoint_id), url, True

    @rx.event
    def set_delete_open(self, is_open: bool):
        self.delete_open = is_open

    @rx.event
    def delete(self):
        self.delete_open = False
        if self._do(lambda actor: webhooks.delete(actor, self.delete_id)):
            self.notice = self._("Endpoint {url} deleted.").format(url=self.delete_url)
            if self.log_endpoint == self.delete_id:
                self.log_endpoint, self.log = 0, []
            self._reload()


def _secret() -> rx.Component:
    return shown_once(t("Signing secret of {url}. Copy it now: it will not be shown again.",
                        url=WebhooksState.secret_url), WebhooksState.secret, label=t("Signing secret"),
                      copy_label=t("Copy the signing secret"), on_done=WebhooksState.done)


def _create_form() -> rx.Component:
    e = WebhooksState.errors
    return rx.card(rx.form(
        rx.vstack(
            rx.heading(t("Add endpoint"), size="4", as_="h2"),
            form_alert(WebhooksState.message),
            field(t("Endpoint URL"), "url", type="url", error=e.get("url", ""), form_id="webhook",
                  placeholder="https://example.com/kite-webhooks"),
            field(t("Description"), "description", error=e.get("description", ""), form_id="webhook"),
            rx.el.fieldset(
                rx.el.legend(t("Events"), class_name="kite-label"),
                rx.flex(*[rx.el.label(rx.hstack(rx.checkbox(name=f"event-{event}", default_checked=True,
                                                            aria_label=event), rx.code(event),
                                                spacing="1", align="center")) for event in EVENTS],
                        wrap="wrap", spacing="3"),
                field_error(e.get("events", ""), "webhook-events-error"),
                class_name="kite-field",
            ),
            rx.el.div(
                rx.el.label(t("Only the meetings of"), html_for="webhook-only", class_name="kite-label"),
                rx.el.select(
                    rx.el.option(t("Every agent and team"), value=""),
                    rx.foreach(WebhooksState.filters, lambda c: rx.el.option(c["label"], value=c["value"])),
                    id="webhook-only", name="only", class_name="kite-select",
                    aria_describedby="webhook-only-error",
                ),
                field_error(rx.cond(e.get("agent_slug", "") != "", e.get("agent_slug", ""), e.get("team_slug", "")),
                            "webhook-only-error"),
                class_name="kite-field",
            ),
            rx.button(t("Add endpoint"), type="submit"),
            spacing="3", width="100%",
        ),
        on_submit=WebhooksState.create, no_validate=True, width="100%",
    ), width="100%")


def _endpoint(row: rx.Var[EndpointRow]) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.heading(row["url"], size="3", as_="h3", word_break="break-all"),
            rx.cond(row["enabled"], rx.badge(t("Enabled"), color_scheme="green"),
                    rx.badge(rx.match(row["disabled_reason"],
                                      ("gone", t("Disabled: the receiver answered 410 Gone")),
                                      ("failing", t("Disabled: deliveries kept failing")),
                                      t("Disabled")), color_scheme="red")),
            align="center", wrap="wrap",
        ),
        rx.cond(row["description"] != "", rx.text(row["description"])),
        rx.text(t("Events: {events}", events=row["events"]), size="2", color_scheme="gray"),
        rx.cond(row["only"] != "", rx.text(t("Only: {who}", who=row["only"]), size="2", color_scheme="gray")),
        rx.flex(
            rx.button(t("Send test event"), size="1", variant="soft",
                      aria_label=t("Send test event to {url}", url=row["url"]),
                      on_click=WebhooksState.send_test(row["id"], row["url"])),
            rx.button(t("Deliveries"), size="1", variant="soft",
                      aria_label=t("Deliveries of {url}", url=row["url"]),
                      on_click=WebhooksState.show_log(row["id"], row["url"])),
            rx.button(t("Rotate secret"), size="1", variant="outline",
                      aria_label=t("Rotate secret of {url}", url=row["url"]),
                      on_click=WebhooksState.rotate(row["id"], row["url"])),
            rx.cond(row["enabled"],
                    rx.button(t("Disable"), size="1", variant="outline", aria_label=t("Disable {url}", url=row["url"]),
                              on_click=WebhooksState.set_enabled(row["id"], False)),
                    rx.button(t("Enable"), size="1", aria_label=t("Enable {url}", url=row["url"]),
                              on_click=WebhooksState.set_enabled(row["id"], True))),
            rx.button(t("Delete"), size="1", variant="soft", color_scheme="red",
                      aria_label=t("Delete {url}", url=row["url"]),
                      on_click=WebhooksState.ask_delete(row["id"], row["url"])),
            spacing="2", wrap="wrap",
        ),
        spacing="2", width="100%",
    ), width="100%")


def _log_row(r: rx.Var[LogRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["at"]),
        rx.table.cell(rx.code(r["event"])),
        rx.table.cell(rx.cond(r["attempt"] > 0, r["attempt"].to(str), t("Not tried yet"))),
        rx.table.cell(rx.cond(r["status"] != "", r["status"], "—")),
        rx.table.cell(rx.cond(r["attempt"] > 0, t("{count} ms", count=r["milliseconds"].to(str)), "")),
        rx.table.cell(rx.el.details(rx.el.summary(t("Answer")), rx.code(r["response"], white_space="pre-wrap",
                                                                         word_break="break-all"))),
        rx.table.cell(rx.match(r["delivery_status"], ("delivered", rx.badge(t("Delivered"), color_scheme="green")),
                               ("failed", rx.badge(t("Failed"), color_scheme="red")),
                               rx.badge(t("Waiting"), color_scheme="amber"))),
        rx.table.cell(rx.cond(r["delivery_status"] == "failed",
                              rx.button(t("Replay"), size="1", variant="soft",
                                        aria_label=t("Replay {event}", event=r["event"]),
                                        on_click=WebhooksState.replay(r["delivery_id"])))),
    )


def _deliveries() -> rx.Component:
    return rx.cond(WebhooksState.log_endpoint > 0, rx.vstack(
        rx.heading(t("Deliveries: {url}", url=WebhooksState.log_url), size="5", as_="h2", id="deliveries",
                   word_break="break-all"),
        rx.hstack(
            rx.el.label(t("Show"), html_for="log-status", class_name="kite-label"),
            rx.el.select(rx.el.option(t("All"), value=""), rx.el.option(t("Delivered"), value="delivered"),
                         rx.el.option(t("Waiting"), value="pending"), rx.el.option(t("Failed"), value="failed"),
                         id="log-status", value=WebhooksState.log_status, on_change=WebhooksState.set_log_status,
                         class_name="kite-select"),
            rx.button(t("Refresh"), size="1", variant="soft", on_click=WebhooksState.refresh_log),
            align="center", spacing="3",
        ),
        rx.form(rx.hstack(
            rx.el.div(
                rx.el.label(t("Replay failed deliveries since"), html_for="replay-since", class_name="kite-label"),
                rx.input(type="datetime-local", id="replay-since", name="since", aria_describedby="replay-since-error",
                         width="16rem"),
                field_error(WebhooksState.errors.get("since", ""), "replay-since-error"),
                class_name="kite-field",
            ),
            rx.button(t("Replay failed"), type="submit", variant="soft"),
            align="end", spacing="3", wrap="wrap",
        ), on_submit=WebhooksState.replay_failed, no_validate=True),
        form_notice(WebhooksState.log_notice),
        rx.cond(
            WebhooksState.log.length() > 0,
            rx.table.root(
                rx.el.caption(t("Deliveries"), class_name="kite-sr-only"),
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                    t("Time"), t("Event"), t("Attempt"), t("Status"), t("Response time"), t("Answer"),
                    t("Delivery"), t("Actions"))])),
                rx.table.body(rx.foreach(WebhooksState.log, _log_row)),
                width="100%", variant="surface", size="1",
            ),
            rx.text(rx.cond(WebhooksState.log_status != "", t("No deliveries with this status."),
                            t("No deliveries yet."))),
        ),
        spacing="3", width="100%",
    ))


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Delete {url}?", url=WebhooksState.delete_url)),
            rx.alert_dialog.description(t("It gets no more events, and its deliveries log is deleted with it.")),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(t("Delete endpoint"), color_scheme="red",
                                                 on_click=WebhooksState.delete)),
                justify="end", spacing="3", padding_top="1em",
            ),
        ),
        open=WebhooksState.delete_open, on_open_change=WebhooksState.set_delete_open,
    )


@template(route=routes.WEBHOOKS, title=N_("Webhooks"), on_load=WebhooksState.load)
def webhooks_page() -> rx.Component:
    return guarded(
        WebhooksState.denied,
        WebhooksState.ready,
        rx.vstack(
            rx.heading(t("Webhooks"), size="7", as_="h1"),
            rx.text(t("Kite tells your other systems when meetings are booked, confirmed, moved or cancelled: signed "
                      "per Standard Webhooks, tried again for about three days, each event delivered once per "
                      "endpoint."), color_scheme="gray"),
            form_notice(WebhooksState.notice),
            rx.cond(WebhooksState.no_secret_key != "",
                    rx.callout(WebhooksState.no_secret_key, icon="triangle_alert", color_scheme="amber", width="100%")),
            _secret(),
            _create_form(),
            rx.foreach(WebhooksState.endpoints, _endpoint),
            _deliveries(),
            _delete_dialog(),
            spacing="4", width="100%",
        ),
    )
