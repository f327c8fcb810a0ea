"""Production mode under faults: a worker killed in the middle of a booking burst, the SMTP server down
and back, the database restarted during a burst, Redis gone. Nothing half-written, nothing lost,
clear errors."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import func
from sqlmodel import select

from kite_app.persistence import db
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, Message, OutboxMail
from kite_app.services import outbox
from tests.api.test_api import ALL_DAY, free, guest
from tests.production.conftest import all_mail_sent, start_production_server, wait_for
from tests.seed import admin_actor, double_bookings, open_agent
from tests.servers.postgres import PostgresServer
from tests.servers.redis import RedisServer


@pytest.fixture(scope="module")
def own_postgres():
    """A PostgreSQL server for this module alone: one test restarts it."""
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def own_redis():
    """A Redis server for this module alone: one test stops it."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(own_postgres, own_redis, smtp, tmp_path_factory):
    srv = start_production_server(tmp_path_factory.mktemp("faults"), own_postgres.new_database(),
                                  own_redis.url, smtp)
    yield srv
    db.use_database(None)
    srv.stop()
    db.dispose(srv.db_url)


@pytest.fixture
def api(server):
    with httpx.Client(base_url=server.url + "/api/v1", timeout=60) as client:
        yield client


def book(url: str, slug: str, start: str, email: str, key: str | None = None) -> httpx.Response | None:
    """One booking on a connection of its own; None when the connection broke (no answer)."""
    try:
        return httpx.post(f"{url}/api/v1/agents/{slug}/bookings", json=guest(start=start, email=email),
                          headers={"Idempotency-Key": key} if key else {}, timeout=60)
    except httpx.TransportError:
        return None


def meetings_of(email: str) -> list[Meeting]:
    with transaction(read_only=True) as s:
        return list(s.exec(select(Meeting).where(Meeting.guest_email == email)).all())


def assert_whole(meeting: Meeting) -> None:
    """A meeting is never half-written: its notice is in the conversation and both mails are queued."""
    with transaction(read_only=True) as s:
        notices = s.exec(select(func.count()).select_from(Message).where(Message.meeting_id == meeting.id)).one()
        mails = s.exec(select(func.count()).select_from(OutboxMail).where(OutboxMail.meeting_id == meeting.id)).one()
    assert notices >= 1 and mails >= 2, (meeting.id, notices, mails)


def test_a_worker_killed_mid_burst_loses_nothing(server, api):
    slug = open_agent("Kim Kill", "kim@example.com", hours=ALL_DAY)["slug"]
    slots = free(api, slug, duration=30, days=5)[:200]
    victim = server.worker_pids()[0]
    with ThreadPoolExecutor(max_workers=24) as pool:
        futures = [pool.submit(book, server.url, slug, slots[i], f"burst{i}@example.com", f"burst-{i}")
                   for i in range(len(slots))]
        assert wait_for(lambda: sum(f.done() for f in futures) >= 40, timeout=60)
        os.kill(victim, signal.SIGKILL)  # in the middle of the burst
        first = [f.result() for f in futures]
    unanswered = [i for i, r in enumerate(first) if r is None or r.status_code >= 500]
    assert all(r.status_code == 201 for r in first if r is not None and r.status_code < 500)

    # gunicorn replaces the dead worker; the other one went on serving
    assert wait_for(lambda: len(server.worker_pids()) == 2 and victim not in server.worker_pids())
    # a guest who got no answer tries again with the same Idempotency-Key: one meeting, never two
    retried = [book(server.url, slug, slots[i], f"burst{i}@example.com", f"burst-{i}") for i in unanswered]
    assert all(r is not None and r.status_code == 201 for r in retried), [r and r.text for r in retried]
    for i in range(len(slots)):
        mine = meetings_of(f"burst{i}@example.com")
        assert len(mine) == 1, (i, len(mine))
        assert_whole(mine[0])
    assert double_bookings() == 0
    # and every mail goes out, even one the dead worker had claimed (its claim runs out)
    assert wait_for(all_mail_sent, timeout=90)


def test_mail_waits_while_smtp_is_down_and_goes_out_once_when_back(server, api, smtp):
    slug = open_agent("Sam Smtp", "sam@example.com", hours=ALL_DAY)["slug"]
    assert wait_for(all_mail_sent)
    before = len(smtp.inbox)
    smtp.stop()
    slots = free(api, slug, duration=30, days=2)
    tokens = [api.post(f"/agents/{slug}/bookings", json=guest(start=slots[i], email=f"down{i}@example.com"))
              for i in range(3)]
    assert [r.status_code for r in tokens] == [201, 201, 201]  # guests are not kept waiting by mail

    def failed_attempts() -> list[dict]:
        rows = [m for m in outbox.recent(admin_actor()) if m["to"].startswith("down") or m["to"] == "sam@example.com"]
        return rows if len(rows) == 6 and all(m["state"].startswith("Waiting: ") for m in rows) else []

    assert wait_for(failed_attempts, timeout=20)  # each tried, failed, and waits with its error
    assert "failed attempt" in failed_attempts()[0]["state"]
    smtp.start()
    assert wait_for(all_mail_sent, timeout=60)
    arrived = smtp.inbox[before:]
    assert sorted(m["X-Envelope-To"] for m in arrived) == sorted(
        [f"down{i}@example.com" for i in range(3)] + ["sam@example.com"] * 3)
    assert max(Counter(m["Message-ID"] for m in arrived).values()) == 1


