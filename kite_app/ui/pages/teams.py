"""Admin → "Teams": team booking pages (round robin or collective), their members and booking rules."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.config import settings
from kite_app.domain.calendar_settings import SLOT_INTERVALS
from kite_app.domain.teams import KIND_LABELS, TeamForm, TeamKind, parse_team
from kite_app.domain.text import msg
from kite_app.services import accounts, teams
from kite_app.services.teams import TeamMeetingView, TeamView
from kite_app.ui.components.forms import field, field_error, form_alert, form_notice, select_field
from kite_app.ui.components.meeting_actions import reassign_select
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import guarded, template
from kite_app.ui.pages.team_form import TeamFormState, team_form_section
from kite_app.ui.session import ADMINS_ONLY, Page, SessionState, utcnow

RULE_FIELDS = ("name", "slug", "durations", "default_duration", "slot_interval", "buffer_before", "buffer_after",
               "min_notice", "window_days", "meeting_link")
NEW = {"name": "", "slug": "", "durations": "30", "default_duration": "30", "slot_interval": "30",
       "buffer_before": "0", "buffer_after": "0", "min_notice": "60", "window_days": "30", "meeting_link": "none"}
TEAM_LINKS = [("none", msg("No meeting link")), ("template", msg("A new video room for each meeting")),
              ("personal", msg("The host's own video link")),
              ("google_meet", msg("Google Meet on the host's Google calendar")),
              ("microsoft_teams", msg("Microsoft Teams on the host's Outlook calendar"))]


class TeamsState(Page, SessionState):
    teams: list[TeamView] = []
    meetings: list[TeamMeetingView] = []  # upcoming meetings booked on any team's page
    agents: list[dict[str, str]] = []  # {"id", "name"} of the active agents
    editing: int = 0  # the team being edited; 0 for a new one
    values: dict[str, str] = dict(NEW)
    kind: str = TeamKind.ROUND_ROBIN
    members: dict[str, str] = {}  # agent id -> weight, for the ticked agents
    require_guest_login: bool = False

    @rx.var
    def widget_snippet(self) -> str:
        """The team's snippet with its saved address (a new team's shows an example until it is saved)."""
        saved = next((team["slug"] for team in self.teams if team["id"] == self.editing), "") if self.editing else ""
        slug = saved or "support"
        return f'<script src="{routes.widget_url(settings.public_url)}" data-team="{slug}" async></script>'

    def _form(self) -> TeamForm:
        return TeamForm(kind=self.kind, members={int(a): w for a, w in self.members.items() if a.isdigit()},
                        require_guest_login=self.require_guest_login,
                        **{k: self.values.get(k, "") for k in RULE_FIELDS})

    def _recheck_team(self, changed: str) -> None:
        """A corrected field loses its mark at once (see Page._recheck)."""
        agents = {int(a["id"]) for a in self.agents} | {int(a) for a in self.members if a.isdigit()}
        self._recheck(lambda: parse_team(self._form(), agents=agents), changed, only_on_save=("slug", "meeting_link"))

    def _fill(self, actor) -> None:
        self.teams = teams.list_teams(actor)
        self.meetings = teams.upcoming_meetings(actor, now=utcnow())
        self.agents = [{"id": str(a["id"]), "name": a["name"]} for a in accounts.list_agents(actor) if a["active"]]

    @rx.event
    def load(self):
        self.teams, self.agents = [], []
        self._new()
        return self._open(self._fill, refusal=ADMINS_ONLY)

    def _new(self) -> None:
        self.editing, self.values, self.kind = 0, dict(NEW), TeamKind.ROUND_ROBIN.value
        self.members, self.require_guest_login = {}, False

    @rx.event
    def new_team(self):
        self.errors, self.message, self.notice = {}, "", ""
        self._new()

    @rx.event
    def edit(self, team_id: int):
        team = next((t for t in self.teams if t["id"] == team_id), None)
        if team is None:
            return
        self.errors, self.message, self.notice = {}, "", ""
        form = team["form"]
        self.editing, self.kind = team_id, form["kind"]
        self.values = {k: str(form[k]) for k in RULE_FIELDS}
        self.members, self.require_guest_login = dict(form["members"]), bool(form["require_guest_login"])

    @rx.event
    def set_value(self, key: str, value: str):
        if key in RULE_FIELDS:
            self.values[key] = value
            self._recheck_team(key)

    @rx.event
    def set_kind(self, kind: str):
        if kind in {k.value for k in TeamKind}:
            self.kind = kind

    @rx.event
    def set_member(self, agent_id: str, on: bool):
        members = dict(self.members)
        if on:
            members.setdefault(agent_id, "1")
        else:
            members.pop(agent_id, None)
        self.members = members
        self._recheck_team("members")

    @rx.event
    def set_weight(self, agent_id: str, weight: str):
        if agent_id in self.members:
            self.members = {**self.members, agent_id: weight}
            self._recheck_team(f"weight_{agent_id}")

    @rx.event
    def set_require_guest_login(self, value: bool):
        self.require_guest_login = bool(value)

    @rx.event
    def save(self):
        form = self._form()
        editing = self.editing or None
        team = self._attempt(lambda actor: teams.save_team(actor, form, now=utcnow(), team_id=editing))
        if team is None:
            if self.errors:
                self.message = self._("Nothing was saved. Correct the fields marked below.")
            return
        self._fill(self._actor())
        self.edit(team["id"])
        self.notice = self._("Team {name} saved. Its booking page: {link}").format(name=team["name"], link=team["url"])

    @rx.event
    def reassign(self, meeting_id: int, agent_id: str):
        if not agent_id.isdigit():
            return
        moved = self._attempt(lambda actor: teams.reassign(actor, int(meeting_id), int(agent_id), now=utcnow()),
                              msg("Meeting reassigned. The guest and both hosts were told."))
        if moved is None and self.errors:
            self.message, self.errors = next(iter(self.errors.values())), {}
        self._fill(self._actor())

    @rx.event
    def set_active(self, team_id: int, active: bool):
        team = self._attempt(lambda actor: teams.set_team_active(actor, int(team_id), active=bool(active),
                                                                 now=utcnow()))
        if team is not None:
            self.notice = (self._("Team {name} activated.") if active else self._("Team {name} deactivated.")
                           ).format(name=team["name"])
            self._fill(self._actor())


def _team_row(team: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(team["name"]),
        rx.table.cell(rx.cond(team["kind"] == TeamKind.COLLECTIVE.value, t(KIND_LABELS[TeamKind.COLLECTIVE]),
                              t(KIND_LABELS[TeamKind.ROUND_ROBIN]))),
        rx.table.cell(rx.foreach(team["members"], lambda m: rx.text(
            m["name"], rx.cond(team["kind"] == "round_robin", " · " + t("weight {weight}", weight=m["weight"].to(str)),
                               ""),
            rx.cond(m["active"], "", " " + t("(deactivated)")), size="2"))),
        rx.table.cell(rx.link(team["url"], href=team["url"], is_external=True, size="2")),
        rx.table.cell(rx.cond(team["active"], rx.badge(t("Active"), color_scheme="green"),
                              rx.badge(t("Deactivated"), color_scheme="gray"))),
        rx.table.cell(rx.hstack(
            rx.button(t("Edit"), size="1", variant="soft", aria_label=t("Edit {name}", name=team["name"]),
                      on_click=TeamsState.edit(team["id"])),
            rx.button(t("Booking form and links"), size="1", variant="soft",
                      aria_label=t("Booking form and one-time links of {name}", name=team["name"]),
                      on_click=TeamFormState.open_team(team["id"], team["name"])),
            rx.cond(team["active"],
                    rx.button(t("Deactivate"), size="1", variant="soft", color_scheme="red",
                              aria_label=t("Deactivate {name}", name=team["name"]),
                              on_click=TeamsState.set_active(team["id"], False)),
                    rx.button(t("Activate"), size="1", variant="soft",
                              aria_label=t("Activate {name}", name=team["name"]),
                              on_click=TeamsState.set_active(team["id"], True))),
            spacing="2",
        )),
    )


def _meeting_row(m: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(m["when"]),
        rx.table.cell(m["team"]),
        rx.table.cell(m["hosts"]),
        rx.table.cell(m["guest"], overflow_wrap="anywhere"),
        rx.table.cell(m["subject"], overflow_wrap="anywhere"),
        rx.table.cell(rx.match(m["status"], ("confirmed", rx.badge(t("Confirmed"), color_scheme="green")),
                               rx.badge(t("Pending"), color_scheme="amber"))),
        rx.table.cell(reassign_select(m, lambda v: TeamsState.reassign(m["id"], v),
                                      t("Reassign the meeting {when}", when=m["when"]))),
    )


def _member_choice(agent: rx.Var) -> rx.Component:
    agent_id = agent["id"]
    on = TeamsState.members.contains(agent_id)
    return rx.hstack(
        rx.checkbox(agent["name"], checked=on, on_change=lambda v: TeamsState.set_member(agent_id, v)),
        rx.cond(
            on & (TeamsState.kind == "round_robin"),
            rx.input(value=TeamsState.members[agent_id], on_change=lambda v: TeamsState.set_weight(agent_id, v),
                     aria_label=t("Weight of {name}", name=agent["name"]), width="4rem", size="1"),
        ),
        field_error(TeamsState.errors.get("weight_" + agent_id, ""), "weight-error-" + agent_id),
        align="center",
        spacing="3",
    )


def _value_field(label: rx.Var, key: str, **props) -> rx.Component:
    return field(label, key, form_id="team", value=TeamsState.values[key],
                 on_change=lambda v: TeamsState.set_value(key, v), error=TeamsState.errors.get(key, ""), **props)


def _team_form() -> rx.Component:
    e = TeamsState.errors
    return rx.card(
        rx.vstack(
            rx.heading(rx.cond(TeamsState.editing > 0, t("Edit team"), t("New team")), size="4", as_="h2"),
            form_alert(TeamsState.message),
            rx.grid(
                _value_field(t("Name"), "name", placeholder=t("Support")),
                _value_field(t("Address"), "slug", placeholder="support"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
            select_field(t("Kind"), "kind", [(kind.value, t(label)) for kind, label in KIND_LABELS.items()],
                         form_id="team", error=e.get("kind", ""), value=TeamsState.kind, on_change=TeamsState.set_kind),
            rx.el.fieldset(
                rx.el.legend(t("Members"), class_name="kite-label"),
                rx.text(t("Each member's own working hours and calendars decide when they are free. Round robin: a "
                        "member with weight 2 gets twice the meetings of one with weight 1."), size="2",
                        color_scheme="gray"),
                rx.cond(TeamsState.agents.length() > 0,
                        rx.vstack(rx.foreach(TeamsState.agents, _member_choice), spacing="2"),
                        rx.text(t("No active agents yet: create them on the Agents page."), size="2")),
                field_error(e.get("members", ""), "team-members-error"),
                class_name="kite-fieldset",
            ),
            rx.grid(
                _value_field(t("Duration options (minutes)"), "durations"),
                _value_field(t("Default duration (minutes)"), "default_duration"),
                select_field(t("Slot interval (minutes)"), "slot_interval", [str(i) for i in SLOT_INTERVALS],
                             form_id="team", value=TeamsState.values["slot_interval"],
                             on_change=lambda v: TeamsState.set_value("slot_interval", v),
                             error=e.get("slot_interval", "")),
                _value_field(t("Minimum notice (minutes)"), "min_notice"),
                _value_field(t("Buffer before (minutes)"), "buffer_before"),
                _value_field(t("Buffer after (minutes)"), "buffer_after"),
                _value_field(t("Booking window (days)"), "window_days"),
                columns=rx.breakpoints(initial="1", sm="2", md="3"), spacing="3", width="100%",
            ),
            rx.checkbox(t("Guests must log in before booking"), checked=TeamsState.require_guest_login,
                        on_change=TeamsState.set_require_guest_login),
            rx.box(
                select_field(t("Meeting link"), "meeting_link", [(v, t(label)) for v, label in TEAM_LINKS],
                             form_id="team",
                             value=TeamsState.values["meeting_link"],
                             on_change=lambda v: TeamsState.set_value("meeting_link", v),
                             error=TeamsState.errors.get("meeting_link", "")),
                max_width="24rem", width="100%",
            ),
            rx.hstack(
                rx.button(t("Save team"), size="3", on_click=TeamsState.save),
                rx.cond(TeamsState.editing > 0,
                        rx.button(t("New team"), size="3", variant="soft", on_click=TeamsState.new_team)),
                spacing="3",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


@template(route=routes.TEAMS, title=N_("Teams"), on_load=[TeamsState.load, TeamFormState.load])
def teams_page() -> rx.Component:
    return guarded(
        TeamsState.denied,
        TeamsState.ready,
        rx.vstack(
            rx.heading(t("Teams"), size="7", as_="h1"),
            rx.text(t("One booking link for several agents. Round robin gives each meeting to one free member; "
                    "collective books every member at once."), color_scheme="gray"),
            form_notice(TeamsState.notice),
            rx.cond(
                TeamsState.teams.length() > 0,
                rx.table.root(
                    rx.el.caption(t("Teams"), class_name="kite-sr-only"),
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   (t("Team"), t("Kind"), t("Members"), t("Booking link"),
                                                    t("Status"), t("Actions"))])),
                    rx.table.body(rx.foreach(TeamsState.teams, _team_row)),
                    width="100%",
                    variant="surface",
                ),
                rx.text(t("No teams yet. Create the first one below.")),
            ),
            team_form_section(),
            rx.heading(t("Upcoming team meetings"), size="4", as_="h2"),
            rx.cond(
                TeamsState.meetings.length() > 0,
                rx.table.root(
                    rx.el.caption(t("Upcoming team meetings"), class_name="kite-sr-only"),
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   (t("When"), t("Team"), t("Hosts"), t("Guest"), t("Subject"),
                                                    t("Status"), t("Reassign"))])),
                    rx.table.body(rx.foreach(TeamsState.meetings, _meeting_row)),
                    width="100%",
                    variant="surface",
                ),
                rx.text(t("No upcoming team meetings."), color_scheme="gray"),
            ),
            _team_form(),

            rx.text(t("To put a team's “Schedule a meeting” button on a website, paste this into its HTML, with the "
                    "team's address:"), size="2", color_scheme="gray"),
            rx.code(TeamsState.widget_snippet, size="2", white_space="pre-wrap", id="team-snippet"),
            spacing="4",
            width="100%",
        ),
    )

