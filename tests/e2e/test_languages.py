"""The guest's booking page speaks the browser's language (German, French, Italian, Spanish or English) and
a switcher changes it, remembered, without losing the chosen time."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

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
