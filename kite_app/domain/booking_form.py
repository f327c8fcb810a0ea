"""The booking form's questions (an agent's or a team's), and the guest's answers checked against them.

A question is kept as JSON: `{"id", "type", "required", "private", "label": {language: text}, "help": {...},
"options": [{language: text}, ...]}`. Its texts are given in the default language and optionally in the
others; a guest reads their language where it was given, else the default. An answer is kept with the
question's label and type as the guest was asked (`{"id", "label", "type", "value", "private"}`), so that
changing the form later leaves old meetings' answers as they were.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import phonenumbers

from kite_app.domain.errors import ValidationError
from kite_app.domain.text import Text, msg

MAX_QUESTIONS = 20
MAX_LABEL = 200
MAX_HELP = 300
MAX_OPTIONS = 30
MAX_OPTION = 100
MAX_SHORT = 200
MAX_LONG = 2000
MAX_PHONE = 40


class QuestionType(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    PHONE = "phone"
    CHECKBOX = "checkbox"


CHOICES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    label: Mapping[str, str]
    help: Mapping[str, str] = field(default_factory=dict)
    required: bool = False
    private: bool = False  # its answer stays off the guest's own copy (.ics, mails)
    options: tuple[Mapping[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type.value, "required": self.required, "private": self.private,
                "label": dict(self.label), "help": dict(self.help), "options": [dict(o) for o in self.options]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Question:
        return cls(id=str(data["id"]), type=QuestionType(data["type"]), label=dict(data.get("label") or {}),
                   help=dict(data.get("help") or {}), required=bool(data.get("required")),
                   private=bool(data.get("private")), options=tuple(dict(o) for o in data.get("options") or ()))

    def text(self, texts: Mapping[str, str], language: str, default: str) -> str:
        return texts.get(language) or texts.get(default) or ""

    def option_texts(self, language: str, default: str) -> list[str]:
        return [self.text(o, language, default) for o in self.options]


@dataclass(frozen=True)
class ShownQuestion:
    """A question in one language, as a guest reads it."""

    id: str
    type: str
    label: str
    help: str
    required: bool
    options: list[str]


def shown(questions: Iterable[Question], language: str, default: str) -> list[ShownQuestion]:
    return [ShownQuestion(id=q.id, type=q.type.value, label=q.text(q.label, language, default),
                          help=q.text(q.help, language, default), required=q.required,
                          options=q.option_texts(language, default)) for q in questions]


def new_id() -> str:
    """A question's id: short, stable through edits, usable in a URL (`?q_ab12cd=...`)."""
    return "q_" + secrets.token_hex(3)


def clean(text: str, limit: int, *, lines: bool = False) -> str:
    """Text as typed, control characters dropped (line breaks kept where `lines`), spaces around trimmed; cut at
    `limit` + 1 characters so that a caller can still tell it was too long."""
    keep = "\n" if lines else ""
    text = (text or "").replace("\r\n", "\n")
    kept = "".join((" " if ch in "\t\r" or (ch == "\n" and not lines) else ch) for ch in text
                   if ch in "\t\r\n" or unicodedata.category(ch) != "Cc")
    if not lines:
        kept = " ".join(kept.split())
    return kept.strip(" " + keep)[: limit + 1]


def check_questions(questions: Sequence[Question], languages: Iterable[str], default: str) -> list[Question]:
    """The form as an editor saved it, cleaned; ValidationError naming each question's wrong field as
    `questions.<index>.<field>`."""
    errors: dict[str, str] = {}
    if len(questions) > MAX_QUESTIONS:
        errors["questions"] = msg("A form has at most {count} questions.", count=MAX_QUESTIONS)
    languages = [default, *(lang for lang in languages if lang != default)]
    seen: set[str] = set()
    out: list[Question] = []
    for i, q in enumerate(questions):
        where = f"questions.{i}"
        if q.id in seen or not q.id.startswith("q_") or len(q.id) > 20 or not q.id[2:].isalnum():
            errors[f"{where}.id"] = msg("This question's id is not valid.")
        seen.add(q.id)
        label = {lang: clean(q.label.get(lang, ""), MAX_LABEL) for lang in languages if q.label.get(lang, "").strip()}
        help_ = {lang: clean(q.help.get(lang, ""), MAX_HELP) for lang in languages if q.help.get(lang, "").strip()}
        if not label.get(default):
            errors[f"{where}.label"] = msg("Give the question a label.")
        elif any(len(t) > MAX_LABEL for t in label.values()):
            errors[f"{where}.label"] = msg("Use at most {count} characters for the label.", count=MAX_LABEL)
        if any(len(t) > MAX_HELP for t in help_.values()):
            errors[f"{where}.help"] = msg("Use at most {count} characters for the help text.", count=MAX_HELP)
        options: list[dict[str, str]] = []
        if q.type in CHOICES:
            options = [{lang: clean(t, MAX_OPTION) for lang, t in o.items() if lang in languages and t.strip()}
                       for o in q.options]
            if message := _options_error(options, default):
                errors[f"{where}.options"] = message
        out.append(Question(id=q.id, type=q.type, label=label, help=help_, required=q.required, private=q.private,
                            options=tuple(options)))
    if errors:
        raise ValidationError(errors)
    return out


def _options_error(options: list[dict[str, str]], default: str) -> Text | None:
    if not options:
        return msg("Give at least one option, one per line.")
    if len(options) > MAX_OPTIONS:
        return msg("Give at most {count} options.", count=MAX_OPTIONS)
    if any(not o.get(default) for o in options):
        return msg("Give every option a text.")
    if any(len(t) > MAX_OPTION for o in options for t in o.values()):
        return msg("Use at most {count} characters for an option.", count=MAX_OPTION)
    texts = [o[default].casefold() for o in options]
    if len(set(texts)) != len(texts):
        return msg("Give each option only once.")
    return None


