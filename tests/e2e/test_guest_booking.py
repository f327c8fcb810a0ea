"""A guest in another time zone books, changes and deletes a meeting; a second browser never sees a taken slot."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.seed import open_agent

GUEST_TZ = "America/New_York"


def publish_agent() -> dict:
    return open_agent("Erin Expert", "erin@example.com", time_zone="Europe/Berlin", min_notice="120")


def times(page: Page) -> list[str]:
    return page.get_by_role("group", name="Time").get_by_role("button").all_inner_texts()


def open_form(page: Page, url: str) -> None:
    page.goto(url + "/book/erin-expert")
    page.get_by_role("button", name="Schedule a meeting").click()
    expect(page.get_by_label("Time zone")).to_have_value(GUEST_TZ)
    expect(page.get_by_role("group", name="Time").get_by_role("button").first).to_be_visible()


def test_guest_books_moves_and_deletes_in_their_own_zone(server, browser: Browser, shot):
    publish_agent()
    url = server.url
    ctx = browser.new_context(timezone_id=GUEST_TZ)
    page = ctx.new_page()
    page.goto(url + "/book/erin-expert")
    expect(page.get_by_role("heading", name="Meet Erin Expert")).to_be_visible()
    expect(page.get_by_role("button", name="My meetings")).to_be_visible()
    shot("booking-intro", page)
    open_form(page, url)
    expect(page.get_by_label("Duration")).to_have_value("30")
    # Berlin 09:00-17:00 is 03:00-11:00 in New York
    first_times = times(page)
    assert all("03:00" <= t[:5] <= "10:30" for t in first_times), first_times
    chosen = first_times[0]
    day_label = page.get_by_role("group", name="Day").locator("button[aria-pressed=true]").get_attribute("aria-label")

    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("Choose a time.")).to_be_visible()
    page.get_by_role("group", name="Time").get_by_role("button", name=chosen, exact=True).click()
    page.get_by_label("Subject").fill("<b>Demo</b> & <script>alert(1)</script>")
    page.get_by_label("Your name").fill("Gus Guest")
    page.get_by_label("Email").fill("gus")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("Enter a valid email address, like name@example.com.")).to_be_visible()
    page.get_by_label("Email").fill("gus@example.com")
    shot("booking-form", page)
    page.get_by_role("button", name="Schedule").click()

    expect(page.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    expect(page.get_by_text(day_label)).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^{chosen}–\d\d:\d\d \({GUEST_TZ}\)$"))).to_be_visible()
    expect(page.get_by_text("Subject: <b>Demo</b> & <script>alert(1)</script>")).to_be_visible()
    shot("booking-confirmation", page)

    # a second browser does not see the slot just taken
    other = browser.new_context(timezone_id=GUEST_TZ).new_page()
    open_form(other, url)
    other.get_by_role("button", name=day_label).click()
    expect(other.get_by_role("group", name="Time").get_by_role("button", name=chosen, exact=True)).to_have_count(0)

    # "My meetings" -> edit -> move to another slot
    page.get_by_role("button", name="My meetings").click()
    expect(page.get_by_role("heading", name="My meetings")).to_be_visible()
    expect(page.get_by_text(day_label)).to_be_visible()
    shot("my-meetings", page)
    page.get_by_role("button", name=f"Edit meeting on {day_label}").click()
    expect(page.get_by_role("heading", name="Your meeting")).to_be_visible()
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_role("group", name="Time").get_by_role("button", name=chosen, exact=True)).to_have_attribute(
        "aria-pressed", "true")  # the meeting's own time is offered and selected
    new_time = [t for t in times(page) if t != chosen][2]
    page.get_by_role("group", name="Time").get_by_role("button", name=new_time, exact=True).click()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Your meeting was changed.")
    expect(page.get_by_text(re.compile(rf"^{new_time}–"))).to_be_visible()
    shot("manage-changed", page)

    # the old time is free again, the new one is taken
    open_form(other, url)
    other.get_by_role("button", name=day_label).click()
    expect(other.get_by_role("group", name="Time").get_by_role("button", name=chosen, exact=True)).to_be_visible()
    expect(other.get_by_role("group", name="Time").get_by_role("button", name=new_time, exact=True)).to_have_count(0)

    # delete from "My meetings"; the freed slot is offered again
    page.goto(url + "/book/erin-expert")
    page.get_by_role("button", name="My meetings").click()
    page.get_by_role("button", name=re.compile(f"^Delete meeting on {day_label}")).click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the meeting")
    expect(page.get_by_text("No upcoming meetings with Erin Expert on this browser.")).to_be_visible()
    open_form(other, url)
    other.get_by_role("button", name=day_label).click()
    expect(other.get_by_role("group", name="Time").get_by_role("button", name=new_time, exact=True)).to_be_visible()
    ctx.close()
