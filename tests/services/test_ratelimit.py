"""The booking and login-code rate limit: per client, sliding, and shared by every worker through Redis."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kite_app.config import settings
from kite_app.domain.errors import TooManyAttempts
from kite_app.services import meeting_changes, ratelimit
from tests.conftest import ROOT, free_port


@pytest.fixture(params=["memory", "redis"])
def store(request, monkeypatch):
    if request.param == "redis":
        monkeypatch.setattr(settings, "redis_url", request.getfixturevalue("redis_server").url)
    ratelimit._redis_script.cache_clear()
    ratelimit.reset()
    yield request.param
    ratelimit._redis_script.cache_clear()


def test_the_window_slides(store):
    client = f"203.0.113.7-{store}"
    for t in (0, 10, 20):
        ratelimit.hit("booking", client, limit=3, window=60, now=1000 + t)
    with pytest.raises(TooManyAttempts) as refused:
        ratelimit.hit("booking", client, limit=3, window=60, now=1030)
    assert refused.value.retry_after == 30 and "Try again in 30 seconds" in refused.value.message
    ratelimit.hit("booking", "198.51.100.1-" + store, limit=3, window=60, now=1030)  # another client
    ratelimit.hit("code", client, limit=3, window=60, now=1030)  # another action
    ratelimit.hit("booking", client, limit=3, window=60, now=1061)  # the first hit left the window


def test_workers_share_one_count_through_redis(redis_server, monkeypatch):
    monkeypatch.setattr(settings, "redis_url", redis_server.url)
    ratelimit._redis_script.cache_clear()
    ratelimit.hit("booking", "192.0.2.9", limit=3, window=60, now=5000)
    other_worker = ("from kite_app.services import ratelimit; "
                    "ratelimit.hit('booking', '192.0.2.9', limit=3, window=60, now=5001)")
    subprocess.run([sys.executable, "-c", other_worker], cwd=ROOT, check=True,
                   env={"REFLEX_REDIS_URL": redis_server.url, "PATH": "/usr/bin:/bin"})
    ratelimit.hit("booking", "192.0.2.9", limit=3, window=60, now=5002)
    with pytest.raises(TooManyAttempts):
        ratelimit.hit("booking", "192.0.2.9", limit=3, window=60, now=5003)
    ratelimit._redis_script.cache_clear()


def test_requests_go_through_while_redis_is_unreachable(monkeypatch, caplog):
    monkeypatch.setattr(settings, "redis_url", f"redis://127.0.0.1:{free_port()}")
    ratelimit._redis_script.cache_clear()
    for t in range(5):
        ratelimit.hit("booking", "192.0.2.10", limit=1, window=60, now=7000 + t)
    assert "Redis is unavailable" in caplog.text
    ratelimit._redis_script.cache_clear()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_booking_service_applies_the_limit_to_booking_and_to_the_guests_changes(open_agent, monkeypatch):
    from datetime import timedelta

    from kite_app.services import booking
    from tests.services.test_booking import MON_10, NOW, req

    monkeypatch.setattr(settings, "booking_rate_per_minute", 2)
    ratelimit.reset()
    first = booking.book(req(client="203.0.113.7"), now=NOW)
    booking.book(req(start=MON_10 + timedelta(hours=3), guest_email="two@example.com", client="203.0.113.7"), now=NOW)
    with pytest.raises(TooManyAttempts):  # a third booking from the same address within the minute
        booking.book(req(start=MON_10 + timedelta(hours=5), guest_email="three@example.com", client="203.0.113.7"),
                     now=NOW)
    with pytest.raises(TooManyAttempts):  # the manage page's changes count too
        meeting_changes.change(first["manage_token"], subject="Again", now=NOW, client="203.0.113.7")
    meeting_changes.change(first["manage_token"], subject="From elsewhere", now=NOW, client="198.51.100.1")
    booking.book(req(start=MON_10 + timedelta(hours=5), guest_email="three@example.com"), now=NOW)  # the app itself
    ratelimit.reset()
