"""The booking form's questions on the Details step (kite_app/domain/booking_form.py): each with its label,
help text and error beside it, answers kept while the guest changes the time or the language, prefilled from
the page's address (`?q_ab12cd=...`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import reflex as rx

from kite_app.domain.booking_form import Question, utm_tags
from kite_app.services import booking_form
from kite_app.ui.components.forms import field_error
from kite_app.ui.i18n import t

MAX_PREFILL = 2000


def address_value(params: Mapping[str, Any], key: str, limit: int) -> str:
    """Parameter `key` of the page's address (its last value when repeated), at most `limit` characters; ""."""
    value = params.get(key)
    value = value[-1] if isinstance(value, list) and value else value
    return value[:limit] if isinstance(value, str) else ""


class Choice(TypedDict):
    text: str
    checked: bool


class FormQuestion(TypedDict):
    id: str
    type: str
    label: str
    help: str
    required: bool
    choices: list[Choice]
    value: str  # text, phone, single choice
    checked: bool  # checkbox
    error: str


class FormAnswers(rx.State, mixin=True):
    """Vars and handlers behind `question_fields`; the page calls `_show_questions` when its language changes."""

    questions: list[FormQuestion] = []
    # Ticks and radio buttons are the browser's own (a round trip would undo a click until the server answered);
    # a new value here draws them afresh with what the state holds (after a booking, all cleared).
    answers_drawn: str = "0"
    _form: list[dict] = []  # the page's questions as saved (every language)
    _utm: dict[str, str] = {}

    def _load_form(self, questions: list[Question], params: Mapping[str, Any]) -> None:
        """The page's questions, prefilled from the address's parameters, and its campaign tags."""
        self._form = [q.to_json() for q in questions]
        self.questions = []
        self._show_questions(getattr(self, "language", "en"))
        for q in self.questions:
            if given := address_value(params, q["id"], MAX_PREFILL):
                self._prefill(q, given)
        self._utm = utm_tags(params)

    @staticmethod
    def _prefill(q: FormQuestion, given: str) -> None:
        if q["type"] == "checkbox":
            q["checked"] = given.lower() in ("true", "on", "yes", "1")
        elif q["type"] == "multiple_choice":
            wanted = {w.strip().casefold() for w in given.split(",")}
            for c in q["choices"]:
                c["checked"] = c["text"].casefold() in wanted
        elif q["type"] == "single_choice":
            q["value"] = next((c["text"] for c in q["choices"] if c["text"].casefold() == given.strip().casefold()), "")
        else:
            q["value"] = given

    def _show_questions(self, language: str) -> None:
        """The questions in `language`, keeping what was answered (a choice by its place in the list)."""
        before = {q["id"]: q for q in self.questions}
        shown = booking_form.for_guest([Question.from_json(q) for q in self._form], language)
        out = []
        for q in shown:
            old = before.get(q.id)
            ticked = [c["checked"] for c in old["choices"]] if old else []
            value = old["value"] if old else ""
            if old and q.type == "single_choice" and value in (texts := [c["text"] for c in old["choices"]]):
                value = q.options[texts.index(value)] if texts.index(value) < len(q.options) else ""
            out.append(FormQuestion(
                id=q.id, type=q.type, label=q.label, help=q.help, required=q.required,
                choices=[Choice(text=o, checked=i < len(ticked) and ticked[i]) for i, o in enumerate(q.options)],
                value=value, checked=bool(old and old["checked"]), error=old["error"] if old else ""))
        self.questions = out

    def _answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for q in self.questions:
            if q["type"] == "checkbox":
                answers[q["id"]] = q["checked"]
            elif q["type"] == "multiple_choice":
                answers[q["id"]] = [c["text"] for c in q["choices"] if c["checked"]]
            else:
                answers[q["id"]] = q["value"]
        return answers

    def _question_errors(self, errors: Mapping[str, str]) -> None:
        """Each refusal `answers.<id>` beside its question (already in the page's language)."""
        for q in self.questions:
            q["error"] = errors.get(f"answers.{q['id']}", "")
        self.questions = list(self.questions)

    def _clear_answers(self) -> None:
        self.answers_drawn = str(int(self.answers_drawn) + 1)
        self._show_questions(getattr(self, "language", "en"))
        for q in self.questions:
            q["value"], q["checked"], q["error"] = "", False, ""
            for c in q["choices"]:
                c["checked"] = False
        self.questions = list(self.questions)

    def _question(self, qid: str) -> FormQuestion | None:
        return next((q for q in self.questions if q["id"] == qid), None)

    @rx.event
    def set_answer(self, qid: str, value: str):
        if (q := self._question(qid)) is not None:
            q["value"] = str(value)[:MAX_PREFILL]
            self.questions = list(self.questions)

    @rx.event
    def set_ticked(self, qid: str, ticked: bool):
        if (q := self._question(qid)) is not None:
            q["checked"] = bool(ticked)
            self.questions = list(self.questions)

    @rx.event
    def set_choice(self, qid: str, text: str, ticked: bool):
        """An option of a multiple choice was ticked or unticked."""
        if (q := self._question(qid)) is not None:
            for c in q["choices"]:
                if c["text"] == text:
                    c["checked"] = bool(ticked)
            self.questions = list(self.questions)


