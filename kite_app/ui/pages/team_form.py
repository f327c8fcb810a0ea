"""Teams → a team's "Booking form": the questions guests answer on the team's page (the editor of
kite_app/ui/components/form_editor.py, for admins)."""

from __future__ import annotations

import reflex as rx

from kite_app.domain.accounts import Actor
from kite_app.domain.booking_form import Question
from kite_app.services import booking_form
from kite_app.ui.components.form_editor import FormEditor, form_editor
from kite_app.ui.components.forms import form_alert
from kite_app.ui.components.one_time_links import OneTimeLinks, one_time_links_panel
from kite_app.ui.i18n import t
from kite_app.ui.session import Page, SessionState, utcnow


class TeamFormState(OneTimeLinks, FormEditor, Page, SessionState):
    team_id: int = 0  # 0: no team's form open
    team_name: str = ""

    def _link_owner(self) -> dict[str, int]:
        return {"team_id": self.team_id}

    def _read_form(self, actor: Actor | None) -> list[Question]:
        return booking_form.team_questions(actor, self.team_id)

    def _write_form(self, actor: Actor | None, questions: list[Question]) -> list[Question]:
        return booking_form.save_team_questions(actor, self.team_id, questions, now=utcnow())

    @rx.event
    def load(self):
        self.team_id, self.team_name = 0, ""

    @rx.event
    def open_team(self, team_id: int, name: str):
        self.team_id, self.team_name = int(team_id), str(name)
        if not self._do(self._open_form) or not self._do(self._open_links):  # not an admin (any more), or the
            self.team_id = 0  # team is gone: said on the page

    @rx.event
    def close_team(self):
        self.team_id, self.editing = 0, False


def team_form_section() -> rx.Component:
    return rx.fragment(form_alert(TeamFormState.message), rx.cond(
        TeamFormState.team_id > 0,
        rx.card(rx.vstack(
            rx.hstack(
                rx.heading(t("Booking form of {name}", name=TeamFormState.team_name), size="4", as_="h2",
                           id="team-form-heading"),
                rx.spacer(),
                rx.button(t("Close"), variant="soft", color_scheme="gray", size="1", on_click=TeamFormState.close_team,
                          type="button", aria_label=t("Close the booking form")),
                width="100%", align="center",
            ),
            form_editor(TeamFormState, "team-question", t(
                "Questions guests answer on the team's page after their name, email and subject; the member who "
                "gets the meeting reads the answers.")),
            rx.heading(t("One-time links"), size="3", as_="h3"),
            one_time_links_panel(TeamFormState, "team-link", t(
                "A link to the team's page that books one meeting; afterwards it says it was used. Optionally it "
                "expires, or has a duration of its own.")),
            spacing="3", width="100%",
        ), width="100%"),
    ))
