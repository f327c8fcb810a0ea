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
    agent = open_agent("Lena Live", "lena@example.com", hours="00:00-24:00", buffer_after="0", durations="30, 60, 90")
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
    # the agent's own options (and the meeting's), not a list of its own
    assert dialog.get_by_label("Duration").locator("option").all_inner_texts() == ["30 min", "60 min", "90 min"]
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


def test_meetings_filters_search_reschedule_and_delete_with_a_reason(server, page: Page, shot):
    from sqlmodel import select

    from kite_app.persistence.db import transaction
    from kite_app.persistence.models import OutboxMail

    agent = open_agent("Paula Plan", "paula@example.com", hours="00:00-24:00", buffer_after="0")
    slug = agent["slug"]
    then = datetime.now(UTC) - timedelta(days=3)  # booked three days ago for the next day: past now
    booking.book(BookingRequest(slug=slug, start=(then + timedelta(days=1)).replace(minute=0, second=0, microsecond=0),
                                duration=30, guest_name="Olga Old", guest_email="olga@example.com",
                                guest_time_zone="UTC"), now=then)
    slots = _free(slug)
    _book(slug, slots[0], "Gus Guest", "gus@example.com")
    _book(slug, slots[6], "Hana Hill", "hana@example.com")
    log_in(page, server.url, "paula@example.com", AGENT_PASSWORD)
    page.get_by_role("link", name="Meetings").click()
    show = page.get_by_role("group", name="Show")
    cards = page.locator(".rt-Card")
    expect(cards.filter(has_text="Hana Hill")).to_be_visible()
    expect(cards.filter(has_text="Olga Old")).to_have_count(0)

    show.get_by_role("button", name="Past").click()
    expect(cards.filter(has_text="Olga Old")).to_be_visible()
    expect(cards.filter(has_text="Gus Guest")).to_have_count(0)
    expect(cards.filter(has_text="Olga Old").get_by_role("button")).to_have_count(0)  # nothing to do any more

    show.get_by_role("button", name="Pending").click()
    expect(show.get_by_role("button", name="Pending")).to_have_attribute("aria-pressed", "true")
    hana = cards.filter(has_text="Hana Hill")
    hana.get_by_role("button", name=re.compile("^Confirm ")).click()
    expect(page.get_by_role("status")).to_have_text("Meeting confirmed.")
    expect(hana).to_have_count(0)  # no longer pending
    expect(cards.filter(has_text="Gus Guest")).to_be_visible()

    show.get_by_role("button", name="Upcoming").click()
    page.get_by_label("Search by guest").fill("HANA@")
    expect(hana).to_be_visible()
    expect(cards.filter(has_text="Gus Guest")).to_have_count(0)
    page.get_by_label("Search by guest").fill("100%_x")
    expect(page.get_by_text("No upcoming meetings with a guest matching “100%_x”.")).to_be_visible()
    page.get_by_label("Search by guest").fill("")
    expect(cards.filter(has_text="Gus Guest")).to_be_visible()
    shot("meetings-filters", page)

    # the reschedule dialog opens on the meeting's own day with its time chosen
    hana.get_by_role("button", name=re.compile("^Reschedule ")).click()
    dialog = page.get_by_role("dialog", name="Reschedule")
    day = dialog.locator("[data-kite-grid] button[aria-pressed=true]")
    expect(day).to_have_attribute("data-date", slots[6][:10])
    expect(dialog.get_by_role("group", name="Time").locator("button[aria-pressed=true]")).to_have_text(slots[6][11:16])
    shot("reschedule-dialog", page)
    dialog.get_by_role("button", name="Cancel").click()

    # deleting asks first; the reason reaches the guest
    cards.filter(has_text="Gus Guest").get_by_role("button", name=re.compile("^Delete ")).click()
    confirm = page.get_by_role("alertdialog", name="Delete this meeting?")
    confirm.get_by_label("Reason (optional)").fill("I am ill that day, sorry.")
    confirm.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_role("status")).to_have_text("Meeting deleted.")
    expect(cards.filter(has_text="Gus Guest")).to_have_count(0)
    with transaction() as s:
        mail = s.exec(select(OutboxMail).where(OutboxMail.to_email == "gus@example.com",
                                               OutboxMail.kind == "deleted")).one()
    assert "Reason: “I am ill that day, sorry.”" in mail.body_text
