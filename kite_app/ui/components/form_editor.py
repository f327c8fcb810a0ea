"""The booking form's editor (an agent's on Kite settings → Booking form, a team's on Teams): the questions in
order with **Edit**, **Move up**, **Move down** and **Remove**; **Add question** opens the question's fields
(**Type**, **Label**, **Help text**, **Options**, **Required**, **Private**) in each of the five languages.
Every change saves the whole form at once (kite_app/services/booking_form.py checks it)."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from kite_app import i18n
from kite_app.domain.accounts import Actor
from kite_app.domain.booking_form import Question
from kite_app.domain.errors import KiteError, ValidationError
from kite_app.services.booking_form import question_from_editor
from kite_app.ui.components.forms import field, field_error, form_alert, form_notice, select_field
from kite_app.ui.i18n import N_, t

TYPES = {"short_text": N_("Short text"), "long_text": N_("Long text"), "single_choice": N_("Single choice"),
         "multiple_choice": N_("Multiple choice"), "phone": N_("Phone number"), "checkbox": N_("Checkbox")}


class EditorRow(TypedDict):
    id: str
    label: str
    type: str  # what the reader calls it ("Short text")
    required: bool
    private: bool
    options: str  # the options in the default language, comma separated


class FormEditor(rx.State, mixin=True):
    """Vars and handlers behind `form_editor`. A page mixes it in and says how its form is read and saved."""

    form_rows: list[EditorRow] = []
    editing: bool = False
    edit_index: int = -1  # -1: a new question
    edit_type: str = "short_text"
    edit_language: str = i18n.DEFAULT
    edit_label: str = ""
    edit_help: str = ""
    edit_options: str = ""
    edit_required: bool = False
    edit_private: bool = False
    edit_drawn: str = "0"  # a new value draws the ticks afresh (they are the browser's own while edited)
    form_errors: dict[str, str] = {}
    form_notice: str = ""
    form_message: str = ""
    _questions: list[dict] = []
    _texts: dict[str, dict[str, str]] = {}  # language -> {"label", "help", "options"} of the question edited

    def _read_form(self, actor: Actor | None) -> list[Question]:
        raise NotImplementedError

    def _write_form(self, actor: Actor | None, questions: list[Question]) -> list[Question]:
        raise NotImplementedError

    def _show_form(self, questions: list[Question]) -> None:
        self._questions = [q.to_json() for q in questions]
        say = self._
        self.form_rows = [EditorRow(
            id=q.id, label=q.text(q.label, i18n.DEFAULT, i18n.DEFAULT), type=say(TYPES[q.type.value]),
            required=q.required, private=q.private,
            options=", ".join(q.option_texts(i18n.DEFAULT, i18n.DEFAULT))) for q in questions]

    def _open_form(self, actor: Actor | None) -> None:
        self.editing, self.form_errors, self.form_notice, self.form_message = False, {}, "", ""
        self._show_form(self._read_form(actor))

    def _store(self, questions: list[Question], notice: str) -> bool:
        """Save the whole form; a refusal of question `i` is shown on the editor's fields."""
        self.form_errors, self.form_notice, self.form_message = {}, "", ""
        say = self._
        try:
            saved = self._write_form(self._actor(), questions)
        except ValidationError as exc:
            at = f"questions.{self.edit_index if self.edit_index >= 0 else len(questions) - 1}."
            self.form_errors = {k.removeprefix(at): say(v) for k, v in exc.errors.items()
                                if k.startswith(at) or "." not in k}
            if not self.form_errors:
                self.form_message = say(next(iter(exc.errors.values())))
            return False
        except KiteError as exc:
            self.form_message = say(exc.message)
            return False
        self._show_form(saved)
        self.form_notice = say(notice)
        return True

    def _current(self) -> list[Question]:
        return [Question.from_json(q) for q in self._questions]

    def _keep_texts(self) -> None:
        # assigned, not changed in place: a backend var is stored again only when assigned
        self._texts = {**self._texts, self.edit_language: {"label": self.edit_label, "help": self.edit_help,
                                                           "options": self.edit_options}}

    def _show_texts(self) -> None:
        texts = self._texts.get(self.edit_language, {})
        self.edit_label, self.edit_help, self.edit_options = (texts.get("label", ""), texts.get("help", ""),
                                                              texts.get("options", ""))

    @rx.event
    def add_question(self):
        self.editing, self.edit_index, self.edit_type, self.edit_language = True, -1, "short_text", i18n.DEFAULT
        self.edit_required = self.edit_private = False
        self._texts, self.form_errors, self.form_notice, self.form_message = {}, {}, "", ""
        self.edit_drawn = str(int(self.edit_drawn) + 1)
        self._show_texts()

    def _index(self, qid: str) -> int:
        """Where question `qid` stands now (-1: gone). Buttons name their question by id, not by place: a second
        click that left before the first one's answer came moves the same question again, not its neighbour."""
        return next((i for i, q in enumerate(self._questions) if q["id"] == qid), -1)

    @rx.event
    def edit_question(self, qid: str):
        questions, index = self._current(), self._index(qid)
        if index < 0:
            return
        q = questions[index]
        self.editing, self.edit_index, self.edit_type, self.edit_language = True, index, q.type.value, i18n.DEFAULT
        self.edit_required, self.edit_private = q.required, q.private
        self._texts = {lang: {"label": q.label.get(lang, ""), "help": q.help.get(lang, ""),
                              "options": "\n".join(o.get(lang, "") for o in q.options) if any(
                                  lang in o for o in q.options) else ""} for lang in i18n.LANGUAGES}
        self.form_errors, self.form_notice, self.form_message = {}, "", ""
        self.edit_drawn = str(int(self.edit_drawn) + 1)
        self._show_texts()

    @rx.event
    def cancel_question(self):
        self.editing, self.form_errors, self.form_message = False, {}, ""

    @rx.event
    def set_edit_type(self, value: str):
        if value in TYPES:
            self.edit_type = value

    @rx.event
    def set_edit_language(self, value: str):
        if value in i18n.LANGUAGES:
            self._keep_texts()
            self.edit_language = value
            self._show_texts()

    @rx.event
    def set_edit_label(self, value: str):
        self.edit_label = value

    @rx.event
    def set_edit_help(self, value: str):
        self.edit_help = value

    @rx.event
    def set_edit_options(self, value: str):
        self.edit_options = value

    @rx.event
    def set_edit_required(self, ticked: bool):
        self.edit_required = bool(ticked)

    @rx.event
    def set_edit_private(self, ticked: bool):
        self.edit_private = bool(ticked)

    @rx.event
    def save_question(self):
        if not self.editing:
            return  # a second click while the first saved
        self._keep_texts()
        questions = self._current()
        old = questions[self.edit_index] if 0 <= self.edit_index < len(questions) else None
        texts = self._texts
        try:
            question = question_from_editor({
                "id": old.id if old else None, "type": self.edit_type, "required": self.edit_required,
                "private": self.edit_private, "label": {k: v.get("label", "") for k, v in texts.items()},
                "help": {k: v.get("help", "") for k, v in texts.items()},
                "options": {k: v.get("options", "") for k, v in texts.items()}})
        except ValidationError as exc:
            self.form_errors = {k: self._(v) for k, v in exc.errors.items()}
            return
        if old is None:
            questions.append(question)
        else:
            questions[self.edit_index] = question
        if self._store(questions, N_("Question saved.")):
            self.editing = False

    @rx.event
    def move_question(self, qid: str, step: int):
        questions = self._current()
        i = self._index(qid)
        j = i + int(step)
        if i >= 0 and 0 <= j < len(questions) and not self.editing:
            questions[i], questions[j] = questions[j], questions[i]
            self._store(questions, N_("Question moved."))

    @rx.event
    def remove_question(self, qid: str):
        questions, index = self._current(), self._index(qid)
        if index >= 0 and not self.editing:
            del questions[index]
            self._store(questions, N_("Question removed. Meetings booked already keep their answers."))


