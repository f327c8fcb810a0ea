"""The meeting keeps the guest's language: every mail and notice to the guest is in it, also when the agent
makes the change; the agent's stay in English."""

import re

import icalendar
from sqlmodel import select

from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, OutboxMail
from kite_app.providers.mail.dispatcher import attachment
from kite_app.services import auth, booking, conversations, meeting_changes, meetings
from tests.services.test_accounts import PASSWORD
from tests.services.test_booking import MON_10, NOW, req


def mails(email: str) -> list[OutboxMail]:
    with transaction() as s:
        return list(s.exec(select(OutboxMail).where(OutboxMail.to_email == email).order_by(OutboxMail.id)).all())


def test_a_german_guests_mails_and_notices_are_german(open_agent):
    actor, _view, _cal = open_agent
    m = booking.book(req(guest_time_zone="Europe/Berlin", language="de", subject=""), now=NOW)
    with transaction() as s:
        meeting = s.exec(select(Meeting)).one()
    assert meeting.guest_language == "de"
    meetings.confirm(actor, meeting.id, now=NOW)  # the agent acts; the guest still reads German
    meeting_changes.cancel(m["manage_token"], now=NOW, reason="Krank")

    to_guest = mails("gus@example.com")
    assert [mail.subject.split(":")[0] for mail in to_guest] == ["Neuer Termin", "Bestätigt", "Termin gelöscht"]
    booked = to_guest[0]
    assert booked.body_text.startswith("Hallo Gus Guest,")
    assert "Termin gebucht für Montag, 30. November 2026, 10:00–10:30 (Europe/Berlin)." in booked.body_text
    assert "Wann: Montag, 30. November 2026" in booked.body_text and "<th align='left'>Wann</th>" in booked.body_html
    assert "Termin ändern oder löschen, oder Bob Agent schreiben" in booked.body_text
    event = icalendar.Calendar.from_ical(attachment(booked)).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Termin mit Bob Agent" and "Hallo Gus Guest" in str(event["DESCRIPTION"])
    assert "Grund: „Krank“" in to_guest[-1].body_text

    to_agent = mails("bob@example.com")
    assert to_agent[0].subject.startswith("New meeting: Monday 30 November 2026")
    assert all("Hallo" not in mail.body_text for mail in to_agent)

    # the guest's conversation reads in German, the agent's in English
    view = conversations.open_for_guest(m["manage_token"], now=NOW)
    assert view["messages"][0]["text"].startswith("Termin gebucht für Montag, 30. November 2026")


def test_english_stays_the_default(open_agent):
    booking.book(req(start=MON_10), now=NOW)
    assert mails("gus@example.com")[0].body_text.startswith("Hello Gus Guest,")


def test_each_reader_gets_times_in_their_own_browsers_conventions(open_agent):
    """An en-US guest reads "Monday, November 30, 2026, 10:00 AM" everywhere (the page's own style), in mails,
    the invitation's text and the conversation; the agent, whose browser is en-GB, reads a 24-hour clock."""
    actor, _view, _cal = open_agent
    auth.log_in(email="bob@example.com", password=PASSWORD, now=NOW, locale_tag="en-GB")
    m = booking.book(req(guest_time_zone="America/New_York", locale_tag="en-US", subject=""), now=NOW)
    assert m["date_label"] == "Monday, November 30, 2026" and m["time_label"].startswith("4:00\u202fAM–4:30\u202fAM")

    booked = mails("gus@example.com")[0]
    when = "Monday, November 30, 2026, 4:00\u202fAM–4:30\u202fAM (America/New_York)"
    assert when in booked.body_text and when in booked.subject, booked.body_text
    assert when in str(icalendar.Calendar.from_ical(attachment(booked)).walk("VEVENT")[0]["DESCRIPTION"])
    guest_view = conversations.open_for_guest(m["manage_token"], now=NOW)
    assert when in guest_view["messages"][0]["text"]
    assert re.fullmatch(r"Mon, Nov 30, \d{1,2}:\d\d\s[AP]M", guest_view["messages"][0]["at"]), guest_view["messages"]

    to_agent = mails("bob@example.com")[0]
    assert "Monday, 30 November 2026, 10:00–10:30 (Europe/Berlin)" in to_agent.body_text, to_agent.body_text
    agent_view = conversations.open_for_agent(actor, conversations.inbox(actor)[0]["id"], now=NOW)
    assert re.fullmatch(r"Mon(day)?,? \d\d? Nov(ember)?,? \d\d:\d\d", agent_view["messages"][0]["at"]), agent_view
