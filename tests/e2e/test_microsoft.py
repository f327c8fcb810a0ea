"""Microsoft 365 in Chromium against the fake identity platform and Graph (over TLS, with a test CA the server
trusts): the admin installs it through each refusal, an agent ticks her Outlook calendar and Teams, a guest books,
the agent accepts the invitation in Outlook and the guest sees the meeting confirmed, with its Teams link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from kite_app.services import accounts
from tests.conftest import accessibility_problems
from tests.e2e.helpers import log_in, wait_for
from tests.seed import ADMIN_PASSWORD, AGENT_PASSWORD, admin_actor
from tests.servers.microsoft import FakeMicrosoft

FAKE = FakeMicrosoft()
MAILBOX, MIA = "meetings@contoso.com", "mia@contoso.com"
SERVER_ENV = {"KITE_MICROSOFT_LOGIN_ENDPOINT": FAKE.url, "KITE_MICROSOFT_GRAPH_ENDPOINT": FAKE.url,
              "REQUESTS_CA_BUNDLE": str(FAKE.ca_file), "KITE_SECRET_KEY": "an e2e secret, long and random",
              "KITE_CALENDAR_SYNC_SECONDS": "2", "KITE_GOOGLE_RETRIES": "0"}


@pytest.fixture(scope="module")
def microsoft():
    FAKE.add_user("it@contoso.com")
    FAKE.add_user(MAILBOX, "Meetings")
    FAKE.add_user(MIA, "Mia", calendars=("Holidays",))
    FAKE.start()
    yield FAKE
    FAKE.stop()


def test_the_admin_installs_microsoft_365_and_an_agent_confirms_in_outlook(server, microsoft, page: Page, shot):
    admin_actor()
    log_in(page, server.url, "admin@example.com", ADMIN_PASSWORD)
    page.get_by_role("link", name="Integrations").click()
    card = page.get_by_role("region", name="Microsoft 365")
    expect(card.get_by_text("Not installed")).to_be_visible()
    card.get_by_role("button", name="Install Microsoft 365").click()
    expect(card.get_by_text("Calendars.ReadWrite, User.Read.All and MailboxSettings.Read").first).to_be_visible()
    client_id, secret = microsoft.register_app()

    def step_one(tenant: str, client: str, password: str) -> None:
        card.get_by_label("Tenant ID").fill(tenant)
        card.get_by_label("Client ID").fill(client)
        card.get_by_label("Client secret").fill(password)
        card.get_by_role("button", name="Next").click()

    step_one("not a tenant", "abc", "")
    expect(card.get_by_text("Enter the Directory (tenant) ID")).to_be_visible()
    expect(card.get_by_text("Paste the client secret's Value")).to_be_visible()
    step_one("0b0b0b0b-1111-2222-3333-444444444444", client_id, secret)
    expect(card.get_by_text("(AADSTS90002)")).to_be_visible()
    step_one(microsoft.tenant, "0c6e2a6d-9f3b-4d1e-8a7c-5b2e1f4d3c9a", secret)
    expect(card.get_by_text("(AADSTS700016)")).to_be_visible()
    step_one(microsoft.tenant, client_id, "the secret's ID")
    expect(card.get_by_text("(AADSTS7000215)")).to_be_visible()
    expect(card.get_by_label("Client secret")).to_have_attribute("aria-invalid", "true")
    shot("microsoft-wrong-secret", page)
    step_one(microsoft.tenant, client_id, secret)

    def step_two(admin_email: str, mailbox: str) -> None:
        card.get_by_label("Administrator email").fill(admin_email)
        card.get_by_label("Primary domain").fill("contoso.com")
        card.get_by_label("Scheduling mailbox").fill(mailbox)
        card.get_by_role("button", name="Install", exact=True).click()

    step_two("ghost@contoso.com", MAILBOX)
    expect(card.get_by_text("Microsoft 365 has no user ghost@contoso.com")).to_be_visible()
    step_two("it@contoso.com", "nobox@contoso.com")
    expect(card.get_by_text("nobox@contoso.com has no Exchange Online mailbox")).to_be_visible()
    microsoft.apps[client_id]["roles"] = frozenset({"User.Read.All"})  # consent not granted for calendars
    step_two("it@contoso.com", MAILBOX)
    expect(card.get_by_role("alert")).to_contain_text("The app may not use Calendars.ReadWrite")
    microsoft.apps[client_id]["roles"] = frozenset({"Calendars.ReadWrite", "User.Read.All", "MailboxSettings.Read"})
    microsoft.expire_tokens()
    card.get_by_label("Scheduling mailbox").fill(MAILBOX)
    card.get_by_role("button", name="Install", exact=True).dblclick()  # a double click installs once, quietly
    expect(card.get_by_text("Activated", exact=True)).to_be_visible()
    page.wait_for_timeout(500)  # the second click has arrived: nothing to refuse
    expect(card.get_by_role("status")).to_contain_text("Microsoft 365 is activated")
    expect(card.get_by_role("alert")).to_have_count(0)
    expect(card.get_by_text(f"Scheduling mailbox: {MAILBOX}")).to_be_visible()
    assert secret not in page.content()
    card.get_by_role("button", name="Test the Microsoft 365 connection").click()
    expect(card.get_by_role("status")).to_have_text("The connection to Microsoft 365 works.")
    assert accessibility_problems(page) == []
    shot("microsoft-activated", page)

    # an agent of the tenant ticks her Outlook calendars and Teams
    accounts.create_agent(admin_actor(), name="Mia", email=MIA, time_zone="Europe/Berlin", password=AGENT_PASSWORD,
                          now=datetime.now(UTC))
    page.get_by_role("button", name="Log out").click()
    log_in(page, server.url, MIA, AGENT_PASSWORD)
    page.get_by_role("link", name="Kite settings").click()
    expect(page.get_by_text(f"Microsoft 365 · invitations from {MAILBOX}").first).to_be_visible()
    page.get_by_role("checkbox", name="Calendar", exact=True).click()
    page.get_by_role("checkbox", name="Holidays").click()
    page.get_by_label("Add meetings to").select_option(label="Calendar")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        if not page.get_by_role("checkbox", name=day).is_checked():
            page.get_by_role("checkbox", name=day).click()
        page.get_by_label(f"{day} hours").fill("00:00-24:00")
    page.get_by_label("Meeting link").select_option(label="Microsoft Teams (on my Outlook calendar)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Calendar settings saved")).to_be_visible()
    shot("calendar-settings-microsoft", page)

    # a guest books: the meeting is organised by the scheduling mailbox, Mia invited
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    api = httpx.Client(base_url=server.url + "/api/v1", timeout=30)
    slot = api.get("/agents/mia/slots", params={"start": day, "tz": "UTC"}).json()["slots"][0]["start"]
    booked = api.post("/agents/mia/bookings", json={"start": slot, "name": "Gus", "email": "gus@example.net"})
    assert booked.status_code == 201, booked.text
    token = booked.json()["manage_token"]
    assert wait_for(lambda: len(microsoft.events_of(MAILBOX)) == 1)
    [event] = microsoft.events_of(MAILBOX).values()
    join = event["onlineMeeting"]["joinUrl"]
    assert wait_for(lambda: api.get(f"/bookings/{token}").json()["meeting_url"] == join)

    guest = page.context.browser.new_context().new_page()
    guest.goto(f"{server.url}/manage/{token}")
    expect(guest.get_by_text("Pending").first).to_be_visible()
    microsoft.answer(MIA, event["id"], MAILBOX, "accepted")  # Accept in Outlook
    assert wait_for(lambda: api.get(f"/bookings/{token}").json()["status"] == "confirmed")
    guest.reload()
    expect(guest.get_by_text("Confirmed").first).to_be_visible()
    expect(guest.get_by_role("link", name="Join the meeting")).to_have_attribute("href", join)
    shot("microsoft-guest-confirmed", guest)
    guest.close()
