"""Admins and agents read their pages, mails, notices and refusals in their own language: the browser's at
their first login, the one they pick in Profile after. Each reader of a meeting gets it in theirs."""

import pytest
from sqlmodel import select

from kite_app import i18n
from kite_app.domain.errors import ValidationError
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, OutboxMail
from kite_app.services import accounts, auth, booking, conversations, guest_auth, meetings
from tests.services.test_accounts import PASSWORD
from tests.services.test_booking import NOW, req


def mails(email: str) -> list[OutboxMail]:
    with transaction() as s:
        return list(s.exec(select(OutboxMail).where(OutboxMail.to_email == email).order_by(OutboxMail.id)).all())


def log_in(email: str, language: str):
    _token, user = auth.log_in(email=email, password=PASSWORD, now=NOW, locale_tag=language)
    return user


def test_the_first_login_takes_the_browsers_language_and_later_ones_keep_the_persons(bob):
    actor, _view = bob
    assert log_in("bob@example.com", "fr")["language"] == "fr"
    assert log_in("bob@example.com", "de")["language"] == "fr"  # another browser does not change it
    profile = accounts.update_own_profile(actor, name="Bob Agent", time_zone="Europe/Berlin", now=NOW, language="it")
    assert profile["language"] == "it" and log_in("bob@example.com", "es")["language"] == "it"
    with pytest.raises(ValidationError) as refused:
        accounts.update_own_profile(actor, name="Bob Agent", time_zone="Europe/Berlin", now=NOW, language="pt")
    assert i18n.error_message("fr", refused.value) == "Choisissez l'une des langues proposées."
    assert accounts.own_profile(actor)["language"] == "it"  # the refusal changed nothing


def test_a_french_agent_reads_french_mails_notices_and_dates_while_the_german_guest_reads_german(open_agent):
    actor, _view, _cal = open_agent
    log_in("bob@example.com", "fr")
    m = booking.book(req(guest_time_zone="Europe/Berlin", language="de", subject=""), now=NOW)
    with transaction() as s:
        meeting_id = s.exec(select(Meeting)).one().id
    meetings.confirm(actor, meeting_id, now=NOW)

    to_agent = mails("bob@example.com")
    assert to_agent[0].subject.startswith("Nouveau rendez-vous : lundi 30 novembre 2026"), to_agent[0].subject
    assert to_agent[0].body_text.startswith("Bonjour Bob Agent,")
    assert "Ouvrir la conversation dans votre boîte de réception" in to_agent[0].body_text
    assert mails("gus@example.com")[0].body_text.startswith("Hallo Gus Guest,")

    inbox = conversations.inbox(actor)
    assert inbox[0]["preview"].startswith("Bob Agent a confirmé le rendez-vous du lundi 30 novembre")
    agent_view = conversations.open_for_agent(actor, inbox[0]["id"], now=NOW)
    booked = agent_view["messages"][0]["text"]
    assert booked.startswith("Rendez-vous réservé pour le lundi 30 novembre 2026, 10:00–10:30"), booked
    assert agent_view["meetings"][0]["when"].startswith("lundi 30 novembre 2026, 10:00")
    guest_view = conversations.open_for_guest(m["manage_token"], now=NOW)
    assert guest_view["messages"][0]["text"].startswith("Termin gebucht für Montag, 30. November 2026")
    assert meetings.upcoming(actor, now=NOW)[0]["when"].startswith("lundi 30 novembre 2026")


def test_the_guests_login_code_comes_in_their_language(database):
    guest_auth.request_code("lou@example.com", now=NOW, language="es")
    mail = mails("lou@example.com")[0]
    assert mail.subject.startswith("Tu código de Kite Scheduler: ")
    code = mail.subject.rsplit(" ", 1)[1]
    assert mail.body_text.startswith(f"Tu código es {code}. Caduca en 10 minutos.")
