"""The embeddable widget books a meeting from a third-party page served on another local port."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting
from tests.e2e.helpers import another_site
from tests.e2e.test_guest_booking import publish_agent
from tests.e2e.test_guest_login import last_code


@pytest.fixture(scope="module")
def agent(server) -> dict:
    """Erin, whom the site's snippet books."""
    return publish_agent()


@pytest.fixture
def third_party_site(server, agent, tmp_path):
    """A company website on its own port, with the snippet the agent copies from their profile."""
    with another_site(tmp_path, "<h1>Acme Support</h1><p>Talk to our team.</p><a href='#help'>Help</a>"
                      f'<script src="{server.url}/widget.js" data-agent="erin-expert" async></script>',
                      title="Acme Support") as url:
        yield url


def open_widget(page: Page):
    page.get_by_role("button", name="Schedule a meeting").click()
    frame = page.frame_locator("iframe[title='Schedule a meeting']")
    expect(frame.get_by_role("heading", name="Erin Expert", level=1)).to_be_visible(timeout=30_000)
    expect(frame.get_by_role("group", name="Time").get_by_role("button").first).to_be_visible()
    return frame


def test_widget_books_from_another_site(server, third_party_site, page: Page, shot):
    page.goto(third_party_site)
    frame = open_widget(page)
    dialog = page.get_by_role("dialog", name="Schedule a meeting")
    expect(dialog).to_be_visible()
    frame.get_by_role("group", name="Time").get_by_role("button").first.click()
    frame.get_by_label("Your name").fill("Wendy Widget")
    frame.get_by_label("Email").fill("wendy@example.com")
    shot("widget-open")
    frame.get_by_role("button", name="Schedule", exact=True).click()
    expect(frame.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    page.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", name="Acme Support")).to_be_visible()


def test_escape_and_tab_stay_with_the_overlay_and_focus_returns(server, third_party_site, page: Page):
    page.goto(third_party_site)
    opener = page.get_by_role("button", name="Schedule a meeting")
    frame = open_widget(page)
    dialog = page.get_by_role("dialog", name="Schedule a meeting")

    # Tab from the close button goes into the booking page, Shift+Tab from it to the page's last control,
    # never to the site behind the overlay
    expect(page.get_by_role("button", name="Close")).to_be_focused()
    # (Focus enters the cross-origin frame asynchronously: wait for it to settle, inside the overlay.)
    for _ in range(40):
        page.keyboard.press("Tab")
        page.wait_for_function("document.activeElement.closest('[data-kite-widget=overlay]') !== null",
                               polling=50, timeout=3000)
    page.get_by_role("button", name="Close").focus()
    page.keyboard.press("Shift+Tab")
    expect(frame.get_by_role("button", name="My meetings")).not_to_be_focused()
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"

    # Escape inside the booking page (focus in the frame) closes the overlay; focus is back on the button
    frame.get_by_role("button", name="My meetings").focus()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()

    # Escape inside the booking page's own dialog closes that dialog only
    frame = open_widget(page)
    frame.get_by_role("button", name="Time zone").click()
    expect(frame.get_by_label("Search time zones")).to_be_focused()
    page.keyboard.press("Escape")
    expect(frame.get_by_label("Search time zones")).to_have_count(0)
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_my_meetings_in_another_sites_frame_after_logging_in(server, third_party_site, page: Page, shot):
    """In a third-party frame the browser may not keep our cookies: the page says so, and a guest who logs in
    with an email code sees their meetings, also after the overlay was closed and opened again."""
    page.goto(third_party_site)
    frame = open_widget(page)
    frame.get_by_role("group", name="Time").get_by_role("button").first.click()
    frame.get_by_label("Your name").fill("Mia Mine")
    frame.get_by_label("Email").fill("mia@example.com")
    frame.get_by_role("button", name="Schedule", exact=True).click()
    expect(frame.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    page.get_by_role("button", name="Close").click()

    frame = open_widget(page)
    frame.get_by_role("button", name="My meetings").click()
    expect(frame.get_by_text("This browser may not remember your meetings on this site.")).to_be_visible()
    frame.get_by_label("Email").fill("mia@example.com")
    frame.get_by_role("button", name="Send code").click()
    expect(frame.get_by_role("status")).to_have_text("We sent a 6-digit code to mia@example.com.")
    frame.get_by_label("Code").fill(last_code("mia@example.com"))
    frame.get_by_role("button", name="Log in").click()
    expect(frame.get_by_role("status")).to_have_text("You are logged in as mia@example.com.")
    expect(frame.get_by_role("list", name="My meetings").get_by_role("listitem")).to_have_count(1)
    expect(frame.get_by_role("button", name=re.compile("^Delete meeting on "))).to_be_visible()
    shot("widget-my-meetings")


def test_the_widget_prefills_the_details_and_passes_the_host_pages_campaign(server, agent, page: Page, tmp_path):
    snippet = (f'<script src="{server.url}/widget.js" data-agent="erin-expert" data-prefill-name="Paula Prefill" '
               f'data-prefill-email="paula@example.com" data-prefill-subject="Renewal" async></script>')
    with another_site(tmp_path, "<h1>Acme Offers</h1>" + snippet, title="Acme Offers") as url:
        page.goto(url + "?utm_source=newsletter&utm_medium=email&utm_campaign=%3Cb%3Ewinter%3C%2Fb%3E")
        frame = open_widget(page)
        frame.get_by_role("group", name="Time").get_by_role("button").first.click()
        expect(frame.get_by_label("Your name")).to_have_value("Paula Prefill")
        expect(frame.get_by_label("Email")).to_have_value("paula@example.com")
        expect(frame.get_by_label("Subject")).to_have_value("Renewal")
        frame.get_by_role("button", name="Schedule", exact=True).click()  # the guest books; the link did not
        expect(frame.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    with transaction(read_only=True) as s:
        meeting = s.exec(select(Meeting).where(Meeting.guest_email == "paula@example.com")).one()
    assert meeting.utm == {"source": "newsletter", "medium": "email", "campaign": "<b>winter</b>"}
    assert meeting.subject == "Renewal"
