"""Agents on Google Workspace: their calendars block time, meetings land there awaiting their Yes."""

from datetime import UTC, datetime, timedelta

import pytest

from kite_app.config import settings
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.meeting import SlotTaken
from kite_app.persistence import db
from kite_app.persistence.db import transaction
from kite_app.persistence.meetings import by_token
from kite_app.providers.calendar.google_events import event_id_for
from kite_app.services import (
    availability,
    booking,
    calendar_settings,
    calendar_sync,
    calendar_writes,
    meeting_views,
    watches,
)
from kite_app.services.booking import BookingRequest
from tests.seed import edit_form
from tests.services.conftest import ADA, NOW  # noqa: E402  (the `google` fixture's world)

MON_10 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def book(request, now=NOW):
    """Book, then wait for the calendar write that runs in the background."""
    view = booking.book(request, now=now)
    calendar_writes.flush_calendar_writes()
    return view


def req(start=MON_10, email="gus@example.net"):
    return BookingRequest(slug="ada", start=start, duration=30, guest_name="Gus", guest_email=email,
                          guest_time_zone="UTC")


def slots(start=MON_10, hours=8):
    return [s["start"] for s in availability.slots_for("ada", start=start, end=start + timedelta(hours=hours),
                                                        duration=30, guest_zone="UTC", now=NOW)]


def test_google_busy_time_blocks_and_a_page_view_costs_one_google_call(google):
    fake, _ada = google
    fake.events(ADA, "holidays@example.com")["hol1day"] = {
        "id": "hol1day", "start": {"dateTime": "2026-11-30T10:00:00Z"}, "end": {"dateTime": "2026-11-30T11:00:00Z"}}
    before = len(fake.calls)
    offered = slots()
    assert "2026-11-30T10:00:00+00:00" not in offered and "2026-11-30T09:00:00+00:00" in offered
    assert len(fake.calls) - before == 1  # one freebusy.query for both calendars
    slots()
    assert len(fake.calls) - before == 1  # the second view is served from the short cache
    with pytest.raises(SlotTaken):
        booking.book(req(start=datetime(2026, 11, 30, 10, 30, tzinfo=UTC)), now=NOW)


def test_the_meeting_lands_in_google_awaiting_yes_and_yes_confirms_it(google):
    fake, ada = google
    m = book(req())
    event = fake.events(ADA)[event_id_for(booking_uid(m))]
    assert event["start"]["dateTime"] == "2026-11-30T09:00:00+00:00" and event["transparency"] == "transparent"
    assert {a["email"]: a["responseStatus"] for a in event["attendees"]} == {ADA: "needsAction",
                                                                              "gus@example.net": "accepted"}
    assert calendar_sync.sync_answers(now=NOW) == 0
    fake.answer(ADA, event["id"], "accepted")
    assert calendar_sync.sync_answers(now=NOW) == 1
    calendar_writes.flush_calendar_writes()
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "confirmed"
    assert fake.events(ADA)[event["id"]]["transparency"] == "opaque"


def test_no_in_google_declines_and_frees_the_time(google):
    fake, ada = google
    m = book(req())
    fake.answer(ADA, event_id_for(booking_uid(m)), "declined")
    calendar_sync.sync_answers(now=NOW)
    calendar_writes.flush_calendar_writes()
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "cancelled"
    assert fake.events(ADA)[event_id_for(booking_uid(m))]["status"] == "cancelled"


def test_google_down_during_a_booking_loses_nothing(google):
    fake, ada = google
    slots()  # busy time seen recently
    fake.fail_next(500, times=40)
    m = book(req())  # Google down: the booking stands on recent busy time
    assert m["status"] == "pending" and fake.events(ADA) == {}
    assert calendar_sync.retry_calendar_writes(now=NOW) == 0
    fake.failures.clear()
    assert calendar_sync.retry_calendar_writes(now=NOW) == 1
    assert list(fake.events(ADA)) == [event_id_for(booking_uid(m))]
    assert calendar_sync.retry_calendar_writes(now=NOW) == 0  # written once


def booking_uid(view) -> str:
    with transaction() as s:
        return by_token(s, view["manage_token"]).uid


def test_an_agent_google_cannot_list_still_has_settings_with_a_clear_note(google):
    fake, ada = google
    fake.fail_next(500, times=10)
    view = calendar_settings.view(Actor(user_id=ada["id"], role=Role.AGENT))
    assert [c["name"] for c in view["calendars"]] == ["Busy times"]
    assert "cannot be listed right now" in " ".join(view["calendar_problems"])


