"""The Google provider under load and faults, and Google's own semantics, against the local fake
Google: concurrent callers, Google or its token endpoint down or slow, calendars no longer shared
or read-only, events the agent deletes, answers kept across updates, paging, the freebusy cache,
and push channels renewed and stopped."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kite_app.api.app import api
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import CalendarUnavailable, ValidationError
from kite_app.persistence.db import transaction
from kite_app.persistence.models import OutboxMail
from kite_app.providers.calendar import provider_for
from kite_app.providers.calendar.google import GoogleCalendarProvider
from kite_app.providers.calendar.google_api import SCOPES
from kite_app.providers.calendar.google_events import event_id_for
from kite_app.services import (
    accounts,
    availability,
    booking,
    calendar_settings,
    calendar_sync,
    calendar_writes,
    conversations,
    install,
    meeting_changes,
    meeting_views,
    watches,
)
from tests.seed import edit_form
from tests.servers.google import FakeGoogle
from tests.services.conftest import a_morning_ahead
from tests.services.test_google_booking import ADA, MON_10, NOW, book, booking_uid, req

SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
ADMIN = Actor(user_id=1, role=Role.ADMIN)  # the first account, made by the `google` fixture


def ada_actor(ada) -> Actor:
    return Actor(user_id=ada["id"], role=Role.AGENT)


def slot_starts(start=MON_10, now=NOW, hours=8):
    return [s["start"] for s in availability.slots_for("ada", start=start, end=start + timedelta(hours=hours),
                                                        duration=30, guest_zone="UTC", now=now)]


def google_provider() -> GoogleCalendarProvider:
    return provider_for(f"google:{ADA}")  # type: ignore[return-value]


# --- concurrency ---------------------------------------------------------------------------------------

def test_dozens_of_concurrent_slot_queries_for_several_agents_all_succeed():
    fake = FakeGoogle()
    agents = {n: f"agent{n}@example.com" for n in range(4)}
    for email in agents.values():
        fake.add_user(email)
    fake.start()
    try:
        fake.delay = 0.05  # every answer takes a moment, so that requests overlap
        for n, email in agents.items():  # each agent has one busy hour on each of the next days
            for day in range(12):
                start = datetime(2026, 12, 1, 9 + n, tzinfo=UTC) + timedelta(days=day)
                fake.events(email)[f"busy{n}x{day:02d}"] = {
                    "id": f"busy{n}x{day:02d}", "start": {"dateTime": start.isoformat()},
                    "end": {"dateTime": (start + timedelta(hours=1)).isoformat()}}
        key = fake.service_account(delegate_scopes=list(SCOPES))
        # what is tested here is that concurrent callers share the client safely, not the guest's time budget
        # (its own tests below): on a loaded 2-core machine, 24 threads signing their tokens at once can take
        # longer than the 2 s a guest would wait
        p = GoogleCalendarProvider(key, email_of=agents.__getitem__, api_endpoint=fake.api_endpoint, read_budget=20.0)

        def query(i: int):
            n, day = i % 4, i // 4  # a different agent or day each time: no cache hit
            start = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(days=day)
            return n, day, p.busy(n, [f"google:{agents[n]}"], start, start + timedelta(days=1))

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=24) as pool:
            results = list(pool.map(query, range(48)))
        elapsed = time.monotonic() - started
        for n, day, busy in results:
            hour = datetime(2026, 12, 1, 9 + n, tzinfo=UTC) + timedelta(days=day)
            assert busy == [(int(hour.timestamp()), int(hour.timestamp()) + 3600)]
        assert fake.calls_to("POST", "freeBusy") == 48
        assert elapsed < 30, f"48 queries took {elapsed:.1f} s"
    finally:
        fake.stop()


# --- faults never reach the guest as a 500 or a long wait ----------------------------------------------

@SQLITE
def test_the_guest_never_waits_on_a_calendar_write(google):
    fake, ada = google
    fake.write_delay = 3.0  # Google takes its time with writes
    m = booking.book(req(), now=NOW)
    assert m["status"] == "pending" and fake.events(ADA) == {}  # answered before Google has the event
    calendar_writes.flush_calendar_writes()
    assert list(fake.events(ADA)) == [event_id_for(booking_uid(m))]

    fake.write_delay = 0.0
    fake.fail_writes_next(500, times=1000)  # writes fail for a long while
    second = booking.book(req(start=MON_10 + timedelta(hours=2), email="two@example.net"), now=NOW)
    assert second["status"] == "pending"
    calendar_writes.flush_calendar_writes()
    assert len(fake.events(ADA)) == 1  # waiting, not lost
    fake.write_failures.clear()
    assert calendar_sync.retry_calendar_writes(now=NOW) == 1
    assert len(fake.events(ADA)) == 2


@SQLITE
def test_a_slow_google_costs_a_read_about_two_seconds_then_recent_busy_time_serves(google):
    fake, _ada = google
    fake.events(ADA, "holidays@example.com")["hol1day"] = {
        "id": "hol1day", "start": {"dateTime": "2026-11-30T10:00:00Z"}, "end": {"dateTime": "2026-11-30T11:00:00Z"}}
    offered = slot_starts()
    google_provider().invalidate(_ada["id"])  # as after a change: the next view asks Google
    fake.delay = 20  # Google hangs
    started = time.monotonic()
    assert slot_starts() == offered  # the last answer, seconds old, still serves
    assert time.monotonic() - started < 8
    fake.delay = 0


@SQLITE
def test_a_token_endpoint_that_fails_serves_recent_busy_time_or_a_clear_503(google):
    fake, ada = google
    offered = slot_starts()
    fake.tokens.clear()  # the access token is no longer accepted: a new one is needed
    fake.fail_token_next(503, times=1000)
    google_provider().invalidate(ada["id"])
    assert slot_starts() == offered  # recent busy time serves booking
    google_provider()._busy_cache.clear()  # nothing recent to fall back on
    with pytest.raises(CalendarUnavailable):
        slot_starts()
    r = TestClient(api).get("/api/v1/agents/ada/slots", params={"start": "2026-11-30", "tz": "UTC"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "60"
    assert r.json()["code"] == "calendar_unavailable" and "try again" in r.json()["message"]
    fake.token_failures.clear()
    assert slot_starts() == offered  # back by itself


@SQLITE
def test_a_token_endpoint_that_cannot_be_resolved_is_a_clear_503(google, monkeypatch):
    fake, _ada = google
    install.google_provider()
    [(key, _provider)] = install._provider_cache.items()
    broken = {**install.stored_key(), "token_uri": "http://google-token.invalid/token"}  # DNS cannot resolve it
    monkeypatch.setitem(install._provider_cache, key, GoogleCalendarProvider(
        broken, email_of=lambda _id: ADA, api_endpoint=fake.api_endpoint))
    start = a_morning_ahead()  # the REST API books on the real clock
    r = TestClient(api).get("/api/v1/agents/ada/slots", params={"start": start.date().isoformat(), "tz": "UTC"})
    assert r.status_code == 503 and r.json()["code"] == "calendar_unavailable", r.text
    booked = TestClient(api).post("/api/v1/agents/ada/bookings", json={
        "start": start.isoformat(), "name": "Gus", "email": "gus@example.net"})
    assert booked.status_code == 503 and booked.json()["code"] == "calendar_unavailable"


@SQLITE
def test_a_blocking_calendar_no_longer_shared_is_a_clear_503_and_the_agent_is_told(google):
    fake, ada = google
    fake.unshare(ADA, "holidays@example.com")
    r = TestClient(api).get("/api/v1/agents/ada/slots", params={"start": "2026-11-30", "tz": "UTC"})
    assert r.status_code == 503 and r.json()["code"] == "calendar_unavailable", r.text
    view = calendar_settings.view(ada_actor(ada))
    assert "Busy time of holidays@example.com cannot be read" in " ".join(view["calendar_problems"])


@SQLITE
def test_only_writable_calendars_take_meetings_and_a_write_that_can_never_succeed_is_not_retried(google):
    fake, ada = google
    fake.calendars[ADA]["team@example.com"] = {"summary": "Team (read only)", "primary": False, "events": {},
                                               "role": "reader"}
    actor = ada_actor(ada)
    view = calendar_settings.view(actor)
    assert {c["id"]: c["writable"] for c in view["calendars"]}["google:team@example.com"] is False
    with pytest.raises(ValidationError) as refused:
        calendar_settings.save(actor, edit_form(view["form"], destination_calendar="google:team@example.com"),
                                            now=NOW)
    assert "only read" in refused.value.errors["destination_calendar"]

    fake.calendars[ADA][ADA]["role"] = "reader"  # the meeting calendar becomes read-only after saving
    m = book(req())
    inserts = fake.calls_to("POST", f"calendars/{ADA}/events")
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "pending"  # the meeting stands in Kite
    assert calendar_sync.retry_calendar_writes(now=NOW) == 0
    assert fake.calls_to("POST", f"calendars/{ADA}/events") == inserts  # not tried again
    [conv] = conversations.inbox(actor)
    agent_texts = [x["text"] for x in conversations.open_for_agent(actor, conv["id"], now=NOW)["messages"]]
    assert any("could not be added to your calendar ada@example.com" in t for t in agent_texts)
    guest_texts = [x["text"] for x in conversations.open_for_guest(m["manage_token"], now=NOW)["messages"]]
    assert not any("could not be added" in t for t in guest_texts)


# --- Google's semantics --------------------------------------------------------------------------------

@SQLITE
def test_an_update_keeps_the_agents_yes_unless_the_time_changes(google):
    fake, _ada = google
    m = book(req())
    event_id = event_id_for(booking_uid(m))
    fake.answer(ADA, event_id, "accepted")  # Yes in Google; Kite has not synced yet

    def agent_answer():
        return {a["email"]: a["responseStatus"] for a in fake.events(ADA)[event_id]["attendees"]}[ADA]

    meeting_changes.change(m["manage_token"], subject="New subject", now=NOW)
    calendar_writes.flush_calendar_writes()
    assert fake.events(ADA)[event_id]["summary"] == "New subject"
    assert agent_answer() == "accepted"
    patch_body_fields = fake.patches[-1]
    assert set(patch_body_fields) == {"summary"}  # only what changed
    meeting_changes.change(m["manage_token"], start=MON_10 + timedelta(hours=1), now=NOW)
    calendar_writes.flush_calendar_writes()
    assert agent_answer() == "needsAction"  # a new time: the agent is asked again


@SQLITE
def test_an_event_the_agent_deletes_in_google_declines_the_meeting(google):
    fake, _ada = google
    m = book(req())
    fake.delete_by_owner(ADA, event_id_for(booking_uid(m)))
    assert calendar_sync.sync_answers(now=NOW) == 1
    calendar_writes.flush_calendar_writes()
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "cancelled"
    with transaction() as s:
        kinds = [k for k in s.exec(select(OutboxMail.kind).order_by(OutboxMail.id))]
    assert kinds[-1] == "declined"  # the guest hears of it as of a No
    assert calendar_sync.retry_calendar_writes(now=NOW) == 0

    # the write in the background finds the event gone and declines the meeting: on the real clock, so the
    # meeting must lie ahead of it (one that has begun stays as it is)
    now = datetime.now(UTC)
    second = book(req(start=a_morning_ahead(), email="two@example.net"), now=now)
    fake.delete_by_owner(ADA, event_id_for(booking_uid(second)))
    meeting_changes.change(second["manage_token"], subject="Still on?", now=now)  # a write before any sync
    calendar_writes.flush_calendar_writes()
    assert meeting_views.get(second["manage_token"], now=now)["status"] == "cancelled"
    assert calendar_sync.retry_calendar_writes(now=now) == 0  # nothing waits on the gone event


@SQLITE
def test_every_calendar_of_an_agent_with_many_is_listed(google):
    fake, ada = google
    for n in range(300):
        fake.calendars[ADA][f"room{n:03d}@example.com"] = {"summary": f"Room {n:03d}", "primary": False,
                                                           "events": {}, "role": "reader"}
    names = [c["name"] for c in calendar_settings.view(ada_actor(ada))["calendars"]]
    assert len(names) == 1 + 2 + 300 and "Room 299" in names
    assert fake.calls_to("GET", "users/me/calendarList") >= 2  # read page by page


@SQLITE
def test_two_page_views_within_a_minute_cost_one_freebusy_call(google):
    fake, _ada = google
    before = fake.calls_to("POST", "freeBusy")
    now = datetime(2026, 11, 30, 7, 0, 12, tzinfo=UTC)
    for seconds in (0, 20, 45):  # the booking page: from "now" on, a few seconds apart
        moment = now + timedelta(seconds=seconds)
        availability.slots_for("ada", start=moment, end=moment + timedelta(days=14), duration=30, guest_zone="UTC",
                               now=moment)
    assert fake.calls_to("POST", "freeBusy") - before == 1


@SQLITE
def test_push_channels_are_renewed_before_they_expire_and_stopped_when_unused(google, monkeypatch):
    from kite_app.config import settings

    fake, ada = google
    monkeypatch.setattr(settings, "google_push", True)
    fake.channel_seconds = 12 * 3600  # Google gives this channel half a day
    now = datetime.now(UTC)
    assert watches.ensure_watch(ada["id"], f"google:{ADA}", now=now)
    [first] = fake.live_channels()
    watches.renew_watches(now=now)  # expires within a day: a new channel, the old one stopped
    [second] = fake.live_channels()
    assert second["id"] != first["id"] and fake.stopped == [first["id"]]

    actor = ada_actor(ada)
    form = calendar_settings.view(actor)["form"]
    calendar_settings.save(actor, edit_form(form, destination_calendar="google:holidays@example.com"),
                                        now=now)
    assert second["id"] in fake.stopped  # the old meeting calendar is no longer watched
    [third] = fake.live_channels()
    assert third["calendar"] == "holidays@example.com"

    accounts.set_agent_active(ADMIN, ada["id"], active=False, now=now)
    assert third["id"] in fake.stopped and fake.live_channels() == []

    accounts.set_agent_active(ADMIN, ada["id"], active=True, now=now)
    assert watches.ensure_watch(ada["id"], "google:holidays@example.com", now=now)
    install.uninstall(ADMIN)
    assert fake.live_channels() == []
