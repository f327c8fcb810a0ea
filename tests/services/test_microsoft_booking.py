"""Agents on Microsoft 365: Outlook busy time by its rules, meetings organised by the scheduling mailbox with the
agent invited, the agent's Accept or Decline in Outlook read back, Teams links, faults (throttling, Graph down,
tokens, a lost answer) and a team page in one $batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kite_app.domain.errors import CalendarUnavailable
from kite_app.domain.teams import TeamForm
from kite_app.persistence.db import transaction
from kite_app.persistence.meetings import by_token
from kite_app.services import (
    availability,
    booking,
    calendar_settings,
    calendar_sync,
    calendar_writes,
    meeting_changes,
    meeting_views,
    microsoft_install,
)
from kite_app.services import teams as team_service
from kite_app.services.booking import BookingRequest
from tests.services.conftest import MAILBOX, MIA, NOW

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
MON = datetime(2026, 11, 30, tzinfo=UTC)  # Mia works 08:00-16:00 UTC (09:00-17:00 in Berlin)


def at(hour: float) -> datetime:
    return MON + timedelta(hours=hour)


def slots(slug: str = "mia", start: datetime = MON, hours: int = 24) -> list[str]:
    return [s["start"][11:16] for s in availability.slots_for(slug, start=start, end=start + timedelta(hours=hours),
                                                               duration=30, guest_zone="UTC", now=NOW)]


def book(start: datetime | None = None, slug: str = "mia", email: str = "gus@example.net"):
    view = booking.book(BookingRequest(slug=slug, start=start or at(9), duration=30, guest_name="Gus",
                                       guest_email=email, guest_time_zone="UTC"), now=NOW)
    calendar_writes.flush_calendar_writes()
    return view


def meeting_of(view):
    with transaction(read_only=True) as s:
        return by_token(s, view["manage_token"])


def organisers(fake) -> list[dict]:
    return list(fake.events_of(MAILBOX).values())


def test_outlook_busy_time_follows_show_as_series_and_paging(microsoft):
    fake = microsoft.fake
    microsoft.agent("Mia", MIA, calendars=("Calendar", "Holidays"))
    fake.page_size = 2  # several pages per calendarView
    fake.add_event(MIA, at(8), at(8.5), show_as="busy")
    fake.add_event(MIA, at(9), at(9.5), show_as="tentative")
    fake.add_event(MIA, at(10), at(10.5), show_as="oof")
    fake.add_event(MIA, at(11), at(11.5), show_as="free")
    fake.add_event(MIA, at(12), at(12.5), show_as="workingElsewhere")
    fake.add_event(MIA, at(13), at(13.5), show_as="busy", cancelled=True)
    fake.add_event(MIA, at(14), at(14.5), calendar=fake.calendar_id(MIA, "Holidays"))
    fake.add_event(MIA, at(15) - timedelta(weeks=1), at(15.5) - timedelta(weeks=1), weekly=3)  # a weekly series
    before = fake.graph_calls("GET", "calendarView")
    assert slots() == ["08:30", "09:30", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30", "14:30",
                       "15:30"]
    assert fake.graph_calls("GET", "calendarView") - before >= 4  # two calendars, pages followed
    calls = len(fake.calls)
    slots()
    assert len(fake.calls) == calls  # the second view is served from the short cache


def test_a_booking_is_an_invitation_from_the_scheduling_mailbox_and_accept_in_outlook_confirms(microsoft):
    fake = microsoft.fake
    _actor, mia, _ids = microsoft.agent("Mia", MIA)
    m = book()
    [event] = organisers(fake)
    assert [a["emailAddress"]["address"] for a in event["attendees"]] == [MIA]  # the guest is no Exchange attendee
    assert "Gus <gus@example.net>" in event["body"]["content"] and event["transactionId"] == meeting_of(m).uid
    copy = fake.copy_of(MIA, event["id"], MAILBOX)
    assert copy["responseStatus"]["response"] == "none" and copy["showAs"] == "tentative"
    assert "09:00" not in slots() and "09:30" in slots()  # the meeting blocks once (Kite's own), not twice
    assert calendar_sync.sync_answers(now=NOW) == 0
    fake.answer(MIA, event["id"], MAILBOX, "accepted")
    assert calendar_sync.sync_answers(now=NOW) == 1
    calendar_writes.flush_calendar_writes()
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "confirmed"
    assert len(organisers(fake)) == 1


def test_decline_in_outlook_tells_the_guest(microsoft):
    fake = microsoft.fake
    microsoft.agent("Mia", MIA)
    m = book()
    fake.answer(MIA, organisers(fake)[0]["id"], MAILBOX, "declined")
    assert calendar_sync.sync_answers(now=NOW) == 1
    calendar_writes.flush_calendar_writes()
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "cancelled"
    assert organisers(fake) == []  # the meeting's event is deleted (Exchange cancels the copy)
    assert "09:00" in slots()


def test_yes_in_kite_accepts_the_invitation_a_new_time_patches_the_same_event_and_delete_cancels(microsoft):
    fake = microsoft.fake
    microsoft.agent("Mia", MIA, slot_interval="15")
    m = book()
    meeting_changes.confirm_meeting(meeting_of(m).id, now=NOW)
    calendar_writes.flush_calendar_writes()
    [event] = organisers(fake)
    assert fake.copy_of(MIA, event["id"], MAILBOX)["responseStatus"]["response"] == "accepted"
    assert event["attendees"][0]["status"]["response"] == "accepted"  # the organiser's event tracks it
    meeting_changes.change(m["manage_token"], now=NOW, start=at(9.25))  # overlaps its own old time: allowed
    calendar_writes.flush_calendar_writes()
    [moved] = organisers(fake)
    assert moved["id"] == event["id"] and moved["start"]["dateTime"].startswith("2026-11-30T09:15:00")
    meeting_changes.cancel(m["manage_token"], now=NOW)
    calendar_writes.flush_calendar_writes()
    assert organisers(fake) == []
    [copy] = [e for e in fake.events_of(MIA).values() if e["iCalUId"] == moved["iCalUId"]]
    assert copy["isCancelled"]  # Exchange sent Mia the cancellation


def test_a_teams_meeting_gets_its_join_link_and_keeps_it(microsoft):
    fake = microsoft.fake
    microsoft.agent("Mia", MIA, link="microsoft_teams")
    m = book()
    calendar_sync.retry_calendar_writes(now=NOW)
    [event] = organisers(fake)
    assert event["isOnlineMeeting"] and event["onlineMeetingProvider"] == "teamsForBusiness"
    url = event["onlineMeeting"]["joinUrl"]
    assert meeting_views.get(m["manage_token"], now=NOW)["meeting_url"] == url
    meeting_changes.change(m["manage_token"], now=NOW, start=at(11))
    calendar_writes.flush_calendar_writes()
    assert meeting_views.get(m["manage_token"], now=NOW)["meeting_url"] == url
    assert organisers(fake)[0]["onlineMeeting"]["joinUrl"] == url


def test_a_create_whose_answer_was_lost_makes_one_event(microsoft):
    fake = microsoft.fake
    microsoft.agent("Mia", MIA)
    fake.lost_creates = 1  # done in Exchange, but the answer is a 504
    m = book()
    calendar_sync.retry_calendar_writes(now=NOW)
    assert len(organisers(fake)) == 1
    assert meeting_of(m).calendar_event_id == organisers(fake)[0]["id"]


def test_throttling_is_honoured_without_hammering_and_graph_down_serves_recent_busy_time(microsoft):
    fake = microsoft.fake
    _actor, mia, _ids = microsoft.agent("Mia", MIA)
    fake.add_event(MIA, at(10), at(11))
    seen = slots()
    assert "10:00" not in seen
    microsoft_install.provider().invalidate(mia["id"])  # stale: the next view asks Graph again
    fake.fail_next(429, "TooManyRequests", times=50, retry_after=30)
    before = fake.graph_calls()
    for _ in range(3):
        assert slots() == seen  # busy time read minutes ago serves while Graph throttles
    assert fake.graph_calls() - before == 1  # one 429, then quiet until its Retry-After has passed


def test_a_token_that_expired_is_got_again_once(microsoft):
    fake = microsoft.fake
    microsoft.agent("Mia", MIA)
    slots()
    fake.expire_tokens()
    tokens = fake.token_calls
    slots(start=MON + timedelta(days=1))
    assert fake.token_calls - tokens == 1


def test_a_team_page_asks_graph_once_in_a_batch(microsoft):
    fake = microsoft.fake
    admin = microsoft.admin
    members = []
    for name in ("Mia", "Max", "Moe"):
        email = f"{name.lower()}@contoso.com"
        if email != MIA:
            fake.add_user(email, name)
        members.append(microsoft.agent(name, email)[1])
    team_service.save_team(admin, TeamForm(name="Sales", slug="sales", members={m["id"]: "1" for m in members},
                                           durations="30", default_duration="30", slot_interval="30",
                                           min_notice="0"), now=NOW)
    batches, views = fake.graph_calls("POST", "$batch"), fake.graph_calls("GET", "calendarView")
    found = team_service.team_slots("sales", start=MON, end=MON + timedelta(days=1), duration=30, guest_zone="UTC",
                                    now=NOW)
    assert found
    assert fake.graph_calls("POST", "$batch") - batches == 1 and fake.graph_calls("GET", "calendarView") == views


def test_graph_down_without_recent_busy_time_offers_nothing(microsoft):
    fake = microsoft.fake
    microsoft.agent("Mia", MIA)
    fake.fail_next(503, times=200)
    with pytest.raises(CalendarUnavailable):
        slots(start=MON + timedelta(days=3))


def test_calendar_settings_show_outlook_calendars_where_invitations_arrive_and_the_mailbox_zone(microsoft):
    fake = microsoft.fake
    fake.users[MIA]["zone"] = "GMT Standard Time"  # Exchange's Windows name: Europe/London by CLDR
    actor, _mia, ids = microsoft.agent("Mia", MIA)
    view = calendar_settings.view(actor)
    assert [(c["name"], c["writable"]) for c in view["calendars"]] == [
        ("Busy times", True), ("Calendar", True), ("Holidays", False)]  # invitations arrive in the default one
    assert str(view["calendar_sources"][ids["Calendar"]]) == "Microsoft 365 · invitations from " + MAILBOX
    assert view["calendar_sources"][ids["Holidays"]] == "Microsoft 365"
    [hint] = [str(p) for p in view["calendar_problems"]]
    assert "Europe/London" in hint and "Europe/Berlin" in hint
    fake.users[MIA]["zone"] = "W. Europe Standard Time"
    assert calendar_settings.view(actor)["calendar_problems"] == []


def test_an_agent_who_is_no_mailbox_of_the_tenant_sees_no_outlook_calendars(microsoft):
    from kite_app.domain.accounts import Actor, Role
    from kite_app.services import accounts

    made = accounts.create_agent(microsoft.admin, name="Zed", email="zed@elsewhere.org", time_zone="UTC",
                                 password="a long password", now=NOW)
    view = calendar_settings.view(Actor(user_id=made["id"], role=Role.AGENT))
    assert [c["name"] for c in view["calendars"]] == ["Busy times"] and view["calendar_problems"] == []


def test_graph_down_while_a_guest_books_loses_nothing_and_writes_once(microsoft):
    fake = microsoft.fake
    microsoft.agent("Mia", MIA)
    slots()  # busy time seen recently
    fake.fail_next(503, times=500)
    m = book()  # the booking stands; its invitation waits
    assert m["status"] == "pending" and organisers(fake) == []
    assert calendar_sync.retry_calendar_writes(now=NOW) == 0
    fake.failures.clear()
    assert calendar_sync.retry_calendar_writes(now=NOW) == 1
    assert len(organisers(fake)) == 1 and meeting_of(m).calendar_event_id == organisers(fake)[0]["id"]
    assert calendar_sync.retry_calendar_writes(now=NOW) == 0  # written once
