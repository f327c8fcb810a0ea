"""The embeddable widget books a meeting from a third-party page served on another local port."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import another_site
from tests.e2e.test_guest_booking import publish_agent


@pytest.fixture
def third_party_site(server, tmp_path):
    """A company website on its own port, with the snippet the agent copies from their profile."""
    with another_site(tmp_path, "<h1>Acme Support</h1><p>Talk to our team.</p>"
                      f'<script src="{server.url}/widget.js" data-agent="erin-expert" async></script>',
                      title="Acme Support") as url:
        yield url


def test_widget_books_from_another_site(server, third_party_site, page: Page, shot):
    publish_agent()
    page.goto(third_party_site)
    page.get_by_role("button", name="Schedule a meeting").click()
    dialog = page.get_by_role("dialog", name="Schedule a meeting")
    expect(dialog).to_be_visible()
    frame = page.frame_locator("iframe[title='Schedule a meeting']")
    expect(frame.get_by_role("heading", name="Meet Erin Expert")).to_be_visible()
    frame.get_by_role("button", name="Schedule a meeting").click()
    frame.get_by_role("group", name="Time").get_by_role("button").first.click()
    frame.get_by_label("Your name").fill("Wendy Widget")
    frame.get_by_label("Email").fill("wendy@example.com")
    shot("widget-open")
    frame.get_by_role("button", name="Schedule", exact=True).click()
    expect(frame.get_by_role("heading", name="Your meeting is scheduled")).to_be_visible()
    page.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", name="Acme Support")).to_be_visible()
