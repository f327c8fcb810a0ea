"""The Google provider, with the real client library, against the local fake Google."""

from datetime import UTC, datetime, timedelta

import pytest

from kite_app.providers.calendar.base import EventData
from kite_app.providers.calendar.google import GoogleCalendarProvider
from kite_app.providers.calendar.google_api import SCOPES, GoogleCalendarError
from kite_app.providers.calendar.google_events import event_id_for
from tests.servers.google import FakeGoogle

AGENT = "ada@example.com"
START = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
def google():
    fake = FakeGoogle()
    fake.add_user(AGENT, {"team@example.com": "Team"})
    fake.start()
    yield fake
    fake.stop()


def provider(fake, scopes=SCOPES, retries=4):
    key = fake.service_account(delegate_scopes=list(scopes))
    return GoogleCalendarProvider(key, email_of=lambda _id: AGENT, api_endpoint=fake.api_endpoint, retries=retries)


def event(uid="m1@kite", tentative=True):
    return EventData(uid=uid, title="Meeting with Gus", start=START, end=START + timedelta(minutes=30),
                     description="Booked with Kite", guest_email="gus@example.net", tentative=tentative)


def test_calendars_busy_time_and_the_event_lifecycle(google):
    p = provider(google)
    assert [c["name"] for c in p.list_calendars(1)] == [AGENT, "Team"]
    google.events(AGENT, "team@example.com")["x1x1x"] = {
        "id": "x1x1x", "start": {"dateTime": "2026-12-01T10:00:00Z"}, "end": {"dateTime": "2026-12-01T11:00:00Z"}}
    window = (START - timedelta(hours=1), START + timedelta(hours=4))
    assert p.busy(1, ["google:team@example.com", "google:" + AGENT], *window) == [
        (int(datetime(2026, 12, 1, 10, tzinfo=UTC).timestamp()), int(datetime(2026, 12, 1, 11,
                                                                              tzinfo=UTC).timestamp()))]

    event_id = p.create_event(1, "google:" + AGENT, event())
    assert event_id == event_id_for("m1@kite")
    stored = google.events(AGENT)[event_id]
    assert stored["transparency"] == "transparent"
    assert {a["email"]: a["responseStatus"] for a in stored["attendees"]}[AGENT] == "needsAction"
    assert ("ada@example.com", "POST", f"calendars/{AGENT}/events") in google.calls
    assert p.event_status(1, "google:" + AGENT, event_id) == "needsAction"
    # a retried insert does not make a second event
    assert p.create_event(1, "google:" + AGENT, event()) == event_id
    assert len(google.events(AGENT)) == 1

    google.answer(AGENT, event_id, "accepted")
    assert p.event_status(1, "google:" + AGENT, event_id) == "accepted"
    p.update_event(1, "google:" + AGENT, event_id, event(tentative=False))
    assert google.events(AGENT)[event_id]["transparency"] == "opaque"
    p.delete_event(1, "google:" + AGENT, event_id)
    p.delete_event(1, "google:" + AGENT, event_id)  # already gone (410) counts as done
    assert p.event_status(1, "google:" + AGENT, event_id) == "deleted"


def test_transient_errors_are_retried(google):
    p = provider(google)
    google.fail_next(500, "backendError", times=2)
    google.fail_next(429, "rateLimitExceeded")
    assert len(p.list_calendars(1)) == 2


def test_lasting_errors_are_reported(google):
    p = provider(google, retries=1)
    google.fail_next(500, times=10)
    with pytest.raises(GoogleCalendarError):
        p.list_calendars(1)


def test_busy_time_is_cached_and_a_change_invalidates_it(google):
    p = provider(google)
    window = (START, START + timedelta(days=1))
    p.busy(1, ["google:" + AGENT], *window)
    p.busy(1, ["google:" + AGENT], *window)
    assert sum(1 for _u, _m, path in google.calls if path == "freeBusy") == 1
    p.create_event(1, "google:" + AGENT, event(tentative=False))  # a confirmed meeting is busy time
    assert len(p.busy(1, ["google:" + AGENT], *window)) == 1


def test_a_calendar_that_cannot_be_read_is_an_error_not_free_time(google):
    p = provider(google)
    with pytest.raises(GoogleCalendarError, match="cannot be read"):
        p.busy(1, ["google:missing@example.com"], START, START + timedelta(days=1))


def test_undelegated_scopes_and_unknown_users_are_refused(google):
    p = provider(google, scopes=["https://www.googleapis.com/auth/calendar.readonly"])
    with pytest.raises(Exception, match="unauthorized_client"):
        p.list_calendars(1)
    key = google.service_account(delegate_scopes=list(SCOPES))
    stranger = GoogleCalendarProvider(key, email_of=lambda _id: "nobody@example.com", api_endpoint=google.api_endpoint)
    with pytest.raises(Exception, match="invalid_grant"):
        stranger.list_calendars(1)


def test_the_fake_refuses_requests_google_would_refuse(google):
    import httpx

    p = provider(google)
    p.list_calendars(1)
    token = next(iter(google.tokens))
    headers = {"Authorization": f"Bearer {token}"}
    base = google.api_endpoint
    assert httpx.post(base + f"calendars/{AGENT}/events", json={"summary": "x", "colour": "red"},
                      headers=headers).status_code == 400
    assert httpx.get(base + "users/me/calendarList", params={"pageSizeX": 1}, headers=headers).status_code == 400
    assert httpx.get(base + "users/me/calendarList").status_code == 401


def test_slow_answers_are_waited_for(google):
    p = provider(google)
    google.delay = 1.0
    assert len(p.list_calendars(1)) == 2
