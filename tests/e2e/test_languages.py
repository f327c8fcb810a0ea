"""The guest's booking page speaks the browser's language (German, French, Italian, Spanish or English) and
a switcher changes it, remembered, without losing the chosen time."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import day_with_times
from tests.e2e.test_guest_booking import publish_agent

HEADINGS = {"en": "Schedule a meeting", "de": "Termin vereinbaren", "fr": "Prendre rendez-vous",
            "it": "Prenota un appuntamento", "es": "Reservar una reunión"}


@pytest.fixture(scope="module")
def erin(server) -> dict:
    return publish_agent()


def guest(browser: Browser, locale: str, width: int = 1280) -> Page:
    return browser.new_context(locale=locale, timezone_id="Europe/Berlin",
                               viewport={"width": width, "height": 900}).new_page()


@pytest.mark.parametrize("locale, language", [("de-DE", "de"), ("fr-FR", "fr"), ("it-IT", "it"), ("es-ES", "es"),
                                              ("en-GB", "en")])
def test_the_page_opens_in_the_browsers_language(server, erin, browser: Browser, shot, locale, language):
    page = guest(browser, locale)
    page.goto(server.url + "/book/erin-expert")
    expect(page.get_by_role("heading", name=HEADINGS[language])).to_be_visible(timeout=20_000)
    expect(page.locator(f"[lang={language}]").first).to_be_visible()
    expect(page.get_by_role("group", name=re.compile(".")).first).to_be_visible()
    shot(f"booking-page-{language}", page)
    page.context.close()


def test_a_german_guest_switches_to_italian_and_keeps_the_chosen_time(server, erin, browser: Browser, shot):
    page = guest(browser, "de-DE")
    page.goto(server.url + "/book/erin-expert")
    times = page.get_by_role("group", name="Uhrzeit").get_by_role("button")
    expect(times.first).to_be_visible(timeout=20_000)
    assert re.fullmatch(r"\d\d:\d\d", times.first.inner_text())  # 24-hour clock in German
    month = page.locator("#kite-month").inner_text()
    assert month.split()[0] in ("November", "Dezember", "Januar"), month
    times.first.click()
    expect(page.get_by_role("heading", name="Ihre Angaben")).to_be_visible()
    chosen = page.locator(".rt-Card").first.inner_text()
    page.get_by_label("Ihr Name").fill("Greta Gast")
    page.get_by_label("Sprache").select_option("it")
    expect(page.get_by_role("heading", name="I tuoi dati")).to_be_visible()
    expect(page.get_by_label("Il tuo nome")).to_have_value("Greta Gast")  # nothing typed is lost
    italian = page.locator(".rt-Card").first.inner_text()
    assert re.search(r"\d\d:\d\d–\d\d:\d\d", italian) and italian != chosen  # the same time, in Italian words
    assert chosen.split("\n")[1].split(" · ")[0] == italian.split("\n")[1].split(" · ")[0]
    shot("booking-details-it", page)

    # remembered: the next visit opens in Italian although the browser says German
    page.goto(server.url + "/book/erin-expert")
    expect(page.get_by_role("heading", name=HEADINGS["it"])).to_be_visible(timeout=20_000)


def test_german_at_375_px_has_no_sideways_scrolling(server, erin, browser: Browser, shot):
    page = guest(browser, "de-DE", width=375)
    page.goto(server.url + "/book/erin-expert")
    expect(page.get_by_role("heading", name=HEADINGS["de"])).to_be_visible(timeout=20_000)
    shot("booking-page-de-375", page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("group", name="Uhrzeit").get_by_role("button").first.click()
    expect(page.get_by_role("heading", name="Ihre Angaben")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_german_guest_books_and_everything_to_them_is_german(server, erin, browser: Browser, shot):
    from sqlmodel import select

    from kite_app.persistence.db import transaction
    from kite_app.persistence.models import Meeting, OutboxMail

    page = guest(browser, "de-DE")
    page.goto(server.url + "/book/erin-expert")
    day_with_times(page, 3, "Uhrzeit").nth(2).click()
    page.get_by_label("Ihr Name").fill("Dieter Deutsch")
    page.get_by_label("E-Mail").fill("dieter@example.com")
    page.get_by_role("button", name="Buchen", exact=True).click()
    expect(page.get_by_role("heading", name="Ihr Termin ist gebucht")).to_be_visible()
    expect(page.get_by_text("Wir haben eine Bestätigung an dieter@example.com gesendet.", exact=False)).to_be_visible()
    shot("booking-confirmation-de", page)
    with transaction() as s:
        mail = s.exec(select(OutboxMail).where(OutboxMail.to_email == "dieter@example.com")).one()
        agent_mail = s.exec(select(OutboxMail).where(OutboxMail.to_email == "erin@example.com")
                            .order_by(OutboxMail.id.desc())).first()
    assert mail.subject.startswith("Neuer Termin: ") and mail.body_text.startswith("Hallo Dieter Deutsch,")
    assert agent_mail.subject.startswith("New meeting: ")  # the agent reads English

    page.get_by_role("link", name="Diesen Termin verwalten").click()
    expect(page.get_by_role("heading", name="Ihr Termin", exact=True)).to_be_visible()
    expect(page.get_by_role("log", name="Nachrichten")).to_contain_text("Termin gebucht für")
    shot("manage-de", page)
    page.get_by_label("Sprache").select_option("es")
    expect(page.get_by_role("heading", name="Tu reunión", exact=True)).to_be_visible()
    expect(page.get_by_role("log", name="Mensajes")).to_contain_text("Reunión reservada para el")
    with transaction() as s:
        assert s.exec(select(Meeting).where(Meeting.guest_email == "dieter@example.com")).one().guest_language == "es"


def without_clock(card: str) -> str:
    """A booking card's text without the guest's live clock beside their zone ("UTC+1 · 21:34"), which may tick
    over a minute between two reads."""
    return re.sub(r"(UTC[+\-−]?\d*) · \d{1,2}:\d{2}", r"\1", card)


def test_a_german_guest_books_a_french_speaking_agent(server, browser: Browser, shot):
    """The page is German, the guest's mails German; switching the page to Italian keeps the chosen time; the
    agent (French since their first login in a French browser) reads French mails and a French Inbox. Each step
    that waits on the server (two browsers at once) may take longer than 5 s on a loaded machine."""
    from sqlmodel import select

    from kite_app.persistence.db import transaction
    from kite_app.persistence.models import OutboxMail
    from tests.seed import AGENT_PASSWORD, open_agent

    open_agent("Fanny Français", "fanny@example.com", time_zone="Europe/Paris", min_notice="120")
    agent = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris").new_page()
    agent.goto(server.url + "/login")
    expect(agent.get_by_role("heading", name="Se connecter")).to_be_visible(timeout=20_000)
    agent.get_by_label("E-mail").fill("fanny@example.com")
    agent.get_by_label("Mot de passe").fill(AGENT_PASSWORD)
    agent.get_by_role("button", name="Se connecter").click()
    expect(agent.get_by_role("heading", name="Profil")).to_be_visible(timeout=20_000)
    expect(agent.get_by_label("Langue")).to_have_value("fr", timeout=20_000)

    page = guest(browser, "de-DE")
    page.goto(server.url + "/book/fanny-francais")
    expect(page.get_by_role("heading", name=HEADINGS["de"])).to_be_visible(timeout=20_000)
    day_with_times(page, 2, "Uhrzeit").nth(1).click()
    expect(page.get_by_role("heading", name="Ihre Angaben")).to_be_visible(timeout=20_000)
    chosen = page.locator(".rt-Card").first.inner_text()
    page.get_by_label("Sprache").select_option("it")
    expect(page.get_by_role("heading", name="I tuoi dati")).to_be_visible(timeout=20_000)  # still on the details step
    italian = page.locator(".rt-Card").first.inner_text()
    assert chosen.split("\n")[1].split(" · ")[0] == italian.split("\n")[1].split(" · ")[0]  # the same time
    page.get_by_label("Lingua").select_option("de")
    expect(page.get_by_role("heading", name="Ihre Angaben")).to_be_visible(timeout=20_000)
    assert without_clock(page.locator(".rt-Card").first.inner_text()) == without_clock(chosen)
    page.get_by_label("Ihr Name").fill("Greta Gast")
    page.get_by_label("E-Mail").fill("greta@example.com")
    page.get_by_role("button", name="Buchen", exact=True).click()
    expect(page.get_by_role("heading", name="Ihr Termin ist gebucht")).to_be_visible(timeout=20_000)

    with transaction() as s:
        to_guest = s.exec(select(OutboxMail).where(OutboxMail.to_email == "greta@example.com")).one()
        to_agent = s.exec(select(OutboxMail).where(OutboxMail.to_email == "fanny@example.com")).one()
    assert to_guest.subject.startswith("Neuer Termin: ") and to_guest.body_text.startswith("Hallo Greta Gast,")
    assert to_agent.subject.startswith("Nouveau rendez-vous : "), to_agent.subject
    assert to_agent.body_text.startswith("Bonjour Fanny Français,")
    assert "Greta Gast" in to_agent.body_text

    agent.get_by_role("link", name="Boîte de réception").click()
    expect(agent.get_by_role("heading", name="Boîte de réception")).to_be_visible(timeout=20_000)
    agent.get_by_role("button", name="Conversation avec Greta Gast").click()
    expect(agent.get_by_role("log", name="Messages")).to_contain_text("Rendez-vous réservé pour le", timeout=20_000)
    expect(agent.get_by_role("button", name=re.compile("^Confirmer "))).to_be_visible(timeout=20_000)
    shot("inbox-fr", agent)
    agent.context.close()
    page.context.close()
