"""The staff API through FastAPI's test client (on the real clock): API keys, the scope of each key on every
endpoint, cursor pagination, and meeting changes with the pages' notices and mails."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kite_app.api.app import api
from kite_app.config import settings
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import PermissionDenied
from kite_app.persistence.db import transaction
from kite_app.persistence.integration_models import ApiKey
from kite_app.persistence.models import OutboxMail
from kite_app.services import api_keys, availability, booking, ratelimit
from kite_app.services.booking import BookingRequest
from tests.services.test_accounts import agent
from tests.services.test_google_faults import SQLITE


def free_starts(slug: str = "bob-agent", count: int = 5) -> list[datetime]:
    now = datetime.now(UTC)
    _page, slots = availability.page_and_slots(slug, start=now, end=now + timedelta(days=14), duration=30,
                                               guest_zone="UTC", now=now)
    return [datetime.fromisoformat(s["start"]) for s in slots[:count]]


def book(start: datetime, email: str = "gus@example.com", slug: str = "bob-agent") -> dict:
    return booking.book(BookingRequest(slug=slug, start=start, duration=30, guest_name="Gus Guest", guest_email=email,
                                       guest_time_zone="UTC"), now=datetime.now(UTC))


@pytest.fixture
def staff(open_agent):
    """Bob (open), Carl (another agent), their admin; an Admin key, Bob's Agent key, Carl's Agent key."""
    ratelimit.reset()
    bob_actor, _bob, _cal = open_agent
    with transaction() as s:
        from kite_app.persistence.accounts import users_with_role

        admin = Actor(user_id=users_with_role(s, "admin")[0].id, role=Role.ADMIN)
    carl = agent(admin, datetime.now(UTC), name="Carl Carter", email="carl@example.com")
    now = datetime.now(UTC)
    _v, admin_key = api_keys.create(admin, name="Helpdesk", scope="admin", now=now)
    _v, bob_key = api_keys.create(bob_actor, name="Bob's CRM", scope="agent", now=now)
    _v, carl_key = api_keys.create(admin, name="Carl's CRM", scope="agent", agent_id=carl["id"], now=now)
    client = TestClient(api)
    yield client, {"admin": admin_key, "bob": bob_key, "carl": carl_key}, admin, bob_actor
    ratelimit.reset()


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@SQLITE
def test_keys_are_shown_once_kept_as_hashes_and_revoked(staff):
    client, keys, admin, bob = staff
    assert all(k.startswith("kite_") and len(k) >= 5 + 32 for k in keys.values())  # ≥ 192 bits after the prefix
    with transaction() as s:
        stored = " ".join(f"{k.key_hash} {k.hint}" for k in s.exec(select(ApiKey)))
    assert not any(k in stored for k in keys.values())
    assert client.get("/api/v1/me").status_code == 401
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer kite_nothing"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized" and r.headers["WWW-Authenticate"]
    me = client.get("/api/v1/me", headers=auth(keys["bob"])).json()
    assert (me["scope"], me["slug"], me["role"]) == ("agent", "bob-agent", "agent")
    listed = api_keys.keys(bob)
    assert [k["name"] for k in listed] == ["Bob's CRM"] and listed[0]["last_used_at"]
    assert {k["name"] for k in api_keys.keys(admin)} == {"Helpdesk", "Bob's CRM", "Carl's CRM"}
    with pytest.raises(PermissionDenied):
        api_keys.create(bob, name="Root", scope="admin", now=datetime.now(UTC))
    api_keys.revoke(bob, listed[0]["id"], now=datetime.now(UTC))
    assert client.get("/api/v1/me", headers=auth(keys["bob"])).status_code == 401
    r = client.get("/api/v1/me", headers={**auth(keys["bob"]), "Accept-Language": "de"})
    assert r.json()["message"] != "This API key is unknown or was revoked."  # said in the asker's language


@SQLITE
def test_every_staff_endpoint_by_scope(staff):
    client, keys, _admin, _bob = staff
    bobs = book(free_starts()[0])["id"]
    cases = [("get", "/api/v1/meetings", None), ("get", f"/api/v1/meetings/{bobs}", None),
             ("get", "/api/v1/agents", None), ("get", "/api/v1/teams", None), ("get", "/api/v1/webhooks", None),
             ("post", "/api/v1/webhooks", {"url": "https://example.com/h", "events": ["meeting.booked"]}),
             ("patch", "/api/v1/webhooks/1", {"enabled": False}), ("delete", "/api/v1/webhooks/1", None),
             ("post", f"/api/v1/meetings/{bobs}/confirm", None),
             ("post", f"/api/v1/meetings/{bobs}/decline", None),
             ("post", f"/api/v1/meetings/{bobs}/reschedule", {"duration": 60}),
             ("post", f"/api/v1/meetings/{bobs}/cancel", {"reason": "x"}),
             ("post", f"/api/v1/meetings/{bobs}/reassign", {"agent_slug": "carl-carter"})]
    admin_only = {"/api/v1/agents", "/api/v1/teams"}
    for method, path, body in cases:
        kwargs = {"json": body} if body is not None else {}
        assert getattr(client, method)(path, **kwargs).status_code == 401, path  # no key
        carl = getattr(client, method)(path, headers=auth(keys["carl"]), **kwargs)
        if path == "/api/v1/meetings":
            assert carl.status_code == 200 and carl.json()["items"] == []  # none of Bob's
        else:
            assert carl.status_code == 403 and carl.json()["code"] == "forbidden", (path, carl.text)
        if "webhooks" in path or path in admin_only:
            assert getattr(client, method)(path, headers=auth(keys["bob"]), **kwargs).status_code == 403, path
    assert client.get(f"/api/v1/meetings/{bobs}", headers=auth(keys["bob"])).json()["id"] == bobs
    assert [a["slug"] for a in client.get("/api/v1/agents", headers=auth(keys["admin"])).json()] == [
        "bob-agent", "carl-carter"]


@SQLITE
def test_changes_through_the_api_tell_the_guest_like_the_pages(staff):
    client, keys, _admin, _bob = staff
    first, _next, later, *_ = free_starts()
    meeting = book(first)
    r = client.post(f"/api/v1/meetings/{meeting['id']}/confirm", headers=auth(keys["bob"]))
    assert r.status_code == 200 and r.json()["status"] == "confirmed" and "manage_token" not in r.json()
    r = client.post(f"/api/v1/meetings/{meeting['id']}/reschedule", headers=auth(keys["admin"]),
                    json={"start": later.isoformat()})
    assert r.status_code == 200 and r.json()["start"] == later.isoformat()
    r = client.post(f"/api/v1/meetings/{meeting['id']}/reschedule", headers=auth(keys["admin"]),
                    json={"start": "tomorrow"})
    assert r.status_code == 422 and "start" in r.json()["fields"]
    r = client.post(f"/api/v1/meetings/{meeting['id']}/cancel", headers=auth(keys["bob"]),
                    json={"reason": "Ill today"})
    assert r.json()["status"] == "cancelled" and r.json()["cancel_reason"] == "Ill today"
    assert r.json()["cancelled_by"] == "agent"
    with transaction() as s:
        kinds = [(m.kind, m.to_email) for m in s.exec(select(OutboxMail).order_by(OutboxMail.id))]
    assert ("confirmed", "gus@example.com") in kinds and ("changed", "gus@example.com") in kinds
    assert ("deleted", "gus@example.com") in kinds
    assert client.post(f"/api/v1/meetings/{meeting['id']}/confirm", headers=auth(keys["bob"])).status_code == 422


def test_cursor_pages_are_consistent_while_meetings_are_booked(staff):
    client, keys, _admin, _bob = staff
    starts = free_starts(count=24)[::2]  # 15 minutes' buffer after each meeting: every other slot
    for i, start in enumerate(starts[:8]):
        book(start, email=f"g{i}@example.com")
    seen, cursor, pages = [], None, 0
    with ThreadPoolExecutor(1) as pool:
        while True:
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            body = client.get("/api/v1/meetings", headers=auth(keys["admin"]), params=params).json()
            seen += [m["start"] for m in body["items"]]
            if pages < len(starts) - 8:  # a guest books a later slot meanwhile
                pool.submit(book, starts[8 + pages], f"late{pages}@example.com").result()
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
    assert seen == sorted(seen) and len(seen) == len(set(seen))  # no repeats, no gaps, in order
    assert seen[:8] == [s.isoformat() for s in starts[:8]]
    newest = client.get("/api/v1/meetings", headers=auth(keys["admin"]),
                        params={"order": "-updated_at", "limit": 1}).json()
    assert newest["items"][0]["guest_email"].startswith("late")
    r = client.get("/api/v1/meetings", headers=auth(keys["admin"]), params={"cursor": "garbage"})
    assert r.status_code == 422 and "cursor" in r.json()["fields"]
    filtered = client.get("/api/v1/meetings", headers=auth(keys["admin"]),
                          params={"guest_email": "G3@example.com", "status": "pending"}).json()["items"]
    assert [m["guest_email"] for m in filtered] == ["g3@example.com"]


@SQLITE
def test_keys_are_rate_limited_each_on_its_own(staff, monkeypatch):
    client, keys, _admin, _bob = staff
    monkeypatch.setattr(settings, "api_rate_per_minute", 3)
    codes = [client.get("/api/v1/me", headers=auth(keys["bob"])).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/me", headers=auth(keys["carl"])).status_code == 200


@SQLITE
def test_openapi_declares_the_key_and_the_webhooks(staff):
    client, *_ = staff
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    assert {"meeting.booked", "meeting.cancelled", "ping"} <= set(doc["webhooks"])
    fields = set(doc["components"]["schemas"]["MeetingObject"]["properties"])
    assert {"id", "status", "start", "cancelled_by"} <= fields and "manage_token" not in fields
    assert {"manage_token", "manage_url"} <= set(doc["components"]["schemas"]["MeetingOut"]["properties"])


@SQLITE
def test_webhook_endpoints_through_the_api(staff, monkeypatch):
    from kite_app.services import webhook_delivery
    from tests.servers.webhook_receiver import Receiver

    client, keys, _admin, _bob = staff
    monkeypatch.setattr(settings, "secret_key", "a long random secret for the tests")
    monkeypatch.setattr(settings, "webhook_allow_http", True)
    monkeypatch.setattr(settings, "webhook_allow_private", True)
    monkeypatch.setattr(settings, "webhook_retry_seconds", "0")
    receiver = Receiver().start()
    try:
        admin = auth(keys["admin"])
        r = client.post("/api/v1/webhooks", headers=admin, json={"url": "ftp://x", "events": ["meeting.booked"]})
        assert r.status_code == 422 and "url" in r.json()["fields"]
        r = client.post("/api/v1/webhooks", headers=admin, json={"url": receiver.url, "events": ["meeting.lost"]})
        assert r.status_code == 422 and r.json()["fields"]
        r = client.post("/api/v1/webhooks", headers=admin,
                        json={"url": receiver.url, "events": ["meeting.booked"], "agent_slug": "bob-agent"})
        assert r.status_code == 201 and r.json()["secret"].startswith("whsec_")
        endpoint_id, receiver.secrets = r.json()["id"], [r.json()["secret"]]
        listed = client.get("/api/v1/webhooks", headers=admin).json()
        assert [e["agent_slug"] for e in listed] == ["bob-agent"] and "secret" not in listed[0]
        receiver.answers.extend([(500, {}, 0)] * 2)  # the first try and the one retry
        assert client.post(f"/api/v1/webhooks/{endpoint_id}/test", headers=admin).status_code == 202
        webhook_delivery.deliver_due()
        failed = client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=admin,
                            params={"status": "failed"}).json()
        assert [(d["event"], d["status"], d["attempt"]) for d in failed] == [("ping", "500", 2), ("ping", "500", 1)]
        assert client.get("/api/v1/webhooks", headers=admin).json()[0]["disabled_reason"] == "failing"
        r = client.patch(f"/api/v1/webhooks/{endpoint_id}", headers=admin, json={"enabled": True})
        assert r.json()["enabled"] and r.json()["disabled_reason"] == ""
        since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        assert client.post(f"/api/v1/webhooks/{endpoint_id}/replay", headers=admin,
                           params={"since": since}).json() == {"replayed": 1}
        webhook_delivery.deliver_due()
        assert receiver.types() == ["ping"] * 3
        assert client.delete(f"/api/v1/webhooks/{endpoint_id}", headers=admin).status_code == 204
        assert client.get("/api/v1/webhooks", headers=admin).json() == []
    finally:
        receiver.stop()
