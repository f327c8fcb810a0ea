"""Production mode under concurrency: two backend workers on PostgreSQL and Redis book each slot once,
send each mail and each reminder once, and serve the pages with Reflex's state shared in Redis."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import text
from sqlmodel import select

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.tokens import token_hash
from kite_app.persistence import db
from kite_app.persistence.db import transaction
from kite_app.persistence.form_models import SlotHold
from kite_app.persistence.models import OutboxMail, Reminder, User
from kite_app.providers.mail.dispatcher import message_id
from kite_app.services import booking, one_time_links
from kite_app.services.booking import BookingRequest
from tests.api.test_api import ALL_DAY, free, race
from tests.api.test_team_api import make_team, team_race, team_slots
from tests.e2e.helpers import book_first_slot, log_in
from tests.production.conftest import all_mail_sent, wait_for
from tests.seed import AGENT_PASSWORD, double_bookings, open_agent


@pytest.fixture(scope="module")
def api(server):
    open_agent("Ann Around", "ann@example.com", hours=ALL_DAY)
    with httpx.Client(base_url=server.url + "/api/v1", timeout=60) as client:
        yield client


def test_two_workers_run_and_both_use_the_database(server, api):
    workers = server.worker_pids()
    assert len(workers) == 2, workers
    free(api)  # one request through the server
    with db.engine().connect() as conn:
        names = set(conn.execute(text("SELECT application_name FROM pg_stat_activity")).scalars())
    assert {f"kite-{pid}" for pid in workers} <= names, names  # each worker's background jobs connected


def test_races_across_workers_book_each_time_once(api):
    slots = free(api, duration=60, days=1)
    same = race(api, [slots[10]] * 50, 60)
    assert same.count(201) == 1 and same.count(409) == 49
    a = datetime.fromisoformat(slots[14])
    partial = [(a + timedelta(minutes=30 * (i % 2))).isoformat() for i in range(50)]  # 60 minutes, 30 apart
    result = race(api, partial, 60)
    assert result.count(201) == 1 and result.count(409) == 49
    assert double_bookings() == 0


def test_every_mail_goes_out_exactly_once(api, smtp):
    slots = free(api, duration=30, days=2)
    spread = race(api, slots[40:70], 30)  # 30 different times: each booked, two mails each
    assert spread.count(201) == 30
    assert wait_for(all_mail_sent)
    with transaction(read_only=True) as s:  # (the server's sender domain differs from this process's)
        expected = {message_id(m).split("@")[0] for m in s.exec(select(OutboxMail)).all()}
    delivered = Counter(m["Message-ID"].split("@")[0] for m in smtp.inbox)
    assert set(delivered) == expected and len(expected) >= 60
    assert max(delivered.values()) == 1, [mid for mid, n in delivered.items() if n > 1]


def test_every_reminder_goes_out_exactly_once(server, smtp):
    open_agent("Rita Reminder", "rita@example.com", hours=ALL_DAY, durations="15", default_duration="15",
               slot_interval="15", min_notice="15", reminders="1440")
    real_now = datetime.now(UTC)
    first = real_now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    # booked "yesterday" (the clock is passed in): their reminder a day ahead is due now, in both workers
    for i in range(40):
        booking.book(BookingRequest(slug="rita-reminder", start=first + timedelta(minutes=15 * i), duration=15,
                                    guest_name=f"Guest {i}", guest_email=f"remind{i}@example.com",
                                    guest_time_zone="Asia/Tokyo"), now=real_now - timedelta(days=1))

    def reminders_done() -> bool:
        with transaction(read_only=True) as s:
            return not s.exec(select(Reminder.id).where(Reminder.status == "scheduled",
                                                        Reminder.remind_at <= real_now)).first()

    assert wait_for(reminders_done) and wait_for(all_mail_sent)
    for i in range(40):
        got = [m for m in smtp.to(f"remind{i}@example.com") if m["Subject"].startswith("Reminder")]
        assert len(got) == 1, (i, len(got))
    to_agent = [m for m in smtp.to("rita@example.com") if m["Subject"].startswith("Reminder")]
    assert len(to_agent) == 40


def test_pages_work_across_workers(server, browser: Browser, shot):
    """Every page load may land on either worker; sessions and live updates go through Redis."""
    open_agent("Erin Expert", "erin@example.com", time_zone="Europe/Berlin", min_notice="120")
    agent = browser.new_context().new_page()
    log_in(agent, server.url, "erin@example.com", AGENT_PASSWORD)
    agent.get_by_role("link", name="Inbox").click()
    expect(agent.get_by_text("No conversations yet.")).to_be_visible()

    guest = browser.new_context(timezone_id="America/New_York").new_page()
    book_first_slot(guest, server.url, "erin-expert", "Production check", "Gus Guest", "gus@example.com")
    expect(guest.get_by_role("heading", name="Conversation with Erin Expert")).to_be_visible()

    expect(agent.get_by_role("button", name="Conversation with Gus Guest")).to_be_visible(timeout=15000)
    agent.get_by_role("button", name=re.compile("^Confirm ")).click()
    expect(guest.get_by_role("log", name="Messages")).to_contain_text("Erin Expert confirmed the meeting on",
                                                                      timeout=15000)
    for _ in range(4):  # reloads land on either worker: still signed in
        agent.reload()
        expect(agent.get_by_role("button", name="Conversation with Gus Guest")).to_be_visible(timeout=15000)
    shot("production-inbox", agent)


def test_team_races_across_workers_give_each_free_member_one_meeting(api):
    make_team(slug="helpdesk")
    start = team_slots(api, "helpdesk")[6]
    responses = team_race(api, start, 30, "helpdesk")
    assert sorted(r.status_code for r in responses) == [201, 201] + [409] * 28
    assert {r.json()["agent_slug"] for r in responses if r.status_code == 201} == {"helpdesk-alpha", "helpdesk-beta"}
    assert double_bookings() == 0


def test_a_one_time_link_and_a_held_time_across_workers(api):
    with transaction(read_only=True) as s:
        ann = s.exec(select(User).where(User.slug == "ann-around")).one()
    _view, token = one_time_links.create(Actor(user_id=ann.id, role=Role.AGENT), now=datetime.now(UTC))
    slots = free(api, days=2)

    def book_through_link(i: int) -> int:
        with httpx.Client(base_url=str(api.base_url), timeout=60) as client:
            return client.post(f"/one-time-links/{token}/bookings", json={
                "start": slots[i % 20], "name": "Racer", "email": f"link{i}@example.com"}).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(book_through_link, range(50)))
    assert codes.count(201) == 1 and set(codes) <= {201, 409, 410}, codes

    held = slots[-1]

    def hold(_i: int) -> httpx.Response:
        with httpx.Client(base_url=str(api.base_url), timeout=60) as client:
            return client.post("/agents/ann-around/holds", json={"start": held})

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(hold, range(50)))
    assert {r.status_code for r in answers} <= {201, 409}
    with transaction(read_only=True) as s:  # one address holds one time per agent: the last hold stands alone
        live = s.exec(select(SlotHold).where(SlotHold.expires_at > datetime.now(UTC))).all()
    assert len(live) == 1
    holder = next(r.json()["hold_token"] for r in answers if r.status_code == 201
                  and token_hash(r.json()["hold_token"]) == live[0].holder)
    taken = api.post("/agents/ann-around/bookings", json={"start": held, "name": "Other", "email": "o@example.com"})
    assert taken.status_code == 409
    mine = api.post("/agents/ann-around/bookings", json={"start": held, "name": "Holder", "email": "h@example.com",
                                                         "hold_token": holder})
    assert mine.status_code == 201, mine.text
    assert double_bookings() == 0

