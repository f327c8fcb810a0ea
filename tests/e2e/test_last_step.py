"""The guest's last step, as a person uses it: the confirmation stays while the .ics downloads, a double click
books once and lands on that meeting's confirmation, the side panel shows the booked meeting, "Add to calendar"
carries what the .ics carries, in the guest's language and clock; the manage page's Edit can be left with Cancel;
PageUp and PageDown keep focus in the month calendar."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from kite_app.domain.meeting_links import LinkSource
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting
from kite_app.services import meeting_links
from tests.e2e.helpers import day_with_times
from tests.seed import admin_actor, open_agent

LINK = re.compile(r"https://meet\.example\.com/kite-[a-z2-9]{16}")


@pytest.fixture(scope="module")
def lena(server) -> dict:
    meeting_links.save_policy(admin_actor(), template="https://meet.example.com/kite-{id}",
                              allow_personal=False, allow_google_meet=False, now=datetime.now(UTC))
    return open_agent("Lena Last", "lena@example.com", hours="00:00-24:00", meeting_link=LinkSource.TEMPLATE,
                      durations="30, 60", window_days="31")


def guest(browser: Browser, locale: str) -> Page:
    return browser.new_context(locale=locale, timezone_id="America/New_York", accept_downloads=True,
                               viewport={"width": 1280, "height": 900}).new_page()


def book(page: Page, url: str, *, schedule: str, heading: str, double: bool = False) -> None:
    page.goto(url + "/book/lena-last")
    times = day_with_times(page, 2, group=re.compile("^(Time|Uhrzeit)$"))  # type: ignore[arg-type]
    times.first.click()
    page.locator("#book-guest_name").fill("Gus Guest")
    page.locator("#book-guest_email").fill("gus@example.com")
    button = page.get_by_role("button", name=schedule, exact=True)
    button.dblclick() if double else button.click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


def meetings_of(email: str) -> list[Meeting]:
    with transaction(read_only=True) as s:
        return list(s.exec(select(Meeting).where(Meeting.guest_email == email)))


@pytest.mark.parametrize("locale, schedule, heading, download, manage", [
    ("en-US", "Schedule", "Your meeting is scheduled", "Download .ics", "Manage this meeting"),
    ("de-DE", "Buchen", "Ihr Termin ist gebucht", ".ics herunterladen", "Diesen Termin verwalten"),
])
def test_the_ics_downloads_and_the_confirmation_stays(server, lena, browser: Browser, shot, locale, schedule,
                                                       heading, download, manage):
    page = guest(browser, locale)
    book(page, server.url, schedule=schedule, heading=heading)
    with page.expect_download() as got:
        page.get_by_role("link", name=download).click()
    path = got.value.path()
    body = open(path, encoding="utf-8").read()
    assert got.value.suggested_filename.endswith(".ics") and "BEGIN:VEVENT" in body
    # the page did not move: the confirmation and its manage link are where they were
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("link", name=manage)).to_be_visible()
    assert "/book/lena-last" in page.url and "404" not in page.inner_text("body")
    page.context.close()


def test_a_double_click_on_schedule_books_once_and_stays_on_its_confirmation(server, lena, browser: Browser):
    page = guest(browser, "en-GB")
    page.goto(server.url + "/book/lena-last")
    before = len(meetings_of("gus@example.com"))
    book(page, server.url, schedule="Schedule", heading="Your meeting is scheduled", double=True)
    page.wait_for_timeout(3000)  # the second click has long been handled
    expect(page.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    expect(page.get_by_role("link", name="Manage this meeting")).to_be_visible()
    assert len(meetings_of("gus@example.com")) == before + 1
    page.context.close()


def test_after_booking_the_panel_shows_the_booked_meeting(server, lena, browser: Browser, shot):
    page = guest(browser, "en-US")
    book(page, server.url, schedule="Schedule", heading="Your meeting is scheduled")
    side = page.locator(".kite-side")
    expect(side.get_by_role("group", name="Duration")).to_have_count(0)  # no choices left
    expect(side.get_by_text(re.compile(r"^\d{1,2}:\d\d\s[AP]M–\d{1,2}:\d\d\s[AP]M · 30 min$"))).to_be_visible()
    expect(side.get_by_role("button", name="Time zone")).to_have_count(0)
    shot("booking-confirmation-en-US", page)
    page.context.close()


def test_add_to_calendar_carries_the_link_and_the_agent_in_the_guests_language(server, lena, browser: Browser,
                                                                                shot):
    page = guest(browser, "de-DE")
    book(page, server.url, schedule="Buchen", heading="Ihr Termin ist gebucht")
    shot("booking-confirmation-de-DE", page)
    google = parse_qs(urlsplit(page.get_by_role("link", name="Google Calendar").get_attribute("href") or "").query)
    outlook = parse_qs(urlsplit(page.get_by_role("link", name="Outlook.com").get_attribute("href") or "").query)
    join = LINK.search(page.get_by_role("link", name="Am Meeting teilnehmen").get_attribute("href") or "")
    assert join, "the confirmation shows the meeting's link"
    for details, location, title in ((google["details"][0], google["location"][0], google["text"][0]),
                                     (outlook["body"][0], outlook["location"][0], outlook["subject"][0])):
        assert title == "Termin mit Lena Last", title
        assert location == join[0]
        assert "Am Meeting teilnehmen: " + join[0] in details, details
        assert "Lena Last" in details and "Change or delete" not in details, details
    # the .ics carries the same words
    ics = page.request.get(server.url + (page.get_by_role("link", name=".ics herunterladen").get_attribute("href")
                                         or "")).text()
    unfolded = ics.replace("\r\n ", "")
    assert "Am Meeting teilnehmen: " + join[0] in unfolded.replace("\\n", "\n"), unfolded
    assert "Join the meeting" not in unfolded
    # the tab and the document speak German
    expect(page).to_have_title(re.compile("Termin"))
    assert page.evaluate("document.documentElement.lang") == "de"
    page.context.close()


def test_edit_on_the_manage_page_can_be_cancelled(server, lena, browser: Browser, shot):
    page = guest(browser, "en-GB")
    book(page, server.url, schedule="Schedule", heading="Your meeting is scheduled")
    page.get_by_role("link", name="Manage this meeting").click()
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_role("heading", name="Change your meeting")).to_be_visible()
    page.locator("#manage-subject").fill("Something else")
    shot("manage-edit", page)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="Change your meeting")).to_have_count(0)
    expect(page.get_by_role("heading", name="Meeting with Lena Last")).to_be_visible()  # nothing was saved
    page.get_by_role("button", name="Edit").click()
    expect(page.locator("#manage-subject")).to_have_value("")  # what was typed is gone
    page.context.close()


def test_page_down_and_page_up_keep_focus_on_the_day(server, lena, browser: Browser):
    page = guest(browser, "en-GB")
    page.goto(server.url + "/book/lena-last")
    chosen = page.locator("[data-kite-grid] button[aria-pressed=true]")
    expect(chosen).to_be_visible(timeout=20_000)
    if page.locator("[data-month=next]").is_disabled():
        page.locator("[data-month=previous]").click()  # the window's first month, so that there is a next one
        expect(page.locator("[data-month=next]")).to_be_enabled()
    chosen.focus()
    start = chosen.get_attribute("data-date") or ""
    month = page.locator(".kite-month-label").inner_text()
    page.keyboard.press("PageDown")
    expect(page.locator(".kite-month-label")).not_to_have_text(month)
    focused = page.locator("[data-kite-grid] button:focus")
    expect(focused).to_have_count(1)
    landed = focused.get_attribute("data-date") or ""
    assert landed[:7] != start[:7], (start, landed)
    same = page.locator(f"[data-kite-grid] button[data-date='{landed[:8]}{min(int(start[8:]), 28):02d}']")
    if int(start[8:]) <= 28 and same.is_enabled():
        assert landed[8:] == start[8:], (start, landed)  # the same day number, where it has free times
    expect(focused).to_have_attribute("aria-pressed", "true")  # and chosen, as the arrow keys do
    page.keyboard.press("PageUp")
    expect(page.locator(".kite-month-label")).to_have_text(month)
    expect(page.locator("[data-kite-grid] button:focus")).to_have_count(1)
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.context.close()


def test_the_zone_picker_finds_common_names_and_shows_todays_name_for_a_legacy_one(server, lena, browser: Browser):
    # Chromium reports Kolkata by its legacy name, Asia/Calcutta: the page shows today's
    page = browser.new_context(locale="en-US", timezone_id="Asia/Kolkata").new_page()
    page.goto(server.url + "/book/lena-last")
    zone_button = page.get_by_role("button", name="Time zone")
    expect(zone_button).to_contain_text("Asia/Kolkata", timeout=20_000)
    zone_button.click()
    page.get_by_label("Search time zones").fill("EST")
    options = page.get_by_role("list", name="Time zones").get_by_role("button")
    expect(options.first).to_contain_text("New York")
    page.get_by_label("Search time zones").fill("GMT+1")
    expect(options.first).to_contain_text("UTC+1")
    options.first.click()
    expect(zone_button).to_contain_text("UTC+1")
    page.context.close()
