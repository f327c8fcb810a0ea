"""An agent sets working hours, a day off and busy time; invalid values are refused; the link appears."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from kite_app.domain.accounts import Actor, Role
from kite_app.services import accounts, availability, calendar_settings
from tests.conftest import SCREENSHOTS
from tests.e2e.helpers import log_in
from tests.services.test_built_in_calendar import ICS

PASSWORD = "agent password 1"


def seed():
    now = datetime.now(UTC)
    admin = accounts.create_first_admin(name="Alice Admin", email="alice@example.com", password="admin password 1",
                                        now=now)
    return accounts.create_agent(Actor(user_id=admin["id"], role=Role.ADMIN), name="Dana Agent",
                                 email="dana@example.com", time_zone="Europe/Berlin", password=PASSWORD, now=now)


def test_agent_sets_hours_busy_time_and_publishes_the_link(server, page: Page, shot, tmp_path):
    dana = seed()
    url = server.url
    log_in(page, url, "dana@example.com", PASSWORD)
    page.get_by_role("link", name="Kite settings").click()
    expect(page.get_by_role("tab", name="Calendar Settings")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Monday hours")).to_have_value("09:00-17:00")
    expect(page.get_by_label("Duration options (minutes)")).to_have_value("30")
    shot("calendar-settings-defaults")

    # invalid values: a message next to each field, nothing saved
    page.get_by_label("Duration options (minutes)").fill("10, 30")
    page.get_by_label("Tuesday hours").fill("17:00-09:00")
    page.get_by_label("Thursday hours").fill("09:00-12:00, 11:00-13:00")
    page.get_by_label("Booking window (days ahead)").fill("45")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    # the first wrong field has focus, scrolled into view with its message (the summary stays beside Save)
    expect(page.get_by_label("Duration options (minutes)")).to_be_focused()
    expect(page.get_by_label("Duration options (minutes)")).to_be_in_viewport()
    expect(page.get_by_text("Each duration must be between 15 and 360 minutes (10 is not).")).to_be_in_viewport()
    expect(page.get_by_text("Each duration must be between 15 and 360 minutes (10 is not).")).to_be_visible()
    expect(page.get_by_text("09:00 is not after 17:00: the end must be after the start.")).to_be_visible()
    expect(page.get_by_text("09:00-12:00 and 11:00-13:00 overlap.")).to_be_visible()
    expect(page.get_by_text("Guests can book at most one month ahead (31 days).")).to_be_visible()
    shot("calendar-settings-errors")
    # a corrected field loses its mark at once; the others keep theirs until they are right
    page.get_by_label("Booking window (days ahead)").fill("30")
    expect(page.get_by_text("Guests can book at most one month ahead (31 days).")).to_have_count(0)
    expect(page.get_by_text("09:00-12:00 and 11:00-13:00 overlap.")).to_be_visible()
    page.get_by_label("Booking window (days ahead)").fill("45")  # a new mistake waits for Save
    expect(page.get_by_text("Guests can book at most one month ahead (31 days).")).to_have_count(0)
    expect(page.get_by_text("09:00 is not after 17:00: the end must be after the start.")).to_be_visible()
    assert calendar_settings.published(dana["id"]) is None
    page.reload()
    expect(page.get_by_label("Duration options (minutes)")).to_have_value("30")
    expect(page.get_by_label("Tuesday hours")).to_have_value("09:00-17:00")

    # valid: lunch break on Monday, Wednesday off, 15/30/60-minute meetings
    page.get_by_label("Duration options (minutes)").fill("15, 30, 60")
    page.get_by_label("Monday hours").fill("09:00-12:00, 13:00-17:00")
    page.get_by_role("checkbox", name="Wednesday").click()
    expect(page.get_by_label("Wednesday hours")).to_have_count(0)
    page.get_by_label("Buffer after (minutes)").fill("10")
    page.get_by_role("button", name="Add date override").click()
    page.get_by_label("Override date").fill("2026-12-24")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Calendar settings saved")
    expect(page.get_by_role("status")).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "calendar-settings-after-save.png"))  # the viewport, as the person sees it

    page.reload()
    expect(page.get_by_label("Monday hours")).to_have_value("09:00-12:00, 13:00-17:00")
    expect(page.get_by_role("checkbox", name="Wednesday")).not_to_be_checked()
    expect(page.get_by_label("Duration options (minutes)")).to_have_value("15, 30, 60")
    expect(page.get_by_label("Buffer after (minutes)")).to_have_value("10")
    expect(page.get_by_label("Override date")).to_have_value("2026-12-24")
    shot("calendar-settings-saved")

    # built-in calendar: a busy block by hand and an imported .ics file
    page.get_by_role("tab", name="Built-in calendar").click()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    page.get_by_label("Title", exact=True).fill("Dentist")
    page.get_by_label("Start", exact=True).fill(f"{tomorrow}T10:00")
    page.get_by_label("End", exact=True).fill(f"{tomorrow}T09:00")
    page.get_by_role("button", name="Add busy block").click()
    expect(page.get_by_text("The end must be after the start.")).to_be_visible()
    page.get_by_label("End", exact=True).fill(f"{tomorrow}T11:30")
    page.get_by_role("button", name="Add busy block").click()
    table = page.get_by_role("table", name="Upcoming busy time")
    expect(table.get_by_role("row", name=re.compile("Dentist"))).to_contain_text("10:00")

    ics = tmp_path / "rota.ics"
    ics.write_bytes(ICS)
    page.locator("#ics-upload input[type=file]").set_input_files(str(ics))
    expect(page.get_by_role("status")).to_contain_text("Imported “Team rota”")
    expect(page.get_by_role("button", name="Remove calendar Team rota")).to_be_visible()
    expect(page.locator("#feed-url")).to_contain_text(f"{url}/calendar/")
    shot("built-in-calendar")

    # the feed address serves an .ics file; a new address retires the old one
    old_feed = page.locator("#feed-url").inner_text()
    feed = page.request.get(old_feed)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in feed.body()
    page.get_by_role("button", name="New feed address").click()
    expect(page.get_by_text("This is your new feed address. The old one no longer works.")).to_be_visible()
    expect(page.locator("#feed-url")).not_to_have_text(old_feed)
    shot("built-in-calendar-new-feed")
    assert page.request.get(page.locator("#feed-url").inner_text()).status == 200
    assert page.request.get(old_feed).status == 404

    # the busy block and the lunch break are not offered to guests
    now = datetime.now(UTC)
    slots = availability.slots_for(dana["slug"], start=now, end=now + timedelta(days=8), duration=30,
                                   guest_zone="Europe/Berlin", now=now)
    assert slots and any(datetime.fromisoformat(s["date"]).weekday() == 0 for s in slots), "no time offered"
    assert not any(s["date"] == tomorrow and "10:00" <= s["time"] < "11:30" for s in slots)
    assert not any(s["time"] in ("12:00", "12:30") for s in slots if datetime.fromisoformat(s["date"]).weekday() == 0)
    assert not any(datetime.fromisoformat(s["date"]).weekday() in (2, 5, 6) for s in slots)

    # the profile now shows the booking link
    page.get_by_role("link", name="Profile").click()
    expect(page.locator("#booking-link")).to_have_text(f"{url}/book/dana-agent")
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    shot("profile-with-link")
