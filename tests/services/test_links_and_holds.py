"""One-time links and held times on the booking core, through the REST API as a customer's client uses them (real
clock), on SQLite and PostgreSQL: a link books once (of 50 concurrent bookings exactly one wins), says when it was
used or expired, may fix its own duration, and is made with a staff key within its scope; a held time is hidden from
other guests and refused to them, kept for its holder, released, expired; of 50 guests holding one time one gets it;
a browser and an address hold one time each; a hold asks no calendar."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kite_app.api.app import api
from kite_app.domain.errors import LinkExpired, TooManyAttempts
from kite_app.domain.meeting import SlotTaken
from kite_app.domain.tokens import new_token, token_hash
from kite_app.persistence.db import transaction
from kite_app.persistence.form_models import SlotHold
from kite_app.persistence.models import Meeting
from kite_app.services import api_keys, availability, holds, one_time_links, ratelimit, teams
from kite_app.services.booking import BookingRequest
from tests.services.conftest import a_morning_ahead
from tests.services.test_staff_api import auth, free_starts
from tests.services.test_teams import team_form
from tests.services.test_teams import two_agents as two_agents  # a fixture

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def api_client(open_agent):
    ratelimit.reset()
    yield TestClient(api), open_agent[0]
    ratelimit.reset()


def guest(start: datetime, email: str = "gus@example.com", **more) -> dict:
    return {"start": start.isoformat(), "name": "Gus Guest", "email": email, "time_zone": "UTC", **more}


def starts_offered(client: TestClient, path: str, *, duration: int | None = None) -> list[str]:
    query = {"start": datetime.now(UTC).date().isoformat(), "tz": "UTC", **({"duration": duration} if duration else {})}
    return [s["start"] for s in client.get(path, params=query).json()["slots"]]


def test_a_one_time_link_books_once_then_says_it_was_used(api_client):
    client, bob = api_client
    view, token = one_time_links.create(bob, now=datetime.now(UTC))
    assert len(token) >= 32 and token not in str(view)  # ≥ 192 bits; its view shows only a hint
    page = client.get(f"/api/v1/one-time-links/{token}").json()
    assert page["name"] == "Bob Agent" and page["durations"] == [30, 60]
    start = datetime.fromisoformat(starts_offered(client, f"/api/v1/one-time-links/{token}/slots")[0])
    r = client.post(f"/api/v1/one-time-links/{token}/bookings", json=guest(start))
    assert r.status_code == 201, r.text
    again = client.post(f"/api/v1/one-time-links/{token}/bookings", json=guest(start + timedelta(hours=2)))
    assert again.status_code == 410 and again.json()["code"] == "link_used"
    assert client.get(f"/api/v1/one-time-links/{token}").json()["code"] == "link_used"
    assert client.get(f"/api/v1/one-time-links/{token}/slots").status_code == 410
    [listed] = one_time_links.links(bob, now=datetime.now(UTC))
    assert listed["status"] == "used" and listed["used_at"]
    assert one_time_links.public_page(token) == "/book/bob-agent"
    unknown = client.get("/api/v1/one-time-links/no-such-link")
    assert unknown.status_code == 410 and unknown.json()["code"] == "link_used"


def test_an_expired_or_revoked_link_books_nothing(api_client):
    client, bob = api_client
    now = datetime.now(UTC)
    _v, soon = one_time_links.create(bob, now=now, expires_at=now + timedelta(seconds=1))
    _v, revoked = one_time_links.create(bob, now=now)
    one_time_links.revoke(bob, one_time_links.links(bob, now=now)[0]["id"], now=now)
    start = free_starts()[0]
    r = client.post(f"/api/v1/one-time-links/{revoked}/bookings", json=guest(start))
    assert r.status_code == 410 and r.json()["code"] == "link_used"
    with pytest.raises(LinkExpired):
        one_time_links.target(soon, now=now + timedelta(seconds=2))
    with transaction(read_only=True) as s:
        assert s.exec(select(Meeting)).all() == []


def test_a_link_with_its_own_duration_books_that_duration(api_client):
    client, bob = api_client
    _v, token = one_time_links.create(bob, now=datetime.now(UTC), duration=45)  # not one of the page's
    assert client.get(f"/api/v1/one-time-links/{token}").json()["durations"] == [45]
    start = datetime.fromisoformat(starts_offered(client, f"/api/v1/one-time-links/{token}/slots")[0])
    r = client.post(f"/api/v1/one-time-links/{token}/bookings", json=guest(start, duration=30))
    assert r.status_code == 201, r.text
    assert r.json()["duration"] == 45


def test_fifty_concurrent_bookings_through_one_link_one_wins(api_client):
    client, bob = api_client
    _v, token = one_time_links.create(bob, now=datetime.now(UTC))
    starts = starts_offered(client, f"/api/v1/one-time-links/{token}/slots")
    n = 50
    barrier = Barrier(n)

    def attempt(i: int) -> int:
        barrier.wait()
        body = guest(datetime.fromisoformat(starts[i % len(starts)]), email=f"racer{i}@example.com")
        return TestClient(api).post(f"/api/v1/one-time-links/{token}/bookings", json=body).status_code

    with ThreadPoolExecutor(n) as pool:
        codes = list(pool.map(attempt, range(n)))
    assert codes.count(201) == 1, codes
    assert set(codes) <= {201, 409, 410}
    with transaction(read_only=True) as s:
        assert len(s.exec(select(Meeting)).all()) == 1


def test_links_are_made_with_a_staff_key_within_its_scope(api_client, two_agents_more):
    client, bob = api_client
    carl = two_agents_more
    _v, bob_key = api_keys.create(bob, name="CRM", scope="agent", now=datetime.now(UTC))
    r = client.post("/api/v1/agents/bob-agent/one-time-links", json={"duration": 45}, headers=auth(bob_key))
    assert r.status_code == 201, r.text
    assert r.json()["url"].endswith("/once/" + r.json()["token"]) and r.json()["expires_at"] is None
    assert client.post("/api/v1/agents/bob-agent/one-time-links", json={}).status_code == 401
    r = client.post(f"/api/v1/agents/{carl['slug']}/one-time-links", json={}, headers=auth(bob_key))
    assert r.status_code == 403
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    r = client.post("/api/v1/agents/bob-agent/one-time-links", json={"expires_at": past, "duration": 5},
                    headers=auth(bob_key))
    assert set(r.json()["fields"]) == {"expires_at", "duration"}


@pytest.fixture
def two_agents_more(open_agent):
    from tests.seed import open_agent as another

    return another("Carl Carter", "carl@example.com", hours="00:00-24:00")


def test_a_held_time_is_the_holders_alone_until_it_expires(api_client):
    client, _bob = api_client
    start = next(t for t in free_starts(count=500) if t > datetime.now(UTC) + timedelta(hours=2))
    r = client.post("/api/v1/agents/bob-agent/holds", json={"start": start.isoformat(), "duration": 30})
    assert r.status_code == 201, r.text
    token = r.json()["hold_token"]
    expires = datetime.fromisoformat(r.json()["expires_at"])
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)
    # other guests neither see it nor get it
    assert start not in free_starts(count=500)
    taken = client.post("/api/v1/agents/bob-agent/bookings", json=guest(start, email="other@example.com"))
    assert taken.status_code == 409 and taken.json()["code"] == "slot_taken"
    with pytest.raises(SlotTaken):  # another guest, from another address
        holds.hold("bob-agent", team=False, start=start, duration=30, secret=new_token(), client="203.0.113.9",
                   now=datetime.now(UTC))
    # after its expiry it is free again (asked as if five minutes had passed)
    later = datetime.now(UTC) + timedelta(minutes=5, seconds=1)
    again = availability.slots_for("bob-agent", start=later, end=later + timedelta(days=14), duration=30,
                                   guest_zone="UTC", now=later)
    assert start in [datetime.fromisoformat(s["start"]) for s in again]
    # the holder books it
    r = client.post("/api/v1/agents/bob-agent/bookings", json=guest(start, hold_token=token))
    assert r.status_code == 201, r.text
    with transaction(read_only=True) as s:
        assert s.exec(select(SlotHold)).all() == []  # the hold became the meeting


def test_released_and_replaced_holds_free_their_time(api_client):
    client, _bob = api_client
    starts = free_starts(count=12)
    first, second = starts[0], starts[-1]  # hours apart: their buffers do not meet
    secret = new_token()
    now = datetime.now(UTC)
    holds.hold("bob-agent", team=False, start=first, duration=30, secret=secret, client="198.51.100.1", now=now)
    holds.hold("bob-agent", team=False, start=second, duration=30, secret=secret, client="198.51.100.1", now=now)
    offered = free_starts(count=500)
    assert first in offered and second not in offered  # one browser holds one time
    holds.hold("bob-agent", team=False, start=first, duration=30, secret=new_token(), client="198.51.100.1",
               now=now)
    offered = free_starts(count=500)
    assert second in offered and first not in offered  # one address holds one time per agent
    r = client.post("/api/v1/agents/bob-agent/holds", json={"start": second.isoformat()})
    client.delete(f"/api/v1/holds/{r.json()['hold_token']}")
    assert second in free_starts(count=500)


def test_fifty_guests_holding_one_time_one_gets_it(api_client):
    start = free_starts()[0]
    n = 50
    barrier = Barrier(n)

    def attempt(i: int) -> str:
        barrier.wait()
        try:
            holds.hold("bob-agent", team=False, start=start, duration=30, secret=new_token(),
                       client=f"192.0.2.{i}", now=datetime.now(UTC))
            return "held"
        except SlotTaken:
            return "taken"

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(attempt, range(n)))
    assert results.count("held") == 1, results
    with transaction(read_only=True) as s:
        assert len(s.exec(select(SlotHold)).all()) == 1


def test_holds_are_rate_limited_per_address(api_client):
    starts = free_starts(count=40)
    with pytest.raises(TooManyAttempts):
        for start in starts:  # a bot holding a day's times, one after another
            holds.hold("bob-agent", team=False, start=start, duration=30, secret=new_token(),
                       client="203.0.113.50", now=datetime.now(UTC))


def test_a_hold_asks_no_calendar(google):
    fake, _ada = google
    ratelimit.reset()
    start = a_morning_ahead(3)
    before = len(fake.calls)
    holds.hold("ada", team=False, start=start, duration=30, secret=new_token(), client="192.0.2.7",
               now=datetime.now(UTC))
    assert len(fake.calls) == before


def test_the_openapi_document_describes_forms_links_and_holds():
    doc = TestClient(api).get("/api/v1/openapi.json").json()
    for path, method in [("/api/v1/agents/{slug}", "get"), ("/api/v1/teams/{slug}", "get"),
                         ("/api/v1/agents/{slug}/holds", "post"), ("/api/v1/teams/{slug}/holds", "post"),
                         ("/api/v1/holds/{token}", "delete"), ("/api/v1/agents/{slug}/one-time-links", "post"),
                         ("/api/v1/teams/{slug}/one-time-links", "post"), ("/api/v1/one-time-links/{token}", "get"),
                         ("/api/v1/one-time-links/{token}/slots", "get"),
                         ("/api/v1/one-time-links/{token}/bookings", "post")]:
        assert method in doc["paths"][path], path
    assert "410" in doc["paths"]["/api/v1/one-time-links/{token}/bookings"]["post"]["responses"]
    schemas = doc["components"]["schemas"]
    assert {"answers", "utm", "hold_token"} <= set(schemas["BookingIn"]["properties"])
    assert {"answers", "utm"} <= set(schemas["MeetingOut"]["properties"])
    assert {"answers", "utm"} <= set(schemas["MeetingObject"]["properties"])
    assert set(schemas["QuestionOut"]["properties"]) == {"id", "label", "help", "type", "required", "options"}
    assert set(schemas["Answer"]["properties"]) == {"id", "label", "value"}


def test_a_hold_is_refused_for_a_time_without_offset_or_off_the_page(api_client):
    client, _bob = api_client
    naive = client.post("/api/v1/agents/bob-agent/holds", json={"start": "2030-01-07T09:00:00"})
    assert naive.status_code == 422 and set(naive.json()["fields"]) == {"start"}
    off_grid = free_starts()[0] + timedelta(minutes=7)
    r = client.post("/api/v1/agents/bob-agent/holds", json={"start": off_grid.isoformat()})
    assert r.status_code == 422 and r.json()["code"] == "slot_off_grid"
    r = client.post("/api/v1/agents/bob-agent/holds", json={"start": free_starts()[0].isoformat(), "duration": 45})
    assert r.status_code == 422 and r.json()["fields"] == {"duration": "Choose one of the offered durations."}
    with transaction(read_only=True) as s:
        assert s.exec(select(SlotHold)).all() == []


def test_a_round_robin_time_holds_one_member_and_the_holder_gets_that_member(two_agents):  # noqa: F811
    admin, ann, ben = two_agents
    ratelimit.reset()
    teams.save_team(admin, team_form({ann["id"]: "1", ben["id"]: "1"}, slug="duo"), now=datetime.now(UTC))
    now = datetime.now(UTC)
    start = next(datetime.fromisoformat(s["start"]) for s in teams.team_slots(
        "duo", start=now, end=now + timedelta(days=7), duration=30, guest_zone="UTC", now=now)
        if datetime.fromisoformat(s["start"]) > now + timedelta(hours=3))
    first, second = new_token(), new_token()
    held = holds.hold("duo", team=True, start=start, duration=30, secret=first, client="192.0.2.1", now=now)
    other = holds.hold("duo", team=True, start=start, duration=30, secret=second, client="192.0.2.2", now=now)
    assert len(held.agent_ids) == 1 and len(other.agent_ids) == 1 and held.agent_ids != other.agent_ids
    with pytest.raises(SlotTaken):  # both members held: a third guest gets neither
        holds.hold("duo", team=True, start=start, duration=30, secret=new_token(), client="192.0.2.3", now=now)
    offered = teams.team_slots("duo", start=now, end=now + timedelta(days=7), duration=30, guest_zone="UTC", now=now)
    assert start not in [datetime.fromisoformat(s["start"]) for s in offered]
    meeting = teams.book_team(BookingRequest(slug="duo", start=start, duration=30, guest_name="Gus Guest",
                                             guest_email="gus@example.com", guest_time_zone="UTC",
                                             holder=token_hash(first)), now=now)
    assert meeting["agent_slug"] == (ann if held.agent_ids == (ann["id"],) else ben)["slug"]
