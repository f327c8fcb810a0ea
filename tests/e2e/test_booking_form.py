"""The booking form in the browser (Chromium, production build): an agent builds a form of every question type on
Kite settings → Booking form (a refusal beside its field, a German label, reordering); a guest reading German opens
a prefilled link with campaign tags, is refused beside each unanswered question, answers and books; the agent
reads the answers and the campaign on the meeting's card. An admin gives a team's page a question."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting
from tests.e2e.helpers import day_with_times, log_in
from tests.seed import ADMIN_PASSWORD, AGENT_PASSWORD, admin_actor, open_agent


def add_question(page: Page, kind: str, label: str, *, options: str = "", required: bool = False,
                 private: bool = False, german: str = "", german_options: str = "", shot=None) -> None:
    page.get_by_role("button", name="Add question").click()
    page.get_by_label("Type").select_option(label=kind)
    page.get_by_label("Label", exact=True).fill(label)
    if options:
        page.get_by_label("Options (one per line)").fill(options)
    if required:
        page.get_by_label("Required", exact=True).check()
    if private:
        page.get_by_label("Private: not in the guest's copy of the meeting").check()
    if german:
        page.get_by_label("Texts in").focus()  # as a person's click or Tab does: what was typed is sent on leaving
        page.get_by_label("Texts in").select_option(label="Deutsch")
        page.get_by_label("Label", exact=True).fill(german)
        if german_options:
            page.get_by_label("Options (one per line)").fill(german_options)
        page.get_by_label("Texts in").focus()
        page.get_by_label("Texts in").select_option(label="English")
        expect(page.get_by_label("Label", exact=True)).to_have_value(label)  # each language keeps its texts
    if shot:
        shot("booking-form-question")
    page.get_by_role("button", name="Save", exact=True).dblclick()  # saved once
    expect(page.get_by_text("Question saved.")).to_be_visible()


def test_an_agent_builds_a_form_and_a_guest_answers_it_in_german(server, page: Page, browser: Browser, shot):
    admin_actor()
    open_agent("Fiona Form", "fiona@example.com", hours="00:00-24:00")
    log_in(page, server.url, "fiona@example.com", AGENT_PASSWORD)
    page.get_by_role("link", name="Kite settings").click()
    page.get_by_role("tab", name="Booking form").click()
    expect(page.get_by_text("No questions yet")).to_be_visible()

    # a question without a label is refused beside the field, nothing saved
    page.get_by_role("button", name="Add question").click()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#question-label-error")).to_have_text("Give the question a label.")
    page.get_by_role("button", name="Cancel").click()

    add_question(page, "Short text", "Ticket number", required=True, german="Ticketnummer")
    add_question(page, "Single choice", "Company size", options="1-10\n11-50\nMore than 50", required=True,
                 german="Firmengröße", german_options="1-10\n11-50\nMehr als 50", shot=shot)
    add_question(page, "Multiple choice", "Topics", options="Billing\nSetup")
    add_question(page, "Phone number", "Phone")
    add_question(page, "Long text", "Internal notes", private=True)
    add_question(page, "Checkbox", "I agree to be recorded", required=True)
    # reordering: the phone number first
    rows = page.locator(".rt-Card")
    for place in (2, 1, 0):  # each move seen before the next click, as a person looks
        page.get_by_role("button", name="Move up: Phone").click()
        expect(rows.nth(place)).to_contain_text("Phone")
    expect(page.get_by_text("Question moved.")).to_be_visible()
    expect(page.get_by_role("button", name="Move up: Phone")).to_be_disabled()
    shot("booking-form-editor")

    questions = httpx.get(server.url + "/api/v1/agents/fiona-form", timeout=30).json()["questions"]
    assert [q["label"] for q in questions] == ["Phone", "Ticket number", "Company size", "Topics", "Internal notes",
                                              "I agree to be recorded"]
    ids = {q["label"]: q["id"] for q in questions}

    # a guest in Zurich reading German follows a prefilled link from a campaign
    guest = browser.new_context(locale="de-CH", timezone_id="Europe/Zurich").new_page()
    guest.goto(f"{server.url}/book/fiona-form?name=Gus%20Gast&email=gus@example.com&{ids['Ticket number']}=T-4711"
               f"&utm_source=newsletter&utm_campaign=winter")
    day_with_times(guest, 1, group="Uhrzeit").first.click()
    expect(guest.get_by_label("Ihr Name")).to_have_value("Gus Gast")
    expect(guest.get_by_label("Ticketnummer")).to_have_value("T-4711")
    expect(guest.get_by_role("radiogroup", name="Firmengröße")).to_contain_text("Mehr als 50")
    guest.get_by_label("Phone").fill("044 668 18 0")  # a digit short
    guest.get_by_role("button", name="Buchen", exact=True).click()
    expect(guest.locator(f"#book-{ids['Phone']}-error")).to_contain_text("Telefonnummer ist ungültig")
    expect(guest.locator(f"#book-{ids['Company size']}-error")).to_have_text("Beantworten Sie diese Frage.")
    expect(guest.locator(f"#book-{ids['I agree to be recorded']}-error")).to_have_text(
        "Setzen Sie dieses Häkchen, um fortzufahren.")
    expect(guest.get_by_label("Phone")).to_have_attribute("aria-invalid", "true")
    shot("booking-form-refused", guest)
    with transaction(read_only=True) as s:
        assert s.exec(select(Meeting)).all() == []

    guest.get_by_label("Phone").fill("044 668 18 00")
    guest.get_by_role("radiogroup", name="Firmengröße").get_by_label("Mehr als 50").check()
    guest.get_by_role("group", name="Topics").get_by_label("Setup").check()
    guest.get_by_role("group", name="Topics").get_by_label("Billing").check()
    guest.get_by_role("group", name="Topics").get_by_label("Billing").uncheck()  # and changed their mind
    guest.get_by_label("Internal notes").fill("Line one\nLine two")
    guest.get_by_label("I agree to be recorded").press("Space")  # by keyboard
    expect(guest.get_by_label("I agree to be recorded")).to_be_checked()
    guest.get_by_role("button", name="Buchen", exact=True).dblclick()
    expect(guest.get_by_role("heading", name="Ihr Termin ist gebucht")).to_be_visible()
    guest.context.close()

    with transaction(read_only=True) as s:
        meeting = s.exec(select(Meeting)).one()
    assert {a["label"]: a["value"] for a in meeting.answers} == {
        "Phone": "+41446681800", "Ticketnummer": "T-4711", "Firmengröße": "Mehr als 50", "Topics": ["Setup"],
        "Internal notes": "Line one\nLine two", "I agree to be recorded": True}
    assert meeting.utm == {"source": "newsletter", "campaign": "winter"}

    # the agent reads the answers and the campaign on the meeting's card
    page.get_by_role("link", name="Meetings").click()
    card = page.locator(".rt-Card", has_text="Gus Gast")
    expect(card).to_contain_text("Firmengröße")
    expect(card).to_contain_text("+41 44 668 18 00")
    expect(card).to_contain_text("Line one\nLine two")
    expect(card).to_contain_text("source: newsletter · campaign: winter")
    shot("booking-form-answers")


def test_an_admin_gives_a_teams_page_a_question(server, page: Page):
    admin_actor()
    ann = open_agent("Tia Team", "tia@example.com", hours="00:00-24:00")
    from kite_app.services import teams
    from tests.services.test_teams import team_form

    teams.save_team(admin_actor(), team_form({ann["id"]: "1"}, slug="form-team"), now=datetime.now(UTC))
    log_in(page, server.url, "admin@example.com", ADMIN_PASSWORD)
    page.get_by_role("link", name="Teams").click()
    page.get_by_role("button", name="Booking form and one-time links of Support").click()
    expect(page.get_by_role("heading", name="Booking form of Support")).to_be_visible()
    add_question(page, "Short text", "Order number", required=True)
    questions = httpx.get(server.url + "/api/v1/teams/form-team", timeout=30).json()["questions"]
    assert [(q["label"], q["required"]) for q in questions] == [("Order number", True)]
    # the team's one-time link, on the same card
    page.get_by_role("button", name="Create one-time link").click()
    link = page.get_by_role("textbox", name="Your new one-time link").input_value()
    assert "/once/" in link
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("table", name="One-time links")).to_contain_text("Not used yet")
    page.goto(link)
    expect(page.get_by_role("heading", name="Support")).to_be_visible()
    expect(page.get_by_label("Order number")).to_have_count(0)  # the question comes with the Details step
    page.go_back()
    page.get_by_role("button", name="Booking form and one-time links of Support").click()
    page.get_by_role("button", name="Close the booking form").click()
    expect(page.get_by_role("heading", name="Booking form of Support")).to_have_count(0)
