"""Change notifications from Microsoft Graph, end to end over TLS: Kite's API (served by uvicorn with a certificate
the fake trusts) answers the subscription's validation request, takes genuine notifications only, reads the
agent's answer when one arrives, follows lifecycle notices, and deletes the subscription on uninstall."""

from __future__ import annotations

import ssl
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn

from kite_app.api.app import api
from kite_app.config import settings
from kite_app.services import microsoft_install, microsoft_push
from tests.conftest import free_port
from tests.services.conftest import MAILBOX, MIA, NOW, a_morning_ahead
from tests.services.test_microsoft_booking import book, meeting_views

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@pytest.fixture
def kite_over_tls(microsoft, monkeypatch):
    folder = microsoft.fake.ca_file.parent
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning",
                                           ssl_certfile=str(folder / "cert.pem"), ssl_keyfile=str(folder / "key.pem")))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    monkeypatch.setattr(settings, "public_url", f"https://127.0.0.1:{port}")
    yield f"https://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def wait_for(check, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_push_needs_https(microsoft):
    assert not microsoft_push.ensure_subscription(microsoft_install.provider(), now=datetime.now(UTC))
    assert microsoft.fake.subscriptions == {}


def test_a_validated_subscription_brings_the_agents_accept_at_once(microsoft, kite_over_tls):
    fake = microsoft.fake
    microsoft.agent("Mia", MIA)
    assert microsoft_push.ensure_subscription(microsoft_install.provider(), now=datetime.now(UTC))
    [sub] = fake.subscriptions.values()  # the fake made it only after our endpoint echoed its validation token
    assert sub["notificationUrl"] == kite_over_tls + "/api/microsoft/notify"
    assert sub["resource"] == f"users/{MAILBOX}/events"
    expires = datetime.fromisoformat(sub["expirationDateTime"])
    assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(minutes=10080)
    m = book(a_morning_ahead())  # on the real clock: the notification is handled at the real time
    [event] = fake.events_of(MAILBOX).values()
    fake.answer(MIA, event["id"], MAILBOX, "accepted")  # Graph notifies: no periodic sync is run here
    assert wait_for(lambda: meeting_views.get(m["manage_token"], now=NOW)["status"] == "confirmed")


def test_only_genuine_notifications_count_and_lifecycle_notices_are_followed(microsoft, kite_over_tls):
    fake = microsoft.fake
    provider = microsoft_install.provider()
    assert microsoft_push.ensure_subscription(provider, now=datetime.now(UTC))
    [sub] = fake.subscriptions.values()
    forged = {"value": [{"subscriptionId": sub["id"], "clientState": "guessed", "changeType": "updated"}]}
    with httpx.Client(verify=ssl.create_default_context(cafile=str(fake.ca_file))) as client:
        assert client.post(kite_over_tls + microsoft_push.NOTIFY_PATH, json=forged).status_code == 403
        assert client.post(kite_over_tls + microsoft_push.NOTIFY_PATH, content=b"not json").status_code == 403
        echo = client.post(kite_over_tls + microsoft_push.NOTIFY_PATH, params={"validationToken": "abc 123"})
    assert echo.text == "abc 123" and echo.headers["content-type"].startswith("text/plain")
    fake.subscriptions[sub["id"]]["expirationDateTime"] = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert fake.lifecycle(sub["id"], "reauthorizationRequired") == 202
    assert wait_for(lambda: datetime.fromisoformat(fake.subscriptions[sub["id"]]["expirationDateTime"])
                    > datetime.now(UTC) + timedelta(days=6))
    assert fake.lifecycle(sub["id"], "subscriptionRemoved") == 202
    assert wait_for(lambda: len(fake.subscriptions) == 1 and sub["id"] not in fake.subscriptions)
    microsoft_install.uninstall(microsoft.admin)
    assert fake.subscriptions == {}


def test_a_subscription_graph_refuses_is_asked_for_again_an_hour_later_not_every_minute(microsoft, monkeypatch):
    fake = microsoft.fake
    monkeypatch.setattr(settings, "public_url", "https://127.0.0.1:9")  # Graph's validation request cannot arrive
    provider, now = microsoft_install.provider(), datetime.now(UTC)
    assert not microsoft_push.ensure_subscription(provider, now=now)
    assert not microsoft_push.ensure_subscription(provider, now=now + timedelta(minutes=1))
    assert fake.graph_calls("POST", "/subscriptions") == 1 and fake.subscriptions == {}
    assert not microsoft_push.ensure_subscription(provider, now=now + timedelta(minutes=61))
    assert fake.graph_calls("POST", "/subscriptions") == 2
