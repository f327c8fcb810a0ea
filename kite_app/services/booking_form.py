"""The booking form: an agent edits the questions of their page (Kite settings → Booking form), an admin
those of a team's page; guests read them in their language (kite_app/domain/booking_form.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kite_app import i18n
from kite_app.domain.accounts import Actor
from kite_app.domain.booking_form import Question, QuestionType, ShownQuestion, check_questions, new_id, shown
from kite_app.domain.errors import NotFound, ValidationError
from kite_app.domain.text import msg
from kite_app.persistence import booking_forms as q
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Team
from kite_app.services.accounts import require_admin, signed_in_agent

AGENTS_ONLY = msg("Only agents have a booking form of their own.")


def my_questions(actor: Actor | None) -> list[Question]:
    """The questions of the asking agent's page."""
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        return q.questions(s, agent_id=agent.id)


def team_questions(actor: Actor | None, team_id: int) -> list[Question]:
    require_admin(actor)
    with transaction(read_only=True) as s:
        if s.get(Team, team_id) is None:
            raise NotFound(msg("This team no longer exists."))
        return q.questions(s, team_id=team_id)


def save_my_questions(actor: Actor | None, form: Sequence[Question], *, now: datetime) -> list[Question]:
    """The whole form, checked and saved, or nothing saved and ValidationError keyed `questions.<i>.<field>`."""
    cleaned = check_questions(form, i18n.LANGUAGES, i18n.DEFAULT)
    with transaction() as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        q.save(s, cleaned, now=now, agent_id=agent.id)
    return cleaned


def save_team_questions(actor: Actor | None, team_id: int, form: Sequence[Question], *, now: datetime
                        ) -> list[Question]:
    require_admin(actor)
    cleaned = check_questions(form, i18n.LANGUAGES, i18n.DEFAULT)
    with transaction() as s:
        if s.get(Team, team_id) is None:
            raise NotFound(msg("This team no longer exists."))
        q.save(s, cleaned, now=now, team_id=team_id)
    return cleaned


def page_questions(*, agent_id: int | None = None, team_id: int | None = None) -> list[Question]:
    """What a guest is asked on a page (no login: a published page's form is public)."""
    with transaction(read_only=True) as s:
        return q.questions(s, agent_id=agent_id, team_id=team_id)


def questions_on_page(slug: str, *, team: bool = False) -> list[Question]:
    """The questions of the page at /book/<slug> (or /team/<slug>); the page itself is checked by its caller."""
    with transaction(read_only=True) as s:
        return q.questions_of_page(s, team_slug=slug) if team else q.questions_of_page(s, agent_slug=slug)


def for_guest(questions: Sequence[Question], language: str) -> list[ShownQuestion]:
    return shown(questions, language if language in i18n.LANGUAGES else i18n.DEFAULT, i18n.DEFAULT)


def question_from_editor(data: Mapping[str, Any]) -> Question:
    """A question as the editor (page or API) sends it: `options` as one text per line per language."""
    try:
        kind = QuestionType(str(data.get("type", "")))
    except ValueError:
        raise ValidationError({"type": msg("Choose a question type from the list.")}) from None
    options: tuple[dict[str, str], ...] = ()
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        lines = {lang: [t for t in str(text).splitlines() if t.strip()]
                 for lang, text in (data.get("options") or {}).items() if lang in i18n.LANGUAGES}
        count = len(lines.get(i18n.DEFAULT, []))
        if any(texts and len(texts) != count for texts in lines.values()):
            raise ValidationError({"options": msg("Give the options in the same number and order in every language.")})
        options = tuple({lang: texts[i] for lang, texts in lines.items() if texts} for i in range(count))
    return Question(id=str(data.get("id") or new_id()), type=kind, label=dict(data.get("label") or {}),
                    help=dict(data.get("help") or {}), required=bool(data.get("required")),
                    private=bool(data.get("private")), options=options)