def _row(state, row: rx.Var, index: rx.Var, count: rx.Var) -> rx.Component:
    return rx.card(rx.hstack(
        rx.vstack(
            rx.text(row["label"], weight="medium"),
            rx.hstack(
                rx.badge(row["type"], variant="soft"),
                rx.code(row["id"], size="1", title=t("Its id: in a prefilled link and in the API")),
                rx.cond(row["required"], rx.badge(t("Required"), color_scheme="orange", variant="soft")),
                rx.cond(row["private"], rx.badge(t("Private"), color_scheme="gray", variant="soft")),
                rx.cond(row["options"] != "", rx.text(row["options"], size="1", color_scheme="gray")),
                spacing="2", wrap="wrap", align="center",
            ),
            spacing="1", align="start",
        ),
        rx.spacer(),
        rx.hstack(
            rx.button(t("Edit"), size="1", variant="soft", type="button",
                      aria_label=t("Edit {name}", name=row["label"]), on_click=state.edit_question(row["id"])),
            rx.button(t("Move up"), size="1", variant="soft", color_scheme="gray", type="button",
                      aria_label=t("Move up: {name}", name=row["label"]), disabled=(index == 0) | state.editing,
                      on_click=state.move_question(row["id"], -1)),
            rx.button(t("Move down"), size="1", variant="soft", color_scheme="gray", type="button",
                      aria_label=t("Move down: {name}", name=row["label"]),
                      disabled=(index == count - 1) | state.editing,
                      on_click=state.move_question(row["id"], 1)),
            rx.button(t("Remove"), size="1", variant="soft", color_scheme="red", type="button",
                      aria_label=t("Remove {name}", name=row["label"]), disabled=state.editing,
                      on_click=state.remove_question(row["id"])),
            spacing="2", wrap="wrap",
        ),
        align="center", width="100%", wrap="wrap",
    ), width="100%")


