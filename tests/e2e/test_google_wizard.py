"""The Google Calendar install wizard in Chromium against the local fake Google, then an agent on Google."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from kite_app.providers.calendar.google_api import SCOPES
from kite_app.providers.calendar.google_events import event_id_for
from kite_app.services import accounts
from tests.e2e.helpers import log_in
from tests.seed import ADMIN_PASSWORD, AGENT_PASSWORD, admin_actor
from tests.servers.google import FakeGoogle

GOOGLE = FakeGoogle()
# Push notifications on (the fake accepts an http address); the periodic sync runs only at start-up,
# so the agent's "Yes" can only arrive through a push.
SERVER_ENV = {"KITE_GOOGLE_API_ENDPOINT": GOOGLE.api_endpoint, "KITE_SECRET_KEY": "an e2e secret, long and random",
              "KITE_GOOGLE_RETRIES": "0", "KITE_CALENDAR_SYNC_SECONDS": "3600", "KITE_GOOGLE_PUSH": "true"}
ADA = "ada@example.com"


@pytest.fixture(scope="module")
def google():
    GOOGLE.add_user("it@example.com")
    GOOGLE.add_user(ADA, {"holidays@example.com": "Holidays"})
    GOOGLE.start()
    yield GOOGLE
    GOOGLE.stop()


def attempt_install(page: Page, key: dict, admin_email: str, domain: str) -> None:
    page.get_by_label("Service-account key (JSON)").fill(json.dumps(key))
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Administrator email").fill(admin_email)
    page.get_by_label("Primary domain").fill(domain)
    page.get_by_role("button", name="Install", exact=True).click()


def test_wizard_failures_success_and_an_agent_on_google(server, google, page: Page, shot):
    admin_actor()
    log_in(page, server.url, "admin@example.com", ADMIN_PASSWORD)
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("region", name="Google Calendar").get_by_text("Not installed")).to_be_visible()
    page.get_by_role("button", name="Install", exact=True).click()

    page.get_by_label("Service-account key (JSON)").fill("{not json")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("This is not JSON. Paste the whole key file you downloaded.")).to_be_visible()

    broken = google.service_account(delegate_scopes=[])
    broken["private_key"] = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
    page.get_by_label("Service-account key (JSON)").fill(json.dumps(broken))
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#key-text-error")).to_contain_text("private_key is malformed")

    key = google.service_account(delegate_scopes=[])  # not yet authorised in the Admin Console
    page.get_by_label("Service-account key (JSON)").fill(json.dumps(key))
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#client-id")).to_have_text(key["client_id"])
    expect(page.locator("#scopes")).to_have_text(",".join(SCOPES))
    expect(page.get_by_role("button", name="Copy client id")).to_be_visible()
    expect(page.get_by_text("Manage domain-wide delegation")).to_be_visible()
    page.get_by_label("Administrator email").fill("it@example.com")
    page.get_by_label("Primary domain").fill("example.com")
    shot("wizard-step-2", page)
    page.get_by_role("button", name="Install", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Google refused the scopes")
    shot("wizard-scopes-error", page)

    google.delegated[key["client_id"]] = set(SCOPES)  # the admin authorises the scopes
    page.get_by_label("Administrator email").fill("ghost@example.com")
    page.get_by_role("button", name="Install", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Google does not know ghost@example.com")
    page.get_by_label("Administrator email").fill("it@example.com")
    page.get_by_label("Primary domain").fill("example.org")
    page.get_by_role("button", name="Install", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("is not an address of example.org")

    page.get_by_label("Primary domain").fill("example.com")
    google.stop()  # Google unreachable
    page.get_by_role("button", name="Install", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Google cannot be reached")
    google.start()

    revoked = google.service_account(delegate_scopes=list(SCOPES))
    google.revoke(revoked["client_email"])
    page.get_by_role("button", name="Back").click()
    attempt_install(page, revoked, "it@example.com", "example.com")
    expect(page.get_by_role("alert").first).to_contain_text("Google rejected the key")
    expect(page.get_by_role("alert").first).to_contain_text("Go Back to replace the key.")  # shown on step 2
    expect(page.get_by_role("region", name="Google Calendar").get_by_text("Not installed")).to_be_visible()

    page.get_by_role("button", name="Back").click()
    attempt_install(page, key, "it@example.com", "example.com")
    expect(page.get_by_text("Activated", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Google Calendar is activated")
    expect(page.get_by_label("Service-account key (JSON)")).to_have_count(0)
    assert key["private_key"][60:90] not in page.content()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status")).to_have_text("The connection to Google works.")
    shot("integrations-activated", page)

    # an agent of the domain picks their Google calendars
    accounts.create_agent(admin_actor(), name="Ada", email=ADA, time_zone="UTC", password=AGENT_PASSWORD,
                          now=datetime.now(UTC))
    page.get_by_role("button", name="Log out").click()
    log_in(page, server.url, ADA, AGENT_PASSWORD)
    page.get_by_role("link", name="Kite settings").click()
    page.get_by_role("checkbox", name="Busy times").click()
    page.get_by_role("checkbox", name=ADA).click()
    page.get_by_role("checkbox", name="Holidays").click()
    page.get_by_label("Add meetings to").select_option(f"google:{ADA}")
    for day in ("Saturday", "Sunday"):
        page.get_by_role("checkbox", name=day).click()
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(f"{day} hours").fill("00:00-24:00")
    page.get_by_label("Meeting link").select_option(label="Google Meet (on my Google calendar)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Calendar settings saved")
    shot("calendar-settings-google", page)
    [channel] = google.channels.values()  # saving opened a push channel on the meeting calendar
    assert channel["calendar"] == ADA and channel["address"] == server.url + "/api/google/push"

    # a guest books; the event lands in Google awaiting the agent's Yes
    api = httpx.Client(base_url=server.url + "/api/v1", timeout=30)
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    slot = api.get("/agents/ada/slots", params={"start": day, "tz": "UTC"}).json()["slots"][0]["start"]
    booked = api.post("/agents/ada/bookings", json={"start": slot, "name": "Gus", "email": "gus@example.net"})
    assert booked.status_code == 201, booked.text
    token = booked.json()["manage_token"]
    deadline = time.monotonic() + 15  # the event is written in the background: the guest never waits on Google
    while not google.events(ADA) and time.monotonic() < deadline:
        time.sleep(0.2)
    [event] = google.events(ADA).values()
    assert event["start"]["dateTime"] == datetime.fromisoformat(slot).astimezone(UTC).isoformat()
    assert {a["email"]: a["responseStatus"] for a in event["attendees"]}[ADA] == "needsAction"

    # the event was made with a Meet conference; once Google has it ready, its link is the meeting's
    deadline = time.monotonic() + 15
    while not api.get(f"/bookings/{token}").json()["meeting_url"] and time.monotonic() < deadline:
        time.sleep(0.3)
    meet = api.get(f"/bookings/{token}").json()["meeting_url"]
    assert meet.startswith("https://meet.google.com/") and meet == event["hangoutLink"]
    guest_page = page.context.browser.new_context().new_page()
    guest_page.goto(f"{server.url}/manage/{token}")
    expect(guest_page.get_by_role("link", name="Join the meeting")).to_have_attribute("href", meet)
    guest_page.close()

    google.answer(ADA, event["id"], "accepted")  # "Yes" in Google Calendar, pushed to Kite
    deadline = time.monotonic() + 15
    while api.get(f"/bookings/{token}").json()["status"] != "confirmed" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert api.get(f"/bookings/{token}").json()["status"] == "confirmed"
    assert (channel["id"], "exists") in google.pushes
    assert httpx.post(server.url + "/api/google/push", headers={"X-Goog-Channel-ID": channel["id"],
                      "X-Goog-Channel-Token": "forged", "X-Goog-Resource-State": "exists"}).status_code == 404
    assert event["id"] == event_id_for(event["extendedProperties"]["private"]["kiteMeetingUid"])
    assert len(google.conference_creates) == 1 and api.get(f"/bookings/{token}").json()["meeting_url"] == meet

    # a blocking calendar no longer shared with Ada: no time is offered, and the guest reads why
    google.unshare(ADA, "holidays@example.com")
    guest = page.context.browser.new_context().new_page()
    guest.goto(f"{server.url}/book/ada")
    expect(guest.get_by_role("alert").first).to_contain_text("calendar cannot be read right now")
    shot("booking-calendar-unavailable", guest)
    unavailable = api.get("/agents/ada/slots", params={"start": day, "tz": "UTC"})
    assert unavailable.status_code == 503 and unavailable.json()["code"] == "calendar_unavailable"
