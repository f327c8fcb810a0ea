"""The booking form on the booking core: questions edited and checked, shown in the guest's language, answers
checked on the server (through the REST API, as a customer's site sends them), kept as they were asked,
private ones off the guest's copy, and campaign tags kept with the meeting."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kite_app.api.app import api
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.booking_form import Question, QuestionType
from kite_app.domain.errors import PermissionDenied, ValidationError
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, OutboxMail
from kite_app.providers.calendar.ics import invite, invite_from
from kite_app.services import api_keys, booking_form, ratelimit, teams
from kite_app.services.booking_form import question_from_editor
from kite_app.services.meeting_views import meeting_object
from tests.services.test_staff_api import auth, free_starts
from tests.services.test_teams import team_form
from tests.services.test_teams import two_agents as two_agents  # a fixture

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def form() -> list[Question]:
    return [
        question_from_editor({"id": "q_ticket", "type": "short_text", "required": True,
                              "label": {"en": "Ticket number", "de": "Ticketnummer"},
                              "help": {"en": "From your confirmation mail"}}),
        question_from_editor({"id": "q_size", "type": "single_choice", "required": True,
                              "label": {"en": "Company size", "de": "Firmengröße"},
                              "options": {"en": "1-10\n11-50\nMore than 50", "de": "1-10\n11-50\nMehr als 50"}}),
        question_from_editor({"id": "q_topics", "type": "multiple_choice", "label": {"en": "Topics"},
                              "options": {"en": "Billing\nSetup\nSecurity"}}),
        question_from_editor({"id": "q_phone", "type": "phone", "label": {"en": "Phone"}}),
        question_from_editor({"id": "q_notes", "type": "long_text", "label": {"en": "Anything else?"},
                              "private": True}),
        question_from_editor({"id": "q_ok", "type": "checkbox", "required": True,
                              "label": {"en": "I agree to be recorded"}}),
    ]


@pytest.fixture
def client(open_agent):
    ratelimit.reset()
    actor, _view, _cal = open_agent
    booking_form.save_my_questions(actor, form(), now=NOW)
    yield TestClient(api), actor
    ratelimit.reset()


def body(start: datetime, **answers) -> dict:
    return {"start": start.isoformat(), "name": "Gus Guest", "email": "gus@example.com", "time_zone": "Europe/Zurich",
            "answers": answers}


GOOD = {"q_ticket": "  T-4711 ", "q_size": "11-50", "q_topics": ["Security", "Billing"], "q_phone": "+41 44 668 18 00",
        "q_notes": "Line one\nLine two", "q_ok": True}


def test_the_page_shows_its_questions_in_the_askers_language_else_the_default(client):
    api_client, _actor = client
    page = api_client.get("/api/v1/agents/bob-agent", headers={"Accept-Language": "de-CH"}).json()
    shown = {q["id"]: q for q in page["questions"]}
    assert [q["id"] for q in page["questions"]] == [q.id for q in form()]
    assert shown["q_ticket"]["label"] == "Ticketnummer" and shown["q_ticket"]["help"] == "From your confirmation mail"
    assert shown["q_size"]["options"] == ["1-10", "11-50", "Mehr als 50"]
    assert shown["q_topics"]["label"] == "Topics"  # no German text: the default language's
    assert shown["q_ok"] == {"id": "q_ok", "label": "I agree to be recorded", "help": "", "type": "checkbox",
                             "required": True, "options": []}


def test_answers_are_checked_on_the_server_each_beside_its_question_and_nothing_is_booked(client):
    api_client, _actor = client
    start = free_starts()[0]
    bad = {"q_ticket": "x" * 201, "q_size": "Huge", "q_topics": ["Billing", "Cooking"], "q_phone": "+41 44 668 18",
           "q_ok": False, "q_gone": "?"}
    r = api_client.post("/api/v1/agents/bob-agent/bookings", json=body(start, **bad))
    assert r.status_code == 422, r.text
    fields = r.json()["fields"]
    assert fields == {
        "answers.q_ticket": "Use at most 200 characters.",
        "answers.q_size": "Choose one of the options.",
        "answers.q_topics": "Choose from the options.",
        "answers.q_phone": "This phone number is not valid: check its digits and country code.",
        "answers.q_ok": "Tick this box to go on.",
        "answers.q_gone": "This question is not on the form.",
    }
    r = api_client.post("/api/v1/agents/bob-agent/bookings", json={**body(start), "answers": {}},
                        headers={"Accept-Language": "de"})
    assert set(r.json()["fields"]) == {"answers.q_ticket", "answers.q_size", "answers.q_ok"}
    assert r.json()["fields"]["answers.q_ticket"] != "Answer this question."  # said in German
    r = api_client.post("/api/v1/agents/bob-agent/bookings", json=body(start, **{**GOOD, "q_topics": "Billing"}))
    assert r.json()["fields"] == {"answers.q_topics": "Choose from the options."}
    with transaction(read_only=True) as s:
        assert s.exec(select(Meeting)).all() == []


def test_answers_are_kept_as_asked_with_the_guests_and_agents_copies(client, monkeypatch):
    api_client, actor = client
    start = free_starts()[0]
    r = api_client.post("/api/v1/agents/bob-agent/bookings", json=body(start, **{**GOOD, "q_phone": "044 668 18 00"}),
                        headers={"Accept-Language": "de-CH"})
    assert r.status_code == 201, r.text
    guest_copy = r.json()
    assert guest_copy["answers"] == [
        {"id": "q_ticket", "label": "Ticketnummer", "value": "T-4711"},
        {"id": "q_size", "label": "Firmengröße", "value": "11-50"},
        {"id": "q_topics", "label": "Topics", "value": ["Billing", "Security"]},  # in the form's order
        {"id": "q_phone", "label": "Phone", "value": "+41446681800"},  # a Swiss browser: read as a Swiss number
        {"id": "q_ok", "label": "I agree to be recorded", "value": True},
    ]  # the private question's answer stays off the guest's copy
    _v, key = api_keys.create(actor, name="CRM", scope="agent", now=datetime.now(UTC))
    staff = api_client.get(f"/api/v1/meetings/{guest_copy['id']}", headers=auth(key)).json()
    assert {"id": "q_notes", "label": "Anything else?", "value": "Line one\nLine two"} in staff["answers"]
    # the form changes: the meeting keeps its questions as they were asked
    booking_form.save_my_questions(actor, [question_from_editor({"id": "q_ticket", "type": "short_text",
                                                                 "label": {"en": "Case id"}})], now=NOW)
    again = api_client.get(f"/api/v1/meetings/{guest_copy['id']}", headers=auth(key)).json()
    assert again["answers"] == staff["answers"]
    with transaction(read_only=True) as s:
        mails = s.exec(select(OutboxMail)).all()
    to_agent = [m for m in mails if m.to_email == "bob@example.com"]
    to_guest = [m for m in mails if m.to_email == "gus@example.com"]
    assert to_agent and all("T-4711" in m.body_text and "Line two" in m.body_text for m in to_agent)
    assert to_guest and not any("Line two" in m.body_text for m in to_guest)
    mail = next(m for m in to_agent if m.invite)
    agent_ics = icalendar.Calendar.from_ical(invite(invite_from(mail.invite, mail.body_text)))
    described = str(agent_ics.walk("VEVENT")[0]["DESCRIPTION"])
    assert "Anything else?: Line one\n  Line two" in described and "Ticketnummer: T-4711" in described
    guest_ics = icalendar.Calendar.from_ical(
        api_client.get(f"/api/v1/bookings/{guest_copy['manage_token']}/meeting.ics").text)
    described = str(guest_ics.walk("VEVENT")[0]["DESCRIPTION"])
    assert "Ticketnummer: T-4711" in described and "Line two" not in described  # the guest's: no private answer


def test_a_second_answer_of_a_single_choice_in_another_language_is_kept_in_the_guests(client):
    api_client, _actor = client
    start = free_starts()[0]
    r = api_client.post("/api/v1/agents/bob-agent/bookings", json=body(start, **{**GOOD, "q_size": "mehr als 50"}))
    assert r.status_code == 201, r.text
    assert {"id": "q_size", "label": "Company size", "value": "More than 50"} in r.json()["answers"]


def test_campaign_tags_are_kept_with_the_meeting_and_length_limited(client):
    api_client, _actor = client
    start = free_starts()[0]
    r = api_client.post("/api/v1/agents/bob-agent/bookings",
                        json={**body(start, **GOOD), "utm": {"source": "newsletter", "campaign": "<b>winter</b>"}})
    assert r.json()["utm"] == {"source": "newsletter", "campaign": "<b>winter</b>"}  # text, escaped where shown
    r = api_client.post("/api/v1/agents/bob-agent/bookings",
                        json={**body(start, **GOOD), "utm": {"source": "x" * 101, "medium_x": "?"}})
    assert set(r.json()["fields"]) == {"utm.source", "utm.medium_x"}


def test_the_editor_refuses_what_a_guest_could_not_answer(client):
    _api, actor = client
    with pytest.raises(ValidationError) as caught:
        booking_form.save_my_questions(actor, [
            question_from_editor({"type": "short_text", "label": {"de": "Nur deutsch"}}),
            question_from_editor({"type": "single_choice", "label": {"en": "Size"}, "options": {"en": " \n"}}),
            question_from_editor({"type": "multiple_choice", "label": {"en": "Size"}, "options": {"en": "A\na"}}),
        ], now=NOW)
    assert caught.value.errors == {"questions.0.label": "Give the question a label.",
                                   "questions.1.options": "Give at least one option, one per line.",
                                   "questions.2.options": "Give each option only once."}
    with pytest.raises(ValidationError) as caught:
        question_from_editor({"type": "single_choice", "label": {"en": "Size"}, "options": {"en": "A\nB", "de": "A"}})
    assert set(caught.value.errors) == {"options"}
    assert [q.id for q in booking_form.my_questions(actor)] == [q.id for q in form()]  # nothing saved


def test_a_teams_form_is_the_admins_and_its_answers_reach_the_member(two_agents):  # noqa: F811
    admin, ann, ben = two_agents
    team = teams.save_team(admin, team_form({ann["id"]: "1", ben["id"]: "1"}), now=NOW)
    question = question_from_editor({"id": "q_order", "type": "short_text", "required": True,
                                     "label": {"en": "Order number"}})
    with pytest.raises(PermissionDenied):
        booking_form.save_team_questions(Actor(user_id=ann["id"], role=Role.AGENT), team["id"], [question], now=NOW)
    booking_form.save_team_questions(admin, team["id"], [question], now=NOW)
    api_client = TestClient(api)
    assert [q["id"] for q in api_client.get("/api/v1/teams/support").json()["questions"]] == ["q_order"]
    start = free_starts(ann["slug"])[0]
    r = api_client.post("/api/v1/teams/support/bookings", json=body(start))
    assert r.json()["fields"] == {"answers.q_order": "Answer this question."}
    r = api_client.post("/api/v1/teams/support/bookings", json={**body(start, q_order="A-1"),
                                                                 "utm": {"source": "ads"}})
    assert r.status_code == 201, r.text
    assert r.json()["answers"] == [{"id": "q_order", "label": "Order number", "value": "A-1"}]
    # reassigned to the other member, the meeting keeps its answers and campaign
    other = ben if r.json()["agent_slug"] == ann["slug"] else ann
    moved = teams.reassign(admin, r.json()["id"], other["id"], now=datetime.now(UTC))
    assert meeting_object(moved)["answers"] == r.json()["answers"] and moved["utm"] == {"source": "ads"}


def test_question_types_are_the_six_of_the_editor():
    assert [t.value for t in QuestionType] == ["short_text", "long_text", "single_choice", "multiple_choice", "phone",
                                              "checkbox"]