def _tick(label: rx.Var, checked: rx.Var, on_change, input_id: str, drawn: rx.Var) -> rx.Component:
    return rx.el.label(rx.el.input(type="checkbox", id=input_id, default_checked=checked, key=input_id + "-" + drawn,
                                   on_change=on_change), rx.el.span(label), class_name="kite-choice")


def _question_form(state, prefix: str) -> rx.Component:
    e = state.form_errors
    return rx.card(rx.vstack(
        rx.heading(rx.cond(state.edit_index >= 0, t("Edit question"), t("New question")), size="4", as_="h3"),
        rx.grid(
            select_field(t("Type"), "type", [(k, t(v)) for k, v in TYPES.items()], form_id=prefix,
                         value=state.edit_type, on_change=state.set_edit_type, error=e.get("type", "")),
            select_field(t("Texts in"), "language", list(i18n.LANGUAGES.items()), form_id=prefix,
                         value=state.edit_language, on_change=state.set_edit_language),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
        ),
        rx.text(t("Write each text in English; guests who read another language see its text where you gave one, "
                  "else the English."), size="1", color_scheme="gray"),
        field(t("Label"), "label", form_id=prefix, value=state.edit_label, on_change=state.set_edit_label,
              error=e.get("label", ""), max_length=200),
        field(t("Help text"), "help", form_id=prefix, value=state.edit_help, on_change=state.set_edit_help,
              error=e.get("help", ""), max_length=300, placeholder=t("Optional")),
        rx.cond(
            (state.edit_type == "single_choice") | (state.edit_type == "multiple_choice"),
            rx.el.div(
                rx.el.label(t("Options (one per line)"), html_for=f"{prefix}-options", class_name="kite-label"),
                rx.text_area(id=f"{prefix}-options", value=state.edit_options, on_change=state.set_edit_options,
                             rows="4", width="100%", aria_describedby=f"{prefix}-options-error",
                             aria_invalid=rx.cond(e.get("options", "") != "", "true", "false")),
                field_error(e.get("options", ""), f"{prefix}-options-error"),
                class_name="kite-field",
            ),
        ),
        _tick(t("Required"), state.edit_required, state.set_edit_required, f"{prefix}-required", state.edit_drawn),
        _tick(t("Private: not in the guest's copy of the meeting"), state.edit_private, state.set_edit_private,
              f"{prefix}-private", state.edit_drawn),
        rx.hstack(
            rx.button(t("Save"), on_click=state.save_question, type="button"),
            rx.button(t("Cancel"), variant="soft", color_scheme="gray", on_click=state.cancel_question, type="button"),
            spacing="2",
        ),
        spacing="3", width="100%",
    ), width="100%")


def form_editor(state, prefix: str, intro: rx.Var | str) -> rx.Component:
    """The editor; `prefix` keeps its fields' ids apart from the page's others."""
    return rx.vstack(
        rx.text(intro, size="2", color_scheme="gray"),
        form_alert(state.form_message),
        form_notice(state.form_notice),
        rx.cond(state.form_rows.length() == 0,
                rx.text(t("No questions yet: guests give their name, email and an optional subject."), size="2")),
        rx.foreach(state.form_rows, lambda row, i: _row(state, row, i, state.form_rows.length())),
        rx.cond(state.editing, _question_form(state, prefix),
                rx.button(rx.icon("plus", size=16), t("Add question"), variant="soft", on_click=state.add_question,
                          type="button")),
        spacing="3", width="100%", align="start",
    )

