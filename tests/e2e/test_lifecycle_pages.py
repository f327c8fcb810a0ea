"""The agent's and the guest's pages after a booking, as a person uses them: the Meetings page is
live, messages belong to the action that caused them, a subject change reaches the agent, a longer
duration into busy time keeps the old one, long names stay in their column, and a meeting's event in
the built-in calendar cannot be removed there."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Page, expect

from kite_app.services import availability, booking
from kite_app.services.booking import BookingRequest
from tests.e2e.helpers import log_in
from tests.seed import AGENT_PASSWORD, open_agent

LONG_NAME = "Maximilian" + "x" * 90


def _book(slug: str, start: str, name: str, email: str, subject: str = "") -> dict:
    return booking.book(BookingRequest(slug=slug, start=datetime.fromisoformat(start), duration=30, guest_name=name,
                                       guest_email=email, guest_time_zone="Europe/Berlin", subject=subject),
                        now=datetime.now(UTC))


def _free(slug: str) -> list[str]:
    now = datetime.now(UTC)
    start = now + timedelta(days=2)
    return [s["start"] for s in availability.slots_for(slug, start=start, end=start + timedelta(days=2), duration=30,
                                                       guest_zone="UTC", now=now)]


def test_agent_and_guest_pages_after_a_booking(server, browser: Browser, page: Page, shot):
    agent = open_agent("Lena Live", "lena@example.com", hours="00:00-24:00", buffer_after="0")
    slots = _free(agent["slug"])
    log_in(page, server.url, "lena@example.com", AGENT_PASSWORD)
    page.get_by_role("link", name="Meetings").click()
    expect(page.get_by_text("No upcoming meetings.")).to_be_visible()

    # a booking appears on the open Meetings page without a reload
    first = _book(agent["slug"], slots[0], "Gus Guest", "gus@example.com", subject="Pricing")
    expect(page.get_by_text("Gus Guest · gus@example.com")).to_be_visible(timeout=10000)
    _book(agent["slug"], slots[2], LONG_NAME, "long@example.com")  # 60 minutes after the first
    expect(page.get_by_text(LONG_NAME + " · long@example.com")).to_be_visible(timeout=10000)

    # a longer duration into the next meeting: said so, and the card keeps 30 minutes
    card = page.get_by_text("Gus Guest · gus@example.com").locator("xpath=ancestor::div[contains(@class,'rt-Card')]")
    card.get_by_role("button", name=re.compile("^Change duration of ")).click()
    dialog = page.get_by_role("dialog", name="Change duration")
    expect(dialog.get_by_label("Duration")).to_have_value("30")
    dialog.get_by_label("Duration").select_option("90")
    shot("meetings-duration-dialog", page)
    dialog.get_by_role("button", name="Save duration").click()
    expect(page.get_by_role("alert").first).to_contain_text("A 90-minute meeting would overlap busy time")
    expect(page.get_by_role("alert").first).to_contain_text("keeps its 30 minutes")
    expect(dialog).to_have_count(0)
    shot("meetings-duration-conflict", page)

    # the guest changes only the subject: the agent hears of it
    guest = browser.new_context(timezone_id="Europe/Berlin").new_page()
    guest.goto(f"{server.url}/manage/{first['manage_token']}")
    guest.get_by_role("button", name="Send").click()
    expect(guest.get_by_text("Write a message first.")).to_be_visible()
    guest.get_by_role("button", name="Edit").click()
    expect(guest.get_by_text("Write a message first.")).to_have_count(0)  # it belonged to Send
    guest.get_by_label("Subject").fill("Pricing for 40 seats")
    guest.get_by_role("button", name="Save changes").click()
    expect(guest.get_by_role("status")).to_have_text("Your meeting was changed.")
    expect(guest.get_by_role("log", name="Messages")).to_contain_text(
        "Subject changed from “Pricing” to “Pricing for 40 seats” by the guest")
    guest.get_by_role("button", name="Edit").click()
    guest.get_by_role("button", name="Save changes").click()
    expect(guest.get_by_role("status")).to_have_text("Nothing changed.")

    page.get_by_role("link", name="Inbox").click()
    page.get_by_role("button", name="Conversation with Gus Guest").click()
    expect(page.get_by_role("log", name="Messages")).to_contain_text("Subject changed from “Pricing”")

    # the agent's own actions leave no unread count behind
    page.get_by_role("button", name=re.compile("^Confirm ")).click()
    expect(page.get_by_role("status")).to_have_text("Meeting confirmed.")
    page.get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name="Inbox").click()
    gus = page.get_by_role("button", name="Conversation with Gus Guest")
    expect(gus).to_be_visible()
    expect(gus).not_to_contain_text("unread")
    expect(gus).to_contain_text("gus@example.com")  # two guests with one name are told apart

    # a long unbroken name is cut with an ellipsis inside the conversation list
    page.set_viewport_size({"width": 1100, "height": 800})
    item = page.get_by_role("button", name="Conversation with " + LONG_NAME)
    pane = page.get_by_role("log", name="Messages")
    expect(item).to_be_visible()
    assert item.bounding_box()["x"] + item.bounding_box()["width"] <= pane.bounding_box()["x"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot("inbox-long-name", page)

    # the meeting's event in the built-in calendar is read-only there
    page.get_by_role("link", name="Kite settings").click()
    page.get_by_role("tab", name="Built-in calendar").click()
    row = page.get_by_role("row").filter(has_text="Pricing for 40 seats")
    expect(row.get_by_text("Confirmed meeting")).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    expect(row.get_by_role("link", name=re.compile("in Meetings$"))).to_have_attribute("href", "/meetings")
    shot("built-in-calendar-meetings", page)
