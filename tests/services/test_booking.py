from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from kite_app.domain.errors import NotFound, ValidationError
from kite_app.domain.meeting import SlotTaken, SlotUnavailable
from kite_app.persistence.db import transaction
from kite_app.persistence.models import BusyBlock, Meeting, MeetingLink
from kite_app.services import (
    availability,
    booking,
    built_in_calendar,
    calendar_settings,
    meeting_changes,
    meeting_views,
)
from kite_app.services.booking import BookingRequest, LoginRequired
from tests.services.test_availability import NOW, valid_form

MON_10 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin


def req(slug="bob-agent", start=MON_10, duration=30, **kw):
    fields = {"guest_name": "Gus Guest", "guest_email": "gus@example.com", "guest_time_zone": "America/New_York"}
    fields.update(kw)
    return BookingRequest(slug=slug, start=start, duration=duration, **fields)


def live_meetings():
    with transaction() as s:
        return s.exec(select(Meeting).where(Meeting.status != "cancelled")).all()


def test_booking_shows_the_time_in_the_guests_zone_and_writes_a_tentative_event(open_agent):
    actor, view, cal = open_agent
    m = booking.book(req(subject="Pricing <b>question</b>"), now=NOW)
    assert (m["date_label"], m["time_label"]) == ("Monday 30 November 2026", "04:00–04:30 (America/New_York)")
    assert m["status"] == "pending" and m["subject"] == "Pricing <b>question</b>" and len(m["manage_token"]) >= 32
    with transaction() as s:
        block = s.exec(select(BusyBlock).where(BusyBlock.title == "Pricing <b>question</b>")).one()
        assert block.status == "tentative" and block.starts_at == MON_10
    assert meeting_views.get(m["manage_token"], now=NOW)["guest_email"] == "gus@example.com"


@pytest.mark.parametrize(
    "start, duration, code",
    [
        (MON_10 - timedelta(days=1), 30, "slot_in_past"),
        (NOW + timedelta(minutes=30), 30, "too_soon"),
        (MON_10 + timedelta(days=21), 30, "beyond_window"),
        (datetime(2026, 11, 30, 11, 0, tzinfo=UTC), 30, "outside_hours"),  # 12:00 Berlin: lunch
        (datetime(2026, 12, 2, 9, 0, tzinfo=UTC), 30, "outside_hours"),  # Wednesday off
        (MON_10 + timedelta(minutes=10), 30, "slot_off_grid"),
        (MON_10, 45, "duration_not_offered"),
    ],
)
def test_rule_breaking_times_get_their_own_code(open_agent, start, duration, code):
    with pytest.raises(SlotUnavailable) as info:
        booking.book(req(start=start, duration=duration), now=NOW)
    assert info.value.code == code
    assert live_meetings() == []


@pytest.mark.parametrize("field, value", [("guest_email", "nope"), ("guest_name", ""), ("guest_time_zone", "Mars/Base"),
                                          ("subject", "x" * 201)])
def test_bad_guest_input_changes_nothing(open_agent, field, value):
    with pytest.raises(ValidationError):
        booking.book(req(**{field: value}), now=NOW)
    assert live_meetings() == []


def test_unknown_or_unpublished_agent(open_agent):
    with pytest.raises(NotFound):
        booking.book(req(slug="nobody"), now=NOW)


def test_exact_and_partial_overlaps_and_buffers_are_refused(open_agent):
    booking.book(req(), now=NOW)  # 10:00-10:30, buffer after 15 min
    for start, duration in [(MON_10, 30), (MON_10 - timedelta(minutes=30), 60), (MON_10 + timedelta(minutes=30), 30)]:
        with pytest.raises(SlotTaken):
            booking.book(req(start=start, duration=duration, guest_email="other@example.com"), now=NOW)
    booking.book(req(start=MON_10 + timedelta(hours=1), guest_email="other@example.com"), now=NOW)
    assert len(live_meetings()) == 2


def test_the_database_refuses_an_overlap_even_without_the_service(open_agent):
    booking.book(req(), now=NOW)
    _actor, view, _cal = open_agent
    with pytest.raises(Exception, match="meeting_overlap|meetings_no_overlap"):
        with transaction() as s:
            s.add(Meeting(uid="sneaky", agent_id=view["id"], guest_name="x", guest_email="x@example.com",
                          starts_at=MON_10 + timedelta(minutes=15), ends_at=MON_10 + timedelta(minutes=45),
                          created_at=NOW, updated_at=NOW))
    assert len(live_meetings()) == 1


def test_busy_calendar_time_is_taken(open_agent):
    actor, _view, cal = open_agent
    built_in_calendar.add_block(actor, calendar_id=cal, title="Dentist", start="2026-11-30T10:15",
                                end="2026-11-30T10:45")
    with pytest.raises(SlotTaken):
        booking.book(req(), now=NOW)


def test_fifty_concurrent_bookings_of_one_slot_make_one_meeting(open_agent):
    def attempt(i):
        try:
            booking.book(req(guest_email=f"g{i}@example.com", start=MON_10 + timedelta(minutes=30 * (i % 2))), now=NOW)
            return "ok"
        except SlotTaken:
            return "taken"

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(attempt, range(50)))
    # 10:00 and 10:30 overlap through the 15-minute buffer: one of the two wins
    assert results.count("ok") == 1 and results.count("taken") == 49
    assert len(live_meetings()) == 1


