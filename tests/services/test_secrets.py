"""Secrets in addresses (manage links, the meetings feed) and cookies on their way to the browser: looked
up by hash, guessing refused after a few misses per client, the feed address can be replaced, and a
cookie ticket works once and keeps its value unreadable in the database."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from kite_app.config import settings
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import KiteError, NotFound, TooManyAttempts
from kite_app.persistence import db
from kite_app.services import (
    booking,
    built_in_calendar,
    calendar_settings,
    conversations,
    cookie_tickets,
    meeting_changes,
    meeting_views,
    ratelimit,
)
from tests.services.test_booking import NOW, req


@pytest.fixture
def three_misses(monkeypatch):
    monkeypatch.setattr(settings, "token_misses_per_10_minutes", 3)
    ratelimit.reset()
    yield
    ratelimit.reset()


def test_a_client_guessing_manage_links_is_refused_even_a_right_one(open_agent, three_misses):
    token = booking.book(req(), now=NOW)["manage_token"]
    for guess in ("aaaa", "bbbb"):
        with pytest.raises(NotFound):
            meeting_views.get(guess, now=NOW, client="203.0.113.9")
    assert meeting_views.get(token, now=NOW, client="203.0.113.9")["manage_token"] == token  # 2 misses: still allowed
    with pytest.raises(NotFound):
        meeting_changes.cancel("cccc", now=NOW, client="203.0.113.9")
    for attempt in (lambda: meeting_views.get(token, now=NOW, client="203.0.113.9"),
                    lambda: meeting_changes.cancel(token, now=NOW, client="203.0.113.9"),
                    lambda: conversations.open_for_guest(token, now=NOW, client="203.0.113.9")):
        with pytest.raises(TooManyAttempts, match="Too many requests"):
            attempt()
    assert meeting_views.get(token, now=NOW, client="198.51.100.7")["status"] == "pending"  # others are not affected
    assert meeting_views.get(token, now=NOW + timedelta(minutes=11), client="203.0.113.9")["status"] == "pending"


def test_known_links_do_not_count_as_guesses(open_agent, three_misses):
    token = booking.book(req(), now=NOW)["manage_token"]
    for _ in range(10):
        meeting_views.get(token, now=NOW, client="203.0.113.9")
    assert meeting_views.my_meetings([token, token], slug="bob-agent", verified_email=None, now=NOW,
                               client="203.0.113.9")[0]["manage_token"] == token


def test_the_feed_is_found_by_its_hash_and_a_new_address_retires_the_old(open_agent, three_misses):
    actor, _view, _cal = open_agent
    old = calendar_settings.view(actor)["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert built_in_calendar.meetings_ics(old, now=NOW).startswith(b"BEGIN:VCALENDAR")
    with db.engine().connect() as conn:
        stored = conn.execute(text("SELECT feed_token_hash FROM calendar_settings")).scalar_one()
    assert len(stored) == 64 and old not in stored

    new = calendar_settings.new_feed_address(actor, now=NOW)["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert new != old and calendar_settings.view(actor)["feed_url"].endswith(f"/{new}.ics")
    assert built_in_calendar.meetings_ics(new, now=NOW).startswith(b"BEGIN:VCALENDAR")
    with pytest.raises(NotFound):
        built_in_calendar.meetings_ics(old, now=NOW, client="203.0.113.9")
    for guess in ("x", "y"):
        with pytest.raises(NotFound):
            built_in_calendar.meetings_ics(guess, now=NOW, client="203.0.113.9")
    with pytest.raises(TooManyAttempts):
        built_in_calendar.meetings_ics(new, now=NOW, client="203.0.113.9")


def test_only_the_agent_gets_a_new_feed_address(open_agent):
    actor, _view, _cal = open_agent
    before = calendar_settings.view(actor)["feed_url"]
    for someone in (None, Actor(user_id=1, role=Role.ADMIN)):
        with pytest.raises(KiteError):
            calendar_settings.new_feed_address(someone, now=NOW)
    assert calendar_settings.view(actor)["feed_url"] == before


def test_a_cookie_ticket_works_for_two_minutes_and_hides_its_value(database):
    ticket = cookie_tickets.issue("kite_session", "the-session-token", max_age=3600, now=NOW)
    with db.engine().connect() as conn:
        row = " ".join(map(str, conn.execute(text("SELECT * FROM cookie_tickets")).one()))
    assert "the-session-token" not in row and ticket not in row
    assert cookie_tickets.claim("not-" + ticket, now=NOW) is None
    cookie = cookie_tickets.claim(ticket, now=NOW)
    assert cookie == cookie_tickets.Cookie("kite_session", "the-session-token", 3600)
    assert cookie_tickets.claim(ticket, now=NOW) == cookie  # the next page may load it again
    assert cookie_tickets.claim(ticket, now=NOW + timedelta(seconds=cookie_tickets.TICKET_SECONDS)) is None

    late = cookie_tickets.issue("kite_guest", "g", max_age=60, now=NOW)
    assert cookie_tickets.claim(late, now=NOW + timedelta(seconds=cookie_tickets.TICKET_SECONDS + 1)) is None
