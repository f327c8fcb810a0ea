"""API keys and webhooks in the browser (Chromium, production build): an admin makes and revokes keys, adds a
webhook endpoint that a real receiver verifies, watches a failing endpoint get disabled, enables it and replays;
an agent makes a key for themselves on Profile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import accessibility_problems
from tests.e2e.helpers import log_in, wait_for
from tests.seed import ADMIN_PASSWORD, AGENT_PASSWORD, admin_actor, open_agent
from tests.servers.webhook_receiver import Receiver

SERVER_ENV = {"KITE_SECRET_KEY": "an e2e secret, long and random", "KITE_WEBHOOK_ALLOW_HTTP": "1",
              "KITE_WEBHOOK_ALLOW_PRIVATE": "1", "KITE_WEBHOOK_RETRY_SECONDS": "1,1,1", "KITE_DISPATCH_SECONDS": "1"}


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def test_api_keys_and_webhooks(server, page: Page, receiver: Receiver, shot):
    admin_actor()
    open_agent("Ann Around", "ann@example.com", hours="00:00-24:00")
    log_in(page, server.url, "admin@example.com", ADMIN_PASSWORD)
    api = httpx.Client(base_url=server.url + "/api/v1", timeout=30)

    # API keys: a name is needed; the key is shown once and works at once
    page.get_by_role("link", name="API keys").click()
    page.get_by_role("button", name="Create API key").click()
    expect(page.get_by_text("Give the key a name, like the system that will use it.")).to_be_visible()
    page.get_by_label("Name").fill("Helpdesk")
    page.get_by_role("button", name="Create API key").dblclick()  # one key, not two
    key_box = page.get_by_role("textbox", name="Your new API key")
    expect(key_box).to_be_visible()
    key = key_box.input_value()
    assert key.startswith("kite_")
    expect(page.get_by_role("row", name="Helpdesk")).to_have_count(1)
    assert api.get("/me", headers={"Authorization": f"Bearer {key}"}).json()["scope"] == "admin"
    assert accessibility_problems(page) == []
    shot("api-key-created", page)
    page.get_by_role("button", name="Done").click()
    expect(key_box).to_have_count(0)
    assert key not in page.content()
    page.reload()
    row = page.get_by_role("row", name="Helpdesk")
    expect(row).to_contain_text(key[:10])
    expect(row).not_to_contain_text("Never")  # used a moment ago

    # revoking asks first; Escape keeps the key
    row.get_by_role("button", name="Revoke Helpdesk").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Systems using this key are refused from now on.")
    page.keyboard.press("Escape")
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    assert api.get("/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    row.get_by_role("button", name="Revoke Helpdesk").click()
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_role("row", name="Helpdesk")).to_contain_text("Revoked")
    assert api.get("/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401

    # webhooks: a wrong address is refused next to the field; then the endpoint, its secret shown once
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Endpoint URL").fill("ftp://example.com/hook")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("Enter the endpoint's address, like https://example.com/kite-webhooks.")).to_be_visible()
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("CRM")
    page.get_by_role("button", name="Add endpoint").dblclick()
    secret_box = page.get_by_role("textbox", name="Signing secret")
    expect(secret_box).to_be_visible()
    receiver.secrets.append(secret_box.input_value())
    expect(page.get_by_role("heading", name=receiver.url)).to_have_count(1)
    page.get_by_role("button", name="Done").click()
    page.get_by_role("button", name=f"Send test event to {receiver.url}").click()
    assert wait_for(lambda: receiver.types() == ["ping"])  # verified with the library, as a customer would
    page.get_by_role("button", name="Refresh").click()
    log = page.get_by_role("table", name="Deliveries")
    expect(log.get_by_role("row").filter(has_text="ping")).to_contain_text("200")
    assert accessibility_problems(page) == []
    shot("webhooks-delivered", page)

    # a booking while the receiver fails: retried, then the endpoint is disabled and Integrations says so
    receiver.answers.extend([(500, {}, 0)] * 4)
    start = next_slot(api)
    r = api.post("/agents/ann-around/bookings", json={"start": start, "name": "Gus", "email": "gus@example.com"})
    assert r.status_code == 201
    assert wait_for(lambda: len(receiver.received) == 5, 30)
    page.reload()
    expect(page.get_by_text("Disabled: deliveries kept failing")).to_be_visible(timeout=20_000)
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_text(f"Kite disabled the webhook endpoint {receiver.url}")).to_be_visible()
    page.get_by_role("link", name="Open Webhooks").click()
    page.get_by_role("button", name=f"Enable {receiver.url}").click()
    page.get_by_role("button", name=f"Deliveries of {receiver.url}").click()
    page.get_by_label("Show").select_option(label="Failed")
    failed = page.get_by_role("table", name="Deliveries").get_by_role("row").filter(has_text="meeting.booked")
    expect(failed.first).to_contain_text("500")
    failed.first.get_by_role("button", name="Replay meeting.booked").click()
    expect(page.get_by_role("status").filter(has_text="Delivery sent again.")).to_be_visible()
    assert wait_for(lambda: receiver.types()[-1] == "meeting.booked" and len(receiver.received) == 6)
    ids = {r["headers"]["webhook-id"] for r in receiver.received[1:]}
    assert len(ids) == 1  # every try of the booking's event carried one webhook-id
    shot("webhooks-replayed", page)

    # a new secret: shown once; deliveries are signed with it (and the old one, for a day)
    page.get_by_role("button", name=f"Rotate secret of {receiver.url}").click()
    new_secret = page.get_by_role("textbox", name="Signing secret").input_value()
    assert new_secret.startswith("whsec_") and new_secret not in receiver.secrets
    receiver.secrets[:] = [new_secret]
    page.get_by_role("button", name="Done").click()
    page.get_by_role("button", name=f"Send test event to {receiver.url}").click()
    assert wait_for(lambda: receiver.types()[-1] == "ping")
    assert len(receiver.received[-1]["headers"]["webhook-signature"].split(" ")) == 2

    # an agent makes a key for themselves on Profile; it reaches their meetings, not the admin's lists
    page.get_by_role("button", name="Log out").click()
    log_in(page, server.url, "ann@example.com", AGENT_PASSWORD)
    page.get_by_role("link", name="Profile").click()
    page.locator("#api-key-name").fill("Ann's CRM")
    page.get_by_role("button", name="Create API key").click()
    agent_key = page.get_by_role("textbox", name="Your new API key").input_value()
    headers = {"Authorization": f"Bearer {agent_key}"}
    assert [m["guest_email"] for m in api.get("/meetings", headers=headers).json()["items"]] == ["gus@example.com"]
    assert api.get("/agents", headers=headers).status_code == 403
    assert accessibility_problems(page) == []
    shot("profile-api-keys", page)


def next_slot(api: httpx.Client) -> str:
    start = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    slots = api.get("/agents/ann-around/slots", params={"start": start, "tz": "UTC"}).json()["slots"]
    return slots[0]["start"]
