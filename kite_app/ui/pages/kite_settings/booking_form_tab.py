"""Kite settings → "Booking form": the questions guests answer on the agent's own booking page."""

from __future__ import annotations

import reflex as rx

from kite_app.domain.accounts import Actor
from kite_app.domain.booking_form import Question
from kite_app.services import booking_form
from kite_app.ui.components.form_editor import FormEditor, form_editor
from kite_app.ui.i18n import t
from kite_app.ui.session import Page, SessionState, utcnow


class BookingFormState(FormEditor, Page, SessionState):
    def _read_form(self, actor: Actor | None) -> list[Question]:
        return booking_form.my_questions(actor)

    def _write_form(self, actor: Actor | None, questions: list[Question]) -> list[Question]:
        return booking_form.save_my_questions(actor, questions, now=utcnow())

    @rx.event
    def load(self):
        return self._open(self._open_form)


def booking_form_tab() -> rx.Component:
    return form_editor(BookingFormState, "question", t(
        "Questions guests answer on your booking page after their name, email and subject. A link to your page can "
        "fill in answers: add ?<question id>=… to its address (name=, email= and subject= too)."))
