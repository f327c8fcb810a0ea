"""Admin "Integrations" → "Meeting links": the template of a new video room for each meeting, and whether
agents may use their own video link or Google Meet."""

from __future__ import annotations

import reflex as rx

from kite_app.domain.meeting_links import PLACEHOLDER
from kite_app.domain.text import msg
from kite_app.services import meeting_links
from kite_app.ui.components.forms import field, form_alert, form_notice
from kite_app.ui.i18n import t
from kite_app.ui.session import ADMINS_ONLY, Page, SessionState, utcnow


class MeetingLinksState(Page, SessionState):
    template: str = ""
    allow_personal: bool = True
    allow_google_meet: bool = True
    allow_teams: bool = True

    def _show(self, rules) -> None:
        self.template, self.allow_personal = rules.template, rules.allow_personal
        self.allow_google_meet, self.allow_teams = rules.allow_google_meet, rules.allow_teams

    @rx.event
    def load(self):
        return self._open(lambda actor: self._show(meeting_links.policy_for(actor)), refusal=ADMINS_ONLY)

    @rx.event
    def set_allow_personal(self, value: bool):
        self.allow_personal = bool(value)

    @rx.event
    def set_allow_google_meet(self, value: bool):
        self.allow_google_meet = bool(value)

    @rx.event
    def set_allow_teams(self, value: bool):
        self.allow_teams = bool(value)

    @rx.event
    def save(self, form: dict):
        rules = self._attempt(lambda actor: meeting_links.save_policy(
            actor, template=form.get("template", ""), allow_personal=self.allow_personal,
            allow_google_meet=self.allow_google_meet, allow_teams=self.allow_teams, now=utcnow()),
            msg("Meeting links saved."))
        if rules is not None:
            self._show(rules)


def meeting_links_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("Meeting links"), size="4", as_="h2"),
                rx.text(t("Where meetings take place. Agents choose in Calendar Settings among what you allow here; "
                        "a team uses the team's choice."), size="2", color_scheme="gray"),
                form_alert(MeetingLinksState.message),
                form_notice(MeetingLinksState.notice),
                field(t("Meeting link template"), "template", form_id="links", default_value=MeetingLinksState.template,
                      key=MeetingLinksState.template, error=MeetingLinksState.errors.get("template", ""),
                      placeholder=f"https://meet.example.com/kite-{PLACEHOLDER}", max_length=500),
                rx.text(t("Each meeting gets its own room: {placeholder} becomes a random, unguessable id. Leave "
                          "empty to offer no template.", placeholder=PLACEHOLDER), size="1", color_scheme="gray"),
                rx.checkbox(t("Agents may use their own video link (set in their Profile)"),
                            checked=MeetingLinksState.allow_personal, on_change=MeetingLinksState.set_allow_personal),
                rx.checkbox(t("Google Meet for agents whose meetings go to a Google calendar"),
                            checked=MeetingLinksState.allow_google_meet,
                            on_change=MeetingLinksState.set_allow_google_meet),
                rx.checkbox(t("Microsoft Teams for agents whose meetings go to their Outlook calendar"),
                            checked=MeetingLinksState.allow_teams, on_change=MeetingLinksState.set_allow_teams),
                rx.button(t("Save meeting links"), type="submit"),
                spacing="3",
                width="100%",
                max_width="36rem",
            ),
            on_submit=MeetingLinksState.save,
            no_validate=True,
        ),
        width="100%",
        on_mount=MeetingLinksState.load,
    )