def test_idempotency_key_returns_the_first_booking(open_agent):
    first = booking.book(req(idempotency_key="abc-123"), now=NOW)
    again = booking.book(req(idempotency_key="abc-123"), now=NOW)
    assert len(live_meetings()) == 1 and again["start"] == first["start"]
    # links are kept only as hashes: the retry gets a link of its own, and both open the one meeting
    assert again["manage_token"] != first["manage_token"]
    assert meeting_views.get(again["manage_token"], now=NOW) == meeting_views.get(first["manage_token"], now=NOW) | {
        "manage_token": again["manage_token"]}


def test_only_the_hash_of_a_manage_link_is_stored(open_agent):
    m = booking.book(req(), now=NOW)
    with transaction() as s:
        stored = [str(v) for row in s.exec(select(MeetingLink)) for v in row.model_dump().values()]
        stored += [str(v) for row in s.exec(select(Meeting)) for v in row.model_dump().values()]
    assert m["manage_token"] not in " ".join(stored)
    assert any(len(v) == 64 for v in stored)


def test_guest_changes_then_deletes_and_the_time_is_free_again(open_agent):
    m = booking.book(req(), now=NOW)
    token = m["manage_token"]
    moved = meeting_changes.change(token, now=NOW, start=MON_10 + timedelta(hours=1), duration=60,
                                   subject="New subject")
    assert moved["time_label"] == "05:00–06:00 (America/New_York)" and moved["subject"] == "New subject"
    # its own old time does not block it, its own event is not busy time
    back = meeting_changes.change(token, now=NOW, start=MON_10, duration=30)
    assert back["time_label"] == "04:00–04:30 (America/New_York)"
    with pytest.raises(SlotUnavailable):
        meeting_changes.change(token, now=NOW, start=MON_10 + timedelta(minutes=5))
    other = booking.book(req(start=MON_10 + timedelta(hours=3), guest_email="o@example.com"), now=NOW)
    with pytest.raises(SlotTaken):
        meeting_changes.change(token, now=NOW, start=MON_10 + timedelta(hours=3))
    meeting_changes.cancel(token, now=NOW)
    with pytest.raises(ValidationError):
        meeting_changes.change(token, now=NOW, subject="too late")
    slots = availability.slots_for("bob-agent", start=MON_10, end=MON_10 + timedelta(hours=1), duration=30,
                                   guest_zone="UTC", now=NOW)
    assert slots[0]["start"] == MON_10.isoformat()
    with transaction() as s:
        assert s.exec(select(BusyBlock).where(BusyBlock.uid.is_not(None))).all()[0].title == "Meeting with Gus Guest"
        assert len(s.exec(select(BusyBlock)).all()) == 1  # the deleted meeting's event is gone
    assert other["status"] == "pending"


def test_started_meetings_cannot_be_changed(open_agent):
    m = booking.book(req(), now=NOW)
    later = MON_10 + timedelta(minutes=5)
    with pytest.raises(ValidationError, match="already started"):
        meeting_changes.change(m["manage_token"], now=later, subject="x")
    with pytest.raises(ValidationError, match="already started"):
        meeting_changes.cancel(m["manage_token"], now=later)


def test_unknown_manage_links_show_nothing(open_agent):
    booking.book(req(), now=NOW)
    for token in ("", "guess", "A" * 32):
        with pytest.raises(NotFound):
            meeting_views.get(token, now=NOW)
        with pytest.raises(NotFound):
            meeting_changes.cancel(token, now=NOW)


def test_login_required_agents_need_a_verified_email(open_agent):
    actor, _view, cal = open_agent
    calendar_settings.save(actor, valid_form(cal, require_guest_login="on"), now=NOW)
    with pytest.raises(LoginRequired):
        booking.book(req(), now=NOW)
    with pytest.raises(LoginRequired):
        booking.book(req(verified_email="someone-else@example.com"), now=NOW)
    assert booking.book(req(verified_email="GUS@example.com"), now=NOW)["status"] == "pending"


def test_my_meetings_lists_links_held_and_the_verified_guests_meetings(open_agent):
    a = booking.book(req(), now=NOW)
    b = booking.book(req(start=MON_10 + timedelta(hours=1)), now=NOW)
    c = booking.book(req(start=MON_10 + timedelta(hours=3), guest_email="x@example.com"), now=NOW)
    assert [m["manage_token"] for m in meeting_views.my_meetings([a["manage_token"]], slug="bob-agent",
                                                           verified_email=None, now=NOW)] == [a["manage_token"]]
    mine = meeting_views.my_meetings([], slug="bob-agent", verified_email="gus@example.com", now=NOW)
    assert [m["start"] for m in mine] == [a["start"], b["start"]]
    assert c["manage_token"] not in [m["manage_token"] for m in mine]


def test_concurrent_bookings_of_different_slots_all_succeed(open_agent):
    """Writers queue for the database instead of failing with 'database is locked'."""
    starts = [MON_10 + timedelta(days=d, hours=h) for d in (0, 1, 3) for h in (0, 1, 4, 5, 6)]

    def attempt(start):
        return booking.book(req(start=start, guest_email=f"{start:%d%H}@example.com"), now=NOW)["status"]

    with ThreadPoolExecutor(max_workers=15) as pool:
        assert list(pool.map(attempt, starts)) == ["pending"] * len(starts)
    with transaction() as s:
        assert len(s.exec(select(BusyBlock).where(BusyBlock.uid.is_not(None))).all()) == len(starts)