def test_answers_are_read_with_sync_tokens_and_an_expired_token_means_a_full_read(google):
    fake, ada = google
    first = book(req())
    second = book(req(start=MON_10 + timedelta(hours=2), email="two@example.net"))
    assert calendar_sync.sync_answers(now=NOW) == 0  # a full read, which leaves a sync token
    calls = len(fake.calls)
    fake.answer(ADA, event_id_for(booking_uid(first)), "accepted")
    assert calendar_sync.sync_answers(now=NOW) == 1
    assert [c for c in fake.calls[calls:] if c[1] == "GET" and c[2].endswith("/events")] == [
        (ADA, "GET", f"calendars/{ADA}/events")]  # the changes since the token, not every event
    fake.expire_sync_tokens()
    fake.answer(ADA, event_id_for(booking_uid(second)), "accepted")
    assert calendar_sync.sync_answers(now=NOW) == 1  # 410, then a full read
    assert meeting_views.get(second["manage_token"], now=NOW)["status"] == "confirmed"


def test_push_needs_https_or_an_explicit_switch_and_the_channel_secret(google, monkeypatch):
    fake, ada = google
    assert not settings.push_enabled  # KITE_PUBLIC_URL is http here
    now = datetime.now(UTC)  # channel expiry is Google's real clock
    assert not watches.ensure_watch(ada["id"], f"google:{ADA}", now=now)
    monkeypatch.setattr(settings, "google_push", True)
    assert watches.ensure_watch(ada["id"], f"google:{ADA}", now=now)
    [channel] = fake.channels.values()
    assert watches.ensure_watch(ada["id"], f"google:{ADA}", now=now)  # still open: not opened twice
    assert len(fake.channels) == 1
    assert not calendar_sync.handle_push(channel["id"], "forged", "exists", now=NOW)
    assert calendar_sync.handle_push(channel["id"], channel["token"], "exists", now=NOW)


def connections_held_while_google_answers(fake, monkeypatch) -> list[int]:
    """Filled with the database connections checked out at each freeBusy call Google gets from now on."""
    held: list[int] = []
    handle = fake.handle

    def observed(method, path, headers, raw):
        if "freeBusy" in path:
            held.append(db.engine().pool.checkedout())
        return handle(method, path, headers, raw)

    monkeypatch.setattr(fake, "handle", observed)
    return held


def test_no_database_connection_is_held_while_google_answers(google, monkeypatch):
    """A slot query reads the built-in side in one transaction, but not across a call to Google: a slow
    Google must not keep the database's connections checked out."""
    fake, _ada = google
    held = connections_held_while_google_answers(fake, monkeypatch)
    page, offered = availability.page_and_slots("ada", start=MON_10, end=MON_10 + timedelta(hours=8), duration=30,
                                                guest_zone="UTC", now=NOW)
    assert offered and held == [0]


def test_a_booking_holds_no_database_connection_while_google_answers(google, monkeypatch):
    """A booking's checks read the database in the transaction that then writes the meeting, unless the
    agent's busy time is on Google: then that read ends before Google is asked (on SQLite it would hold
    the write lock, and every other booking would wait on Google)."""
    fake, _ada = google
    held = connections_held_while_google_answers(fake, monkeypatch)
    m = book(req())
    assert held == [0] and meeting_views.get(m["manage_token"], now=NOW)["status"] == "pending"


def test_busy_time_from_the_built_in_calendar_and_meetings_to_google(google):
    """An agent whose busy time is all in Kite is checked and booked in one transaction; the meeting's event
    is written to Google after that commit (it finds the meeting), awaiting the agent's Yes."""
    fake, ada = google
    actor = Actor(user_id=ada["id"], role=Role.AGENT)
    view = calendar_settings.view(actor)
    built_in = next(c["id"] for c in view["calendars"] if c["name"] == "Busy times")
    calendar_settings.save(actor, edit_form(view["form"], blocking_calendars=[built_in]), now=NOW)
    assert calendar_settings.view(actor)["form"].destination_calendar == f"google:{ADA}"
    fake.events(ADA, "holidays@example.com")["hol1day"] = {  # no longer blocking
        "id": "hol1day", "start": {"dateTime": "2026-11-30T09:00:00Z"}, "end": {"dateTime": "2026-11-30T11:00:00Z"}}
    before = len(fake.calls)
    m = book(req())
    assert not [c for c in fake.calls[before:] if "freeBusy" in c[2]]  # Google was not asked for busy time
    event = fake.events(ADA)[event_id_for(booking_uid(m))]
    assert event["start"]["dateTime"] == "2026-11-30T09:00:00+00:00" and event["transparency"] == "transparent"
    with pytest.raises(SlotTaken):
        booking.book(req(email="late@example.net"), now=NOW)
