"""Admins and agents read their pages in their own language: the browser's at the first login, the one they
pick in Profile after. German labels are long: no page of theirs scrolls sideways at 375 px."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.seed import ADMIN_PASSWORD, AGENT_PASSWORD, admin_actor, open_agent

PAGES_OF_AGENTS = [("/meetings", "Termine"), ("/inbox", "Posteingang"), ("/settings", "Kite-Einstellungen"),
                   ("/profile", "Profil")]
PAGES_OF_ADMINS = [("/admin/agents", "Agenten"), ("/admin/teams", "Teams"), ("/admin/integrations", "Integrationen"),
                   ("/admin/outbox", "Postausgang"), ("/profile", "Profil")]


def phone(browser: Browser, locale: str) -> Page:
    return browser.new_context(locale=locale, timezone_id="Europe/Berlin",
                               viewport={"width": 375, "height": 800}).new_page()


def log_in(page: Page, url: str, email: str, password: str, labels=("E-Mail", "Passwort", "Anmelden")) -> None:
    page.goto(url + "/login")
    expect(page.get_by_role("heading", name=labels[2])).to_be_visible(timeout=20_000)
    page.get_by_label(labels[0]).fill(email)
    page.get_by_label(labels[1]).fill(password)
    page.get_by_role("button", name=labels[2]).click()


def visit_each(page: Page, url: str, pages: list[tuple[str, str]], shot, who: str) -> None:
    for path, heading in pages:
        page.goto(url + path)
        expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible(timeout=20_000)
        shot(f"{who}-{path.strip('/').replace('/', '-')}-de-375", page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path


def test_an_agent_with_a_german_browser_gets_german_pages(server, browser: Browser, shot):
    open_agent("Dora Deutsch", "dora@example.com", time_zone="Europe/Berlin")
    page = phone(browser, "de-DE")
    log_in(page, server.url, "dora@example.com", AGENT_PASSWORD)
    expect(page.get_by_role("heading", name="Profil")).to_be_visible(timeout=20_000)
    expect(page.get_by_label("Sprache")).to_have_value("de")
    visit_each(page, server.url, PAGES_OF_AGENTS, shot, "agent")
    page.goto(server.url + "/settings")
    expect(page.get_by_text("Arbeitszeiten").first).to_be_visible(timeout=20_000)
    expect(page.get_by_role("checkbox", name="Montag")).to_be_visible()
    # a refusal in German, beside its field; nothing saved
    page.get_by_label("Mindestvorlauf (Minuten)").fill("viele")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_text("Nichts wurde gespeichert. Korrigieren Sie die oben markierten Felder.")).to_be_visible()
    expect(page.get_by_text("Geben Sie eine ganze Zahl (Minuten) ein.")).to_be_visible()
    page.context.close()


def test_an_admin_switches_to_german_in_profile(server, browser: Browser, shot):
    admin_actor()
    page = phone(browser, "en-GB")
    log_in(page, server.url, "admin@example.com", ADMIN_PASSWORD, labels=("Email", "Password", "Log in"))
    expect(page.get_by_role("heading", name="Agents", exact=True)).to_be_visible(timeout=20_000)
    page.goto(server.url + "/profile")
    expect(page.get_by_text("admin@example.com")).to_be_visible(timeout=20_000)  # the profile has loaded
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Profil gespeichert.")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("heading", name="Ihre Angaben")).to_be_visible()
    visit_each(page, server.url, PAGES_OF_ADMINS, shot, "admin")
    page.get_by_label("Sprache").select_option("en")  # back, for the other tests of this server
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    page.context.close()
