"""A guest in another time zone books, changes and deletes a meeting; a second browser never sees a taken slot."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from kite_app.persistence.db import transaction
from kite_app.persistence.models import Message, OutboxMail
from tests.e2e.helpers import day_with_times
from tests.seed import open_agent

GUEST_TZ = "America/New_York"


def publish_agent() -> dict:
    return open_agent("Erin Expert", "erin@example.com", time_zone="Europe/Berlin", min_notice="120")


@pytest.fixture(scope="module")
def erin(server) -> dict:
    return publish_agent()


def time_buttons(page: Page):
    return page.get_by_role("group", name="Time").get_by_role("button")


def times(page: Page) -> list[str]:
    return [" ".join(t.split()) for t in time_buttons(page).all_inner_texts()]


def chosen_day(page: Page) -> str:
    """The label of the day chosen in the month calendar ("Thursday, 26 November 2026")."""
    label = page.locator("[data-kite-grid] button[aria-pressed=true]").get_attribute("aria-label") or ""
    return label.removesuffix(", free times")


def choose_day(page: Page, label: str) -> None:
    """Chooses the day labelled `label` in the month calendar, in the next month when it is not shown (the
    page opens on the first free day, which may be in the month before)."""
    day = page.get_by_role("button", name=re.compile("^" + label))
    if day.count() == 0:
        page.get_by_role("button", name="Next month").click()
    day.click()


def open_page(page: Page, url: str, slug: str = "erin-expert", zone: str = GUEST_TZ) -> None:
    """The booking page shows free times at once, in the browser's time zone."""
    page.goto(f"{url}/book/{slug}")
    expect(time_buttons(page).first).to_be_visible(timeout=20_000)  # the first page of a new server waits longer
    expect(page.get_by_role("button", name="Time zone")).to_contain_text(zone)


def guest_context(browser: Browser, locale: str = "en-GB", width: int = 1280):
    return browser.new_context(timezone_id=GUEST_TZ, locale=locale, viewport={"width": width, "height": 900})


def test_guest_books_moves_and_deletes_in_their_own_zone(server, erin, browser: Browser, shot):
    url = server.url
    ctx = guest_context(browser)
    page = ctx.new_page()
    open_page(page, url)
    expect(page.get_by_role("heading", name="Erin Expert", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Schedule a meeting")).to_be_visible()
    expect(page.get_by_role("button", name="My meetings")).to_be_visible()
    shot("booking-page", page)
    # Berlin 09:00-17:00 is 03:00-11:00 in New York (04:00-12:00 in the weeks when only one of them keeps
    # summer time); en-GB reads a 24-hour clock
    day_with_times(page, 4)  # the meeting moves to another time of its day below
    first_times = times(page)
    day = date.fromisoformat(page.locator("[data-kite-grid] button[aria-pressed=true]").get_attribute("data-date"))
    first, last = (datetime.combine(day, at, ZoneInfo("Europe/Berlin")).astimezone(ZoneInfo(GUEST_TZ))
                   .strftime("%H:%M") for at in (time(9), time(16, 30)))
    assert all(re.fullmatch(r"\d\d:\d\d", t) and first <= t <= last for t in first_times), (first_times, first)
    chosen, day_label = first_times[0], chosen_day(page)

    time_buttons(page).get_by_text(chosen, exact=True).click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    expect(page.get_by_text(day_label)).to_be_visible()
    page.get_by_label("Subject").fill("<b>Demo</b> & <script>alert(1)</script>")
    page.get_by_label("Your name").fill("Gus Guest")
    page.get_by_label("Email").fill("gus")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_text("Enter a valid email address, like name@example.com.")).to_be_visible()
    page.get_by_label("Email").fill("gus@example.com")
    shot("booking-details", page)
    page.get_by_role("button", name="Schedule", exact=True).click()

    expect(page.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    expect(page.locator(".kite-done").get_by_text(day_label)).to_be_visible()
    expect(page.locator(".kite-side").get_by_text(day_label)).to_be_visible()  # the panel shows the booked meeting
    expect(page.get_by_text(re.compile(rf"^{chosen}–\d\d:\d\d \({GUEST_TZ}\)$"))).to_be_visible()
    expect(page.get_by_text("Subject: <b>Demo</b> & <script>alert(1)</script>")).to_be_visible()
    expect(page.get_by_text("We sent a confirmation to gus@example.com.", exact=False)).to_be_visible()
    shot("booking-confirmation", page)

    # "Add to calendar": Google and Outlook.com get the meeting in UTC; the .ics file has the same times
    google = page.get_by_role("link", name="Google Calendar").get_attribute("href") or ""
    outlook = page.get_by_role("link", name="Outlook.com").get_attribute("href") or ""
    ics = page.request.get(url + (page.get_by_role("link", name="Download .ics").get_attribute("href") or ""))
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar"), ics.status
    body = ics.text()
    start = re.search(r"DTSTART:(\d{8}T\d{6}Z)", body)[1]
    local = datetime.strptime(start, "%Y%m%dT%H%M%SZ").replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(GUEST_TZ))
    assert f"{local:%H:%M}" == chosen, (start, chosen)
    assert "METHOD:PUBLISH" in body and "SUMMARY:<b>Demo</b> & <script>alert(1)</script>" in body
    assert google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert f"dates={start}" in google
    start_iso = f"{start[:4]}-{start[4:6]}-{start[6:8]}T{start[9:11]}%3A{start[11:13]}%3A{start[13:15]}Z"
    assert outlook.startswith("https://outlook.live.com/calendar/") and f"startdt={start_iso}" in outlook

    # a second browser does not see the slot just taken
    other = guest_context(browser).new_page()
    open_page(other, url)
    choose_day(other, day_label)
    expect(time_buttons(other).get_by_text(chosen, exact=True)).to_have_count(0)

    # "My meetings" -> edit -> move to another slot
    page.get_by_role("button", name="My meetings").click()
    expect(page.get_by_role("heading", name="My meetings")).to_be_visible()
    expect(page.get_by_text(day_label)).to_be_visible()
    shot("my-meetings", page)
    page.get_by_role("button", name=f"Edit meeting on {day_label}").click()
    expect(page.get_by_role("heading", name="Your meeting")).to_be_visible()
    page.get_by_role("button", name="Edit").click()
    expect(time_buttons(page).get_by_text(chosen, exact=True)).to_have_attribute(
        "aria-pressed", "true")  # the meeting's own time is offered and selected
    new_time = [t for t in times(page) if t != chosen][2]
    time_buttons(page).get_by_text(new_time, exact=True).click()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Your meeting was changed.")
    expect(page.get_by_text(re.compile(rf"^{new_time}–"))).to_be_visible()
    shot("manage-changed", page)

    # the old time is free again, the new one is taken
    open_page(other, url)
    choose_day(other, day_label)
    expect(time_buttons(other).get_by_text(chosen, exact=True)).to_be_visible()
    expect(time_buttons(other).get_by_text(new_time, exact=True)).to_have_count(0)

    # delete from "My meetings", after confirming, with a reason the agent reads
    page.goto(url + "/book/erin-expert")
    page.get_by_role("button", name="My meetings").click()
    page.get_by_role("button", name=re.compile(f"^Delete meeting on {day_label}")).click()
    dialog = page.get_by_role("alertdialog", name="Delete this meeting?")
    dialog.get_by_label("Reason (optional)").fill("Something came up at work.")
    shot("delete-dialog", page)
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text(day_label)).to_be_visible()  # nothing deleted yet
    page.get_by_role("button", name=re.compile(f"^Delete meeting on {day_label}")).click()
    dialog.get_by_label("Reason (optional)").fill("Something came up at work.")
    dialog.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted the meeting")
    expect(page.get_by_text("No upcoming meetings with Erin Expert on this browser.")).to_be_visible()
    with transaction() as s:
        mail = s.exec(select(OutboxMail).where(OutboxMail.to_email == "erin@example.com", OutboxMail.kind == "deleted")
                      ).one()
        notice = s.exec(select(Message).where(Message.notice.is_not(None)).order_by(Message.id.desc())).first()
    assert "Reason: “Something came up at work.”" in mail.body_text
    assert notice.notice["reason"] == "Something came up at work."
    open_page(other, url)
    choose_day(other, day_label)
    expect(time_buttons(other).get_by_text(new_time, exact=True)).to_be_visible()
    ctx.close()