def check_answers(questions: Sequence[Question], raw: Mapping[str, Any], *, language: str, default: str,
                  region: str | None = None) -> list[dict[str, Any]]:
    """The guest's answers, cleaned, in the form's order, each with the question as they read it; ValidationError
    with `answers.<id>` for each wrong or missing one. An answer to no question of the form is refused too (a
    form changed while the guest typed: they see the new one). `region` (e.g. "CH") reads a phone number
    written without its country code."""
    errors: dict[str, str] = {}
    known = {q.id for q in questions}
    for key in raw:
        if key not in known:
            errors[f"answers.{key}"] = msg("This question is not on the form.")
    answers = []
    for q in questions:
        value, error = _answer(q, raw.get(q.id), language, default, region)
        if error:
            errors[f"answers.{q.id}"] = error
        elif value not in ("", [], None) or q.type == QuestionType.CHECKBOX:
            answers.append({"id": q.id, "label": q.text(q.label, language, default), "type": q.type.value,
                            "value": value, "private": q.private})
    if errors:
        raise ValidationError(errors)
    return answers


def _answer(q: Question, value: Any, language: str, default: str, region: str | None) -> tuple[Any, Text | None]:
    required = msg("Answer this question.")
    if q.type == QuestionType.CHECKBOX:
        if value not in (None, "", True, False, "true", "false", "on"):
            return None, msg("Answer with true or false.")
        ticked = value in (True, "true", "on")
        return ticked, (msg("Tick this box to go on.") if q.required and not ticked else None)
    if q.type == QuestionType.MULTIPLE_CHOICE:
        if value in (None, ""):
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, msg("Choose from the options.")
        picked = [_option(q, v, language, default) for v in value]
        if None in picked:
            return None, msg("Choose from the options.")
        ordered = [t for t in q.option_texts(language, default) if t in picked]
        return ordered, (required if q.required and not ordered else None)
    if value is None:
        value = ""
    if not isinstance(value, str):
        return None, msg("Answer with text.")
    if q.type == QuestionType.SINGLE_CHOICE:
        if not value.strip():
            return "", (required if q.required else None)
        option = _option(q, value, language, default)
        return option, (None if option is not None else msg("Choose one of the options."))
    long = q.type == QuestionType.LONG_TEXT
    limit = {QuestionType.LONG_TEXT: MAX_LONG, QuestionType.PHONE: MAX_PHONE}.get(q.type, MAX_SHORT)
    text = clean(value, limit, lines=long)
    if not text:
        return "", (required if q.required else None)
    if len(text) > limit:
        return None, msg("Use at most {count} characters.", count=limit)
    if q.type == QuestionType.PHONE:
        return phone(text, region)
    return text, None


def _option(q: Question, value: str, language: str, default: str) -> str | None:
    """The option `value` names (its text in any of its languages), in the guest's language."""
    wanted = clean(value, MAX_OPTION).casefold()
    for o in q.options:
        if any(t.casefold() == wanted for t in o.values()):
            return q.text(o, language, default)
    return None


def phone(text: str, region: str | None) -> tuple[str | None, Text | None]:
    """A phone number as E.164 (+41446681800), or why not."""
    try:
        number = phonenumbers.parse(text, region if region and len(region) == 2 else None)
    except phonenumbers.NumberParseException:
        return None, msg("Enter a phone number with its country code, such as +41 44 668 18 00.")
    if not phonenumbers.is_valid_number(number):
        return None, msg("This phone number is not valid: check its digits and country code.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def region_of(locale_tag: str) -> str | None:
    """The country of a browser's language tag ("de-CH" → "CH"): where a number without a country code is."""
    parts = (locale_tag or "").replace("_", "-").split("-")
    return next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), None)


def shown_value(answer: Mapping[str, Any], yes: str, no: str) -> str:
    """An answer as one line of text (a checkbox as `yes`/`no` in the reader's language)."""
    value = answer.get("value")
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if answer.get("type") == QuestionType.PHONE and value:
        try:  # kept as E.164 (+41446681800), read with its spaces (+41 44 668 18 00)
            number = phonenumbers.parse(str(value))
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        except phonenumbers.NumberParseException:
            return str(value)
    return str(value or "")


def answer_lines(answers: Iterable[Mapping[str, Any]], utm: Mapping[str, str], tr, *, for_guest: bool
                 ) -> tuple[tuple[str, str], ...]:
    """A meeting's answers as (label, text) lines in the reader's language (`tr`): the guest's copy without the
    private ones; the agent's with the campaign tags as well."""
    lines = [(str(a["label"]), shown_value(a, tr("Yes"), tr("No"))) for a in answers
             if not (for_guest and a.get("private"))]
    if utm and not for_guest:
        lines.append((tr("Campaign"), " · ".join(f"{key}: {value}" for key, value in utm.items())))
    return tuple(lines)


def as_text(lines: Iterable[tuple[str, str]]) -> str:
    """(label, text) lines as plain text; a text's later lines indented under its label."""
    return "\n".join(f"{label}: {value}".replace("\n", "\n  ") for label, value in lines)


UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
MAX_UTM = 100


def utm_tags(params: Mapping[str, Any]) -> dict[str, str]:
    """The campaign tags among a page address's parameters (`utm_source`, or `source` as the API names it), each
    one line of at most MAX_UTM characters."""
    tags = {}
    for key in UTM_KEYS:
        value = params.get(key, params.get(key.removeprefix("utm_")))
        if isinstance(value, list):
            value = value[0] if value else ""
        if isinstance(value, str) and (text := clean(value, MAX_UTM)[:MAX_UTM]):
            tags[key.removeprefix("utm_")] = text
    return tags
