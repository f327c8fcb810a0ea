"""Meeting links in the browser: the admin allows a template, the agent chooses it, the guest sees Join on
the confirmation and manage pages, and the same link arrives by mail (and in the .ics) before and after a
reschedule."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import day_with_times, log_in
from tests.seed import ADMIN_PASSWORD, AGENT_PASSWORD, open_agent
from tests.servers.smtp import SmtpServer, ics_of, text_of

SMTP = SmtpServer()
SERVER_ENV = {"KITE_SMTP_HOST": "127.0.0.1", "KITE_SMTP_PORT": str(SMTP.port), "KITE_SMTP_SECURITY": "none",
              "KITE_MAIL_FROM": "kite@example.com", "KITE_DISPATCH_SECONDS": "1"}
LINK = re.compile(r"https://meet\.example\.com/kite-[a-z2-9]{16}")


@pytest.fixture(scope="module")
def smtp():
    SMTP.start()
    yield SMTP
    SMTP.stop()


def mails(smtp, address: str, count: int, timeout: float = 30) -> list:
    deadline = time.monotonic() + timeout
    while len(smtp.to(address)) < count:
        assert time.monotonic() < deadline, f"{address} got {len(smtp.to(address))} mails, not {count}"
        time.sleep(0.3)
    return smtp.to(address)


def test_a_template_link_from_booking_to_reschedule(server, smtp, page: Page, browser: Browser, shot):
    open_agent("Lia Link", "lia@example.com", hours="00:00-24:00", min_notice="60")
    # the admin offers a new room per meeting; a bad template is refused first
    log_in(page, server.url, "admin@example.com", ADMIN_PASSWORD)
    page.get_by_role("link", name="Integrations").click()
    page.get_by_label("Meeting link template").fill("meet.example.com/{room}")
    page.get_by_role("button", name="Save meeting links").click()
    expect(page.get_by_text("Unknown placeholder {room}: the template may only use {id}.")).to_be_visible()
    page.get_by_label("Meeting link template").fill("https://meet.example.com/kite-{id}")
    page.get_by_role("button", name="Save meeting links").click()
    expect(page.get_by_role("status")).to_have_text("Meeting links saved.")
    shot("integrations-meeting-links", page)
    page.get_by_role("button", name="Log out").click()

    # the agent chooses it
    log_in(page, server.url, "lia@example.com", AGENT_PASSWORD)
    page.get_by_role("link", name="Kite settings").click()
    page.get_by_label("Meeting link").select_option(label="A new video room for each meeting")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Calendar settings saved.")

    # the guest books and sees where the meeting is
    guest = browser.new_context(locale="en-GB", timezone_id="Europe/Rome").new_page()
    guest.goto(server.url + "/book/lia-link")
    guest.get_by_role("group", name="Time").get_by_role("button").first.click(timeout=20_000)
    guest.get_by_label("Your name").fill("Gia Guest")
    guest.get_by_label("Email").fill("gia@example.com")
    guest.get_by_role("button", name="Schedule", exact=True).click()
    expect(guest.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    join = guest.get_by_role("link", name="Join the meeting")
    link = join.get_attribute("href") or ""
    assert LINK.fullmatch(link), link
    shot("confirmation-join", guest)
    guest.get_by_role("link", name="Manage this meeting").click()
    expect(guest.get_by_role("link", name="Join the meeting")).to_have_attribute("href", link)

    booked = mails(smtp, "gia@example.com", 1)[0]
    assert link in text_of(booked)
    event = ics_of(booked).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == link and str(event["CONFERENCE"]) == link

    # the agent sees Join on the card and reschedules; the link stays
    page.get_by_role("link", name="Meetings").click()
    card = page.locator(".rt-Card").filter(has_text="Gia Guest")
    expect(card.get_by_role("link", name="Join")).to_have_attribute("href", link)
    shot("meetings-join", page)
    card.get_by_role("button", name=re.compile("^Reschedule ")).click()
    dialog = page.get_by_role("dialog", name="Reschedule")
    day_with_times(dialog, 5).nth(4).click()
    dialog.get_by_role("button", name="Move meeting").click()
    expect(page.get_by_role("status")).to_have_text("Meeting rescheduled.")
    changed = mails(smtp, "gia@example.com", 2)[-1]
    assert "Meeting rescheduled" in text_of(changed) and link in text_of(changed)
    assert str(ics_of(changed).walk("VEVENT")[0]["LOCATION"]) == link
    guest.reload()
    expect(guest.get_by_role("link", name="Join the meeting")).to_have_attribute("href", link)