def test_us_guest_reads_a_12_hour_clock_and_picks_another_zone(server, erin, browser: Browser, shot):
    """en-US: AM/PM times, weeks from Sunday; the time zone is searched by city and the times follow it."""
    url = server.url
    page = guest_context(browser, locale="en-US").new_page()
    open_page(page, url)
    assert all(re.fullmatch(r"\d{1,2}:\d\d [AP]M", t) for t in times(page)), times(page)
    headers = page.locator("[data-kite-grid] th").all_inner_texts()
    assert headers[:2] == ["Sun", "Mon"], headers
    assert re.fullmatch(r"[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4}", chosen_day(page)), chosen_day(page)
    first_ny = times(page)[0]

    page.get_by_role("button", name="Time zone").click()
    page.get_by_label("Search time zones").fill("tokyo")
    option = page.get_by_role("button", name=re.compile(r"^Tokyo, Japan \(Asia\/Tokyo\), UTC\+9, now "))
    expect(option).to_be_visible()
    shot("time-zone-search", page)
    option.click()
    expect(page.get_by_role("button", name="Time zone")).to_contain_text("Asia/Tokyo")
    expect(time_buttons(page).first).not_to_have_text(first_ny)  # 14 hours later there
    tokyo = times(page)
    assert all(re.fullmatch(r"\d{1,2}:\d\d [AP]M", t) for t in tokyo), tokyo
    # Berlin 09:00-17:00 is 17:00-01:00 in Tokyo
    assert any(t.endswith("PM") for t in tokyo)

    # the keyboard moves through the month: arrows go to the next day with free times
    day = page.locator("[data-kite-grid] button[aria-pressed=true]")
    before = day.get_attribute("data-date")
    day.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("[data-kite-grid] button[aria-pressed=true]")).not_to_have_attribute("data-date", before)
    focused = page.evaluate("document.activeElement.getAttribute('data-date')")
    assert focused and focused > before
    expect(page.locator("[data-kite-grid] button[aria-pressed=true]")).to_have_attribute("data-date", focused)


def test_small_screen_stacks_the_same_flow_without_sideways_scrolling(server, erin, browser: Browser, shot):
    page = guest_context(browser, width=375).new_page()
    open_page(page, server.url)
    shot("booking-page-375", page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    time_buttons(page).first.click()
    page.get_by_label("Your name").fill("Sam Small")
    page.get_by_label("Email").fill("sam@example.com")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    shot("booking-confirmation-375", page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