def _label(q: rx.Var, input_id: rx.Var) -> rx.Component:
    return rx.el.label(q["label"], html_for=input_id, class_name="kite-label")


def _help(q: rx.Var, help_id: rx.Var) -> rx.Component:
    return rx.cond(q["help"] != "", rx.text(q["help"], id=help_id, size="2", color_scheme="gray"))


def _described(q: rx.Var, help_id: rx.Var, error_id: rx.Var) -> rx.Var:
    return rx.cond(q["help"] != "", help_id + " " + error_id, error_id)


def _choice_list(q: rx.Var, state, qid: rx.Var, multiple: bool) -> rx.Component:
    name = "book-" + qid

    def one(choice: rx.Var) -> rx.Component:
        if multiple:
            control = rx.el.input(type="checkbox", name=name, value=choice["text"], default_checked=choice["checked"],
                                  key=name + "-" + choice["text"] + "-" + state.answers_drawn,
                                  on_change=lambda ticked: state.set_choice(qid, choice["text"], ticked))
        else:
            control = rx.el.input(type="radio", name=name, value=choice["text"],
                                  default_checked=q["value"] == choice["text"],
                                  key=name + "-" + choice["text"] + "-" + state.answers_drawn,
                                  on_change=lambda _ticked: state.set_answer(qid, choice["text"]))
        return rx.el.label(control, rx.el.span(choice["text"]), class_name="kite-choice")

    return rx.el.fieldset(
        rx.el.legend(q["label"], id="book-" + qid + "-legend", class_name="kite-label"),
        _help(q, "book-" + qid + "-help"),
        rx.el.div(rx.foreach(q["choices"], one), class_name="kite-choices"),
        field_error(q["error"], "book-" + qid + "-error"),
        aria_describedby=_described(q, "book-" + qid + "-help", "book-" + qid + "-error"),
        # a radio group says whether it is required and wrong; a group of checkboxes has only its error text (a
        # fieldset's `role` prop would be read as CSS: hence custom_attrs)
        **({} if multiple else {
            "custom_attrs": {"role": "radiogroup"}, "aria_labelledby": "book-" + qid + "-legend",
            "aria_invalid": rx.cond(q["error"] != "", "true", "false"),
            "aria_required": rx.cond(q["required"], "true", "false")}),
        class_name="kite-field kite-fieldset",
    )


def question_field(q: rx.Var, state) -> rx.Component:
    qid = q["id"].to(str)
    input_id, help_id, error_id = "book-" + qid, "book-" + qid + "-help", "book-" + qid + "-error"
    common = {"id": input_id, "aria_describedby": _described(q, help_id, error_id),
              "aria_invalid": rx.cond(q["error"] != "", "true", "false"),
              "aria_required": rx.cond(q["required"], "true", "false")}
    optional = rx.cond(q["required"], "", t("Optional"))
    text_box = rx.el.div(
        _label(q, input_id), _help(q, help_id),
        rx.match(
            q["type"],
            ("long_text", rx.text_area(value=q["value"], on_change=lambda v: state.set_answer(qid, v), rows="4",
                                       width="100%", placeholder=optional, **common)),
            ("phone", rx.input(value=q["value"], on_change=lambda v: state.set_answer(qid, v), type="tel",
                               auto_complete="tel", width="100%", placeholder=optional, **common)),
            rx.input(value=q["value"], on_change=lambda v: state.set_answer(qid, v), width="100%", placeholder=optional,
                     **common),
        ),
        field_error(q["error"], error_id),
        class_name="kite-field",
    )
    checkbox = rx.el.div(
        rx.el.label(
            rx.el.input(type="checkbox", default_checked=q["checked"], key=input_id + "-" + state.answers_drawn,
                        on_change=lambda ticked: state.set_ticked(qid, ticked), **common),
            rx.el.span(q["label"]),
            class_name="kite-choice",
        ),
        _help(q, help_id),
        field_error(q["error"], error_id),
        class_name="kite-field",
    )
    return rx.match(
        q["type"],
        ("single_choice", _choice_list(q, state, qid, multiple=False)),
        ("multiple_choice", _choice_list(q, state, qid, multiple=True)),
        ("checkbox", checkbox),
        text_box,
    )


def question_fields(state) -> rx.Component:
    """The page's questions, in order, after the built-in fields; an optional text says so in its box, as the
    subject does."""
    return rx.cond(
        state.questions.length() > 0,
        rx.vstack(rx.foreach(state.questions, lambda q: question_field(q, state)), spacing="3", width="100%"),
    )

