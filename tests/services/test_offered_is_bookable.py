"""What is offered can be booked, and only that: slot listings and the booking service share one grid
and one window, for random zones (the DST-odd ones included), hours, intervals and query ranges."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kite_app.domain.calendar_settings import SLOT_INTERVALS
from kite_app.domain.meeting import SlotUnavailable
from kite_app.services import availability, booking, meeting_changes
from kite_app.services.booking import BookingRequest
from tests.conftest import migrate
from tests.seed import open_agent

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Santiago", "Australia/Lord_Howe",
         "Pacific/Chatham", "Asia/Kathmandu"]
# real moments near DST changes in both hemispheres; the service reads `now` as given
NOWS = [datetime(2026, 3, 26, 9, 7, tzinfo=UTC), datetime(2026, 10, 21, 22, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 15, 30, tzinfo=UTC), datetime(2026, 9, 2, 3, 0, tzinfo=UTC),
        datetime(2026, 9, 21, 12, 0, tzinfo=UTC)]
HOURS = ["00:00-24:00", "09:00-17:00", "00:00-03:00, 22:30-24:00", "01:15-04:45", "08:00-12:00, 13:00-18:30"]
numbers = itertools.count()


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory):
    from kite_app.persistence import db

    url = f"sqlite:///{tmp_path_factory.mktemp('offered') / 'kite.db'}"
    migrate(url)
    yield url
    db.use_database(None)
    db.dispose(url)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(ZONES), hours=st.sampled_from(HOURS),
       interval=st.sampled_from([i for i in SLOT_INTERVALS if i >= 15]), duration=st.sampled_from([15, 30, 90, 360]),
       window=st.integers(1, 31), now=st.sampled_from(NOWS), from_day=st.integers(-1, 6),
       days=st.integers(1, 8), picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=4))
def test_every_listed_slot_books_and_every_accepted_time_is_listed(
        sqlite_db, zone, hours, interval, duration, window, now, from_day, days, picks):
    n = next(numbers)
    agent = open_agent(f"Agent {n}", f"agent{n}@example.com", hours=hours, time_zone=zone,
                       durations=str(duration), default_duration=str(duration), slot_interval=str(interval),
                       window_days=str(window), min_notice="15")
    start = now + timedelta(days=from_day, hours=from_day * 5)
    slots = availability.slots_for(agent["slug"], start=start, end=start + timedelta(days=days), duration=duration,
                                   guest_zone="UTC", now=now)
    # the same instants, listed from a query that starts days earlier, are listed again
    wide = availability.slots_for(agent["slug"], start=now, end=now + timedelta(days=32), duration=duration,
                                  guest_zone="UTC", now=now)
    assert {s["start"] for s in slots} <= {s["start"] for s in wide}
    for pick in picks if slots else []:
        slot = slots[pick % len(slots)]
        meeting = booking.book(BookingRequest(slug=agent["slug"], start=datetime.fromisoformat(slot["start"]),
                                              duration=duration, guest_name="Gus", guest_email="gus@example.com",
                                              guest_time_zone=zone), now=now)
        meeting_changes.cancel(meeting["manage_token"], now=now)
    listed = {datetime.fromisoformat(s["start"]) for s in wide}
    for pick in picks:  # times around each pick, on and off the grid
        probe = now + timedelta(minutes=5 * (pick % (32 * 288)))
        try:
            probed = booking.book(BookingRequest(slug=agent["slug"], start=probe, duration=duration, guest_name="Gus",
                                                 guest_email="gus@example.com", guest_time_zone=zone), now=now)
            meeting_changes.cancel(probed["manage_token"], now=now)  # the next probe finds the same free time
            accepted = True
        except SlotUnavailable:
            accepted = False
        assert accepted == (probe in listed), probe.isoformat()
