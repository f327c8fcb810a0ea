"""An agent connects a CalDAV account (a real Radicale server) in Calendar Settings, ticks its calendar, and a
guest's booking lands in that calendar, awaiting the agent's answer."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting
from tests.conftest import accessibility_problems
from tests.e2e.helpers import book_first_slot, log_in
from tests.e2e.test_calendar_settings import seed

PASSWORD = "agent password 1"
SERVER_ENV = {"KITE_SECRET_KEY": "a long random secret for the browser tests", "KITE_CALENDAR_SYNC_SECONDS": "2"}


def test_an_agent_connects_caldav_ticks_a_calendar_and_a_booking_lands_there(server, page: Page, shot,
                                                                              caldav_servers):
    radicale = caldav_servers["radicale"]
    user = "dana-" + uuid.uuid4().hex[:6]
    radicale.add_user(user, "the app password")
    work = radicale.make_calendar(user, "Dana at work")
    radicale.make_calendar(user, "Family")
    seed()
    log_in(page, server.url, "dana@example.com", PASSWORD)
    page.get_by_role("link", name="Kite settings").click()
    page.get_by_role("button", name="Connect a CalDAV account").click()
    expect(page.get_by_label("Server address")).to_be_focused()
    expect(page.get_by_text("App-Specific Passwords")).to_be_visible()  # where iCloud makes one

    # a wrong password: said next to the field, nothing connected
    page.get_by_label("Server address").fill(radicale.url)
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill("not it")
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_text("The server refused the username or password")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    expect(page.get_by_label("Password", exact=True)).to_have_value("")  # the password is not kept in the page
    shot("caldav-wrong-password")

    page.get_by_label("Password", exact=True).fill("the app password")
    page.get_by_role("button", name="Connect", exact=True).dblclick()  # a double click connects once
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Connected to 127\.0\.0\.1"))
    page.wait_for_timeout(500)  # the second click's submit has arrived: it changed nothing
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Connected to 127\.0\.0\.1"))
    expect(page.get_by_role("button", name="Connect a CalDAV account")).to_be_visible()
    expect(page.get_by_text(user, exact=True)).to_have_count(1)
    expect(page.get_by_role("checkbox", name="Dana at work")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Family")).to_be_visible()
    assert accessibility_problems(page) == []
    shot("caldav-connected")

    page.get_by_role("checkbox", name="Dana at work").click()
    page.get_by_label("Add meetings to").select_option(label="Dana at work")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Calendar settings saved")).to_be_visible()
    page.reload()
    expect(page.get_by_role("checkbox", name="Dana at work")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Family")).not_to_be_checked()

    guest = page.context.new_page()
    book_first_slot(guest, server.url, "dana-agent", "Billing question", "Gus Guest", "gus@example.net")
    for _ in range(100):
        with transaction() as s:
            meeting = s.query(Meeting).one()
        if meeting.calendar_event_id:
            break
        guest.wait_for_timeout(100)
    assert meeting.calendar_event_id and meeting.calendar_event_id.startswith(work)
    stored = radicale.get(meeting.calendar_event_id, user).text
    assert f"UID:{meeting.uid}" in stored and "PARTSTAT=NEEDS-ACTION" in stored

    # Yes in the agent's calendar app: the card says Confirmed after the next sync
    accepted = stored.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED")
    radicale.request("PUT", meeting.calendar_event_id, user, accepted, {"Content-Type": "text/calendar"})
    for _ in range(150):
        with transaction() as s:
            if s.get(Meeting, meeting.id).status == "confirmed":
                break
        guest.wait_for_timeout(100)
    with transaction() as s:
        assert s.get(Meeting, meeting.id).status == "confirmed"

    # the password revoked on the server: the page says so and Reconnect takes a new one
    radicale.add_user(user, "a new app password")
    page.reload()
    expect(page.get_by_text("The server refused the password", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile("refused the stored password"))).to_be_visible()
    expect(page.get_by_role("checkbox", name="Dana at work")).to_be_checked()  # kept, as last listed
    expect(page.get_by_label("Add meetings to")).to_have_value(re.compile("^caldav:"))
    shot("caldav-reconnect-needed")
    page.get_by_role("button", name=re.compile("^Reconnect 127")).click()
    expect(page.get_by_role("heading", name="Reconnect a CalDAV account")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.get_by_label("Password", exact=True).fill("a new app password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Reconnected to 127.0.0.1")
    expect(page.get_by_text("The server refused the password", exact=True)).to_have_count(0)

    # Disconnect asks first; its calendars leave the settings, with the warning about meetings
    page.get_by_role("button", name=re.compile("^Disconnect 127")).click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Disconnect this CalDAV account?")
    page.keyboard.press("Escape")
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Dana at work")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Disconnect 127")).click()
    page.get_by_role("alertdialog").get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status")).to_contain_text("New meetings now go to your built-in calendar")
    expect(page.get_by_role("checkbox", name="Dana at work")).to_have_count(0)
    shot("caldav-disconnected")
