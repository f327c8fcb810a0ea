"""One-time links and held times in Chromium (production build): an agent makes a one-time link on Profile (a double
click makes one), a guest books through it, a second browser finds it used and is offered the public page; on the
public page the time one guest chose disappears for a second guest, comes back when the first goes back to the
times, and comes back by itself when the hold expires (KITE_HOLD_MINUTES is 0.1 here: six seconds)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import day_with_times, log_in
from tests.seed import AGENT_PASSWORD, admin_actor, open_agent

SERVER_ENV = {"KITE_HOLD_MINUTES": "0.1"}


def guest_page(browser: Browser) -> Page:
    return browser.new_context(locale="en-GB", timezone_id="UTC").new_page()


def test_a_one_time_link_books_once(server, page: Page, browser: Browser, shot):
    admin_actor()
    open_agent("Olga Once", "olga@example.com", hours="00:00-24:00")
    log_in(page, server.url, "olga@example.com", AGENT_PASSWORD)
    expect(page.get_by_role("heading", name="One-time links")).to_be_visible()
    page.get_by_label("Duration in minutes (optional)").fill("5")
    page.get_by_role("button", name="Create one-time link").click()
    expect(page.locator("#link-duration-error")).to_have_text("Give a duration from 15 to 360 minutes.")
    page.get_by_label("Duration in minutes (optional)").fill("")
    page.get_by_role("button", name="Create one-time link").dblclick()  # one link, not two
    box = page.get_by_role("textbox", name="Your new one-time link")
    expect(box).to_be_visible()
    url = box.input_value()
    assert re.fullmatch(re.escape(server.url) + r"/once/[A-Za-z0-9_-]{32}", url), url
    expect(page.get_by_role("table", name="One-time links").get_by_role("row")).to_have_count(2)  # header + one
    shot("one-time-link-created")
    page.get_by_role("button", name="Done").click()
    expect(box).to_have_count(0)

    first = guest_page(browser)
    first.goto(url)
    expect(first.get_by_role("heading", name="Olga Once")).to_be_visible()
    expect(first.get_by_role("button", name="My meetings")).to_have_count(0)
    day_with_times(first, 1).first.click()
    first.get_by_label("Your name").fill("Gus Guest")
    first.get_by_label("Email").fill("gus@example.com")
    first.get_by_role("button", name="Schedule", exact=True).click()
    expect(first.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()

    second = guest_page(browser)
    second.goto(url)
    expect(second.get_by_role("alert")).to_contain_text("This one-time link has been used already.")
    shot("one-time-link-used", second)
    second.get_by_role("link", name="Book on the public booking page instead").click()
    expect(second.get_by_role("heading", name="Olga Once")).to_be_visible()
    assert second.url.endswith("/book/olga-once")
    page.reload()
    expect(page.get_by_role("table", name="One-time links")).to_contain_text("Used")
    first.context.close()
    second.context.close()


def test_the_time_a_guest_chose_is_held_for_them(server, browser: Browser):
    admin_actor()
    open_agent("Hana Hold", "hana@example.com", hours="00:00-24:00")
    first, second = guest_page(browser), guest_page(browser)
    first.goto(server.url + "/book/hana-hold")
    times = day_with_times(first, 3)
    chosen = times.nth(1)
    label = chosen.inner_text()
    day = first.locator("[data-kite-grid] button[aria-pressed=true]").get_attribute("data-date")
    chosen.click()
    expect(first.get_by_role("heading", name="Your details")).to_be_visible()

    def offered() -> list[str]:
        second.goto(server.url + "/book/hana-hold")
        group = second.get_by_role("group", name="Time")
        expect(group.get_by_role("button").first).to_be_visible(timeout=20_000)
        second.locator(f"[data-kite-grid] button[data-date='{day}']").click()
        expect(second.locator(f"[data-kite-grid] button[data-date='{day}']")).to_have_attribute("aria-pressed",
                                                                                                 "true")
        return group.get_by_role("button").all_inner_texts()

    assert label not in offered()  # held for the first guest
    first.get_by_role("button", name="Back").click()  # they go back to the times: released
    expect(first.get_by_role("group", name="Time")).to_be_visible()
    assert label in offered()
    first.get_by_role("group", name="Time").get_by_role("button", name=label, exact=True).click()
    expect(first.get_by_role("heading", name="Your details")).to_be_visible()
    assert label not in offered()
    second.wait_for_timeout(7000)  # the hold (six seconds here) runs out
    assert label in offered()
    first.context.close()
    second.context.close()