def test_a_page_says_so_while_the_database_is_down(server, own_postgres, browser: Browser, shot):
    open_agent("Pia Page", "pia@example.com", hours=ALL_DAY)
    page = browser.new_context().new_page()
    page.goto(server.url + "/book/pia-page")
    expect(page.get_by_role("heading", name="Pia Page", level=1)).to_be_visible()
    expect(page.get_by_role("group", name="Time").get_by_role("button").first).to_be_visible()
    own_postgres.down()
    try:
        page.get_by_role("button", name="My meetings").click()  # reads the database
        expect(page.get_by_text("The database is briefly unavailable.")).to_be_visible()
        expect(page.get_by_text("Try again in a moment.")).to_be_visible()
        page.wait_for_timeout(600)  # the notice has slid in
        shot("database-unavailable", page)
    finally:
        own_postgres.up()
    page.reload()
    expect(page.get_by_role("group", name="Time").get_by_role("button").first).to_be_visible(timeout=20_000)


def test_a_database_restart_during_a_burst_gives_clear_errors_then_recovers(server, api, own_postgres):
    slug = open_agent("Dan Database", "dan@example.com", hours=ALL_DAY)["slug"]
    slots = iter(free(api, slug, duration=30, days=11))
    answers: list[tuple[float, httpx.Response | None, str]] = []
    stop = time.monotonic() + 14
    restarted: dict[str, float] = {}

    def client(n: int) -> None:
        with httpx.Client(base_url=server.url + "/api/v1", timeout=60) as http:
            while time.monotonic() < stop:
                start = next(slots)
                try:
                    r = http.post(f"/agents/{slug}/bookings", json=guest(start=start, email=f"db{n}@example.com"))
                except httpx.TransportError:
                    r = None
                answers.append((time.monotonic(), r, start))
                time.sleep(0.2)

    tracebacks = server.log_path.read_text(errors="replace").count("Traceback")
    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(3)
    restarted["down"] = time.monotonic()
    own_postgres.down()
    time.sleep(3)
    own_postgres.up()
    restarted["up"] = time.monotonic()
    for t in threads:
        t.join()

    codes = Counter(r.status_code if r is not None else None for _, r, _ in answers)
    assert set(codes) <= {201, 503}, codes  # never a crash, never a dropped connection
    unavailable = [r for _, r, _ in answers if r.status_code == 503]
    assert unavailable, "the restart was not noticed"
    for r in unavailable:
        assert r.json()["code"] == "database_unavailable" and r.headers["Retry-After"] == "5"
        assert "Try again" in r.json()["message"]
    after = [r for t, r, _ in answers if t > restarted["up"] + 2]
    assert after and all(r.status_code == 201 for r in after)  # recovered by itself

    # every booking confirmed to a guest is there, whole; any other is for a time that got a 503
    def starts(code: int) -> set[datetime]:
        return {datetime.fromisoformat(start).astimezone(UTC) for _, r, start in answers if r.status_code == code}

    stored = [m for n in range(4) for m in meetings_of(f"db{n}@example.com")]
    assert starts(201) <= {m.starts_at for m in stored} <= starts(201) | starts(503)
    for meeting in stored:
        assert_whole(meeting)
    assert double_bookings() == 0
    assert wait_for(all_mail_sent, timeout=60)  # the background jobs came back too
    log = server.log_path.read_text(errors="replace")
    assert "skipped, the database is unavailable" in log  # they said so in one line each,
    assert log.count("Traceback") == tracebacks  # with no traceback from the jobs or the API


def test_bookings_go_on_while_redis_is_down(server, api, own_redis, browser: Browser):
    slug = open_agent("Rob Redis", "rob@example.com", hours=ALL_DAY)["slug"]
    slots = free(api, slug, duration=30, days=2)
    own_redis.stop()
    try:
        # the API needs no Redis: the rate limit lets requests through while it cannot count them
        answers = [api.post(f"/agents/{slug}/bookings", json=guest(start=slots[i], email=f"r{i}@example.com"))
                   for i in range(3)]
        assert [r.status_code for r in answers] == [201, 201, 201], [r.text for r in answers]
        assert len(server.worker_pids()) == 2
    finally:
        own_redis.start()
    page = browser.new_context().new_page()  # and the pages work again once Redis is back
    page.goto(server.url + "/book/rob-redis")
    expect(page.get_by_role("group", name="Time").get_by_role("button").first).to_be_visible(timeout=20_000)
