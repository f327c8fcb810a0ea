"""CalDAV members in teams (round robin and collective), a write that meets a change made meanwhile (412), and a
calendar deleted on the server: all against real servers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlmodel import select

from kite_app.domain.accounts import Actor
from kite_app.domain.errors import CalendarUnavailable
from kite_app.domain.teams import TeamForm, TeamKind
from kite_app.persistence.calendar_models import CalendarSync
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, Message
from kite_app.providers.calendar.caldav import object_name
from kite_app.services import (
    availability,
    caldav_accounts,
    calendar_settings,
    calendar_sync,
    calendar_writes,
    meeting_changes,
    meeting_views,
    teams,
)
from kite_app.services.booking import BookingRequest
from tests.servers.caldav import Proxy
from tests.services.conftest import NOW, a_morning_ahead, caldav_agent

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def _event(start: datetime, uid: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VEVENT", f"UID:{uid}",
                        "DTSTAMP:20270101T000000Z", f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
                        f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}", "END:VEVENT", "END:VCALENDAR", ""])


def _team(admin: Actor, kind: str, members) -> None:
    teams.save_team(admin, TeamForm(name=f"Support {kind}", slug=f"support-{kind}".replace("_", "-"), kind=kind,
                                    members={m.view["id"]: "1" for m in members}, durations="30",
                                    default_duration="30", slot_interval="30", min_notice="0"), now=NOW)


def _book(slug: str, start: datetime, email: str = "gus@example.net"):
    view = teams.book_team(BookingRequest(slug=slug, start=start, duration=30, guest_name="Gus", guest_email=email,
                                          guest_time_zone="UTC"), now=datetime.now(UTC))
    calendar_writes.flush_calendar_writes()
    return view


def test_teams_of_caldav_members_round_robin_and_collective(caldav, dav):
    ana = caldav
    ana.connect()
    ana.open_booking()
    ben = caldav_agent(dav, ana.admin, "Ben", "ben@example.com")
    ben.connect()
    ben.open_booking()
    day = a_morning_ahead(2)
    dav.put(ben.calendar, ben.user, _event(day, "ben-busy"))  # Ben is busy at 10:00
    caldav_accounts.forget_connections()
    _team(ana.admin, TeamKind.COLLECTIVE, [ana, ben])
    _team(ana.admin, TeamKind.ROUND_ROBIN, [ana, ben])

    def offered(slug):
        return [s["start"] for s in teams.team_slots(slug, start=day - timedelta(hours=1), end=day + timedelta(hours=4),
                                                      duration=30, guest_zone="UTC", now=datetime.now(UTC))]

    # collective: everyone must be free, so Ben's 10:00 blocks the team; round robin: Ana is free then
    assert day.isoformat() not in offered("support-collective")
    assert day.isoformat() in offered("support-round-robin")
    rr = _book("support-round-robin", day)
    with transaction() as s:
        given = s.exec(select(Meeting).where(Meeting.uid != "")).all()
    assert [m.agent_id for m in given] == [ana.view["id"]] and rr
    assert ana.server.get(ana.calendar + object_name(given[0].uid), ana.user).status_code == 200

    later = day + timedelta(hours=2)
    _book("support-collective", later, email="ida@example.net")
    with transaction() as s:
        hosts = s.exec(select(Meeting).where(Meeting.starts_at == later)).all()
    assert sorted(m.agent_id for m in hosts) == sorted([ana.view["id"], ben.view["id"]])
    for host in (ana, ben):  # the meeting is in each host's own calendar, awaiting their answer
        row = next(m for m in hosts if m.agent_id == host.view["id"])
        stored = host.server.get(host.calendar + object_name(row.uid), host.user)
        assert stored.status_code == 200 and "PARTSTAT=NEEDS-ACTION" in stored.text
    assert later.isoformat() not in offered("support-collective")


def test_a_write_that_meets_a_change_made_meanwhile_reads_again_and_keeps_the_agents_answer(caldav):
    """Just before Kite's conditional PUT, the agent's calendar app changes the object (their Yes): the PUT meets
    a new ETag (412), as it would in life."""
    changed: list[str] = []

    def agent_answers_first(method: str, path: str) -> None:
        if method == "PUT" and path.endswith(".ics") and not changed:
            url = caldav.server.url.rstrip("/") + path
            changed.append(path)
            accepted = caldav.server.get(url, caldav.user).text.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED")
            caldav.server.request("PUT", url, caldav.user, accepted, {"Content-Type": "text/calendar"})

    proxy = Proxy(caldav.server.url)
    try:
        caldav.connect(url=proxy.url)
        caldav.calendar = proxy.address(caldav.calendar)
        caldav.open_booking()
        teams_free_booking(caldav, a_morning_ahead(2))
        with transaction() as s:
            row = s.exec(select(Meeting)).one()
        proxy.before = agent_answers_first
        meeting_changes.change_meeting(row.id, by="agent", now=datetime.now(UTC), subject="Renewal")
        calendar_writes.flush_calendar_writes()
        assert len(changed) == 1  # the agent's Yes came between Kite's read and its write
        ev = next(iter(icalendar.Calendar.from_ical(caldav.server.get(
            caldav.server.url.rstrip("/") + changed[0], caldav.user).text).walk("VEVENT")))
        assert str(ev["SUMMARY"]) == "Renewal"  # written again after the 412
        assert "PARTSTAT=ACCEPTED" in ev.to_ical().decode().replace("\r\n ", "")  # the agent's Yes was kept
    finally:
        proxy.stop()


def test_a_server_without_sync_collection_is_read_when_its_ctag_changes(caldav):
    """A server that offers no sync-token (no RFC 6578): answers are read in full when the calendar's ctag
    changed, and not at all while it stays."""
    reports: list[str] = []

    def without_sync(method: str, path: str, status: int, body: bytes) -> tuple[int, bytes]:
        if method == "PROPFIND":
            body = re.sub(rb"<[^<>]*sync-token>[^<]*</[^<>]*sync-token>", b"", body)
        return status, body

    def count(method: str, path: str) -> None:
        if method == "REPORT":
            reports.append(path)

    proxy = Proxy(caldav.server.url, change=without_sync, before=count)
    try:
        caldav.connect(url=proxy.url)
        caldav.calendar = proxy.address(caldav.calendar)
        caldav.open_booking()
        view = teams_free_booking(caldav, a_morning_ahead(2))
        with transaction() as s:
            row = s.exec(select(Meeting)).one()
        assert calendar_sync.sync_answers(now=datetime.now(UTC)) == 0
        with transaction() as s:
            token = s.exec(select(CalendarSync)).one().sync_token
        assert token and token.startswith("ctag:")
        before = len(reports)
        assert calendar_sync.sync_answers(now=datetime.now(UTC)) == 0
        assert len(reports) == before  # the ctag did not change: nothing read
        href = caldav.server.url.rstrip("/") + "/" + row.calendar_event_id.split("/", 3)[3]
        body = caldav.server.get(href, caldav.user).text
        caldav.server.request("PUT", href, caldav.user, body.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED"),
                              {"Content-Type": "text/calendar"})
        assert calendar_sync.sync_answers(now=datetime.now(UTC)) == 1
        assert meeting_views.get(view["manage_token"], now=datetime.now(UTC))["status"] == "confirmed"
    finally:
        proxy.stop()


def teams_free_booking(agent, start: datetime):
    from kite_app.services import booking

    view = booking.book(BookingRequest(slug=agent.view["slug"], start=start, duration=30, guest_name="Gus",
                                       guest_email="gus@example.net", guest_time_zone="UTC"), now=datetime.now(UTC))
    calendar_writes.flush_calendar_writes()
    return view


def test_a_calendar_deleted_on_the_server_is_reported_not_retried_forever(caldav):
    caldav.connect()
    cal = caldav.open_booking()
    day = a_morning_ahead(2)
    teams_free_booking(caldav, day)
    with transaction() as s:
        row = s.exec(select(Meeting)).one()
    assert row.calendar_event_id
    caldav.server.delete_url(caldav.calendar, caldav.user)
    caldav_accounts.forget_connections()
    with pytest.raises(CalendarUnavailable):  # unknown busy time is never offered as free
        availability.slots_for(caldav.view["slug"], start=day, end=day + timedelta(hours=4), duration=30,
                               guest_zone="UTC", now=datetime.now(UTC))
    view = calendar_settings.view(caldav.actor)
    assert any("cannot be read" in p and "deleted" in p for p in view["calendar_problems"]), view
    assert cal not in [c["id"] for c in view["calendars"]]

    # a change of the meeting cannot reach its event: the agent is told once, the meeting stands, no retries
    meeting_changes.change_meeting(row.id, by="agent", now=datetime.now(UTC), subject="Renewal")
    calendar_writes.flush_calendar_writes()
    with transaction() as s:
        kept = s.get(Meeting, row.id)
        notices = [m for m in s.exec(select(Message)).all() if (m.notice or {}).get("kind") == "calendar_failed"]
    assert kept.status == "pending" and kept.subject == "Renewal"
    assert len(notices) == 1
    from kite_app.services import calendar_sync

    assert calendar_sync.retry_calendar_writes(now=datetime.now(UTC)) == 0
    with transaction() as s:
        assert s.get(Meeting, row.id).calendar_synced_seq == s.get(Meeting, row.id).sequence
