"""Teams through the REST API against the running server: slots and bookings of a round-robin team,
races for one time (two free members: two bookings, then slot_taken), and the manage link of a team
meeting."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kite_app.domain.teams import TeamForm
from kite_app.services import teams
from tests.api.test_api import ALL_DAY, guest
from tests.seed import admin_actor, open_agent

SERVER_ENV = {"KITE_BOOKING_RATE_PER_MINUTE": "100000"}


def make_team(kind: str = "round_robin", slug: str = "support") -> list[dict]:
    """Two members free all day and a third who works 09:00-17:00 UTC, in one team."""
    agents = [open_agent(f"{slug.title()} {n}", f"{slug}-{n.lower()}@example.com", hours=hours)
              for n, hours in (("Alpha", ALL_DAY), ("Beta", ALL_DAY))]
    teams.save_team(admin_actor(), TeamForm(name=slug.title(), slug=slug, kind=kind,
                                            members={a["id"]: "1" for a in agents}, durations="30, 60",
                                            default_duration="30", slot_interval="30", min_notice="60",
                                            window_days="14"), now=datetime.now(UTC))
    return agents


@pytest.fixture(scope="module")
def api(server):
    make_team()
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as client:
        yield client


def team_slots(api, slug="support", days=2) -> list[str]:
    start = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    end = (datetime.now(UTC) + timedelta(days=2 + days)).date().isoformat()
    r = api.get(f"/teams/{slug}/slots", params={"start": start, "end": end, "tz": "Asia/Kolkata"})
    assert r.status_code == 200, r.text
    assert r.json()["agent"] == slug.title() and r.json()["duration"] == 30
    return [s["start"] for s in r.json()["slots"]]


def team_race(api, start: str, n: int, slug="support") -> list[httpx.Response]:
    def attempt(i):
        with httpx.Client(base_url=str(api.base_url), timeout=60) as client:
            return client.post(f"/teams/{slug}/bookings", json=guest(start=start, email=f"team{i}@example.com"))

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(attempt, range(n)))


def test_a_team_booking_names_its_host_and_its_link_manages_it(api):
    start = team_slots(api)[4]
    r = api.post("/teams/support/bookings", json=guest(start=start))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["agent_slug"] in ("support-alpha", "support-beta") and body["hosts"] == [body["agent_slug"]]
    token = body["manage_token"]
    assert api.get(f"/bookings/{token}").json()["agent_slug"] == body["agent_slug"]
    moved = api.patch(f"/bookings/{token}", json={"duration": 60})
    assert moved.status_code == 200 and moved.json()["duration"] == 60
    assert api.delete(f"/bookings/{token}").json()["status"] == "cancelled"
    assert api.get("/teams/nobody/slots").json()["code"] == "not_found"


def test_racing_for_one_time_two_guests_get_the_two_members_then_slot_taken(api):
    start = team_slots(api)[10]
    responses = team_race(api, start, 20)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201] + [409] * 18, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["agent_slug"] for r in responses if r.status_code == 201} == {"support-alpha", "support-beta"}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"slot_taken"}
    assert start not in team_slots(api)


def test_a_collective_booking_has_every_member_as_host(api):
    make_team(kind="collective", slug="onboarding")
    start = team_slots(api, "onboarding")[3]
    responses = team_race(api, start, 5, slug="onboarding")
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    body = next(r.json() for r in responses if r.status_code == 201)
    assert body["hosts"] == ["onboarding-alpha", "onboarding-beta"] and body["agent_slug"] == "onboarding-alpha"
    assert body["agent_name"] == "Onboarding Alpha and Onboarding Beta" and body["status"] == "pending"
    assert api.delete(f"/bookings/{body['manage_token']}").json()["status"] == "cancelled"
    assert start in team_slots(api, "onboarding")
