"""Agents on CalDAV servers (real Radicale and Xandikos): connecting an account, the refusals, meetings landing
in the agent's calendar awaiting their answer, and what happens when the server fails."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import icalendar
import pytest
from sqlmodel import select

from kite_app.config import settings
from kite_app.domain.errors import CalendarUnavailable, ValidationError
from kite_app.persistence.calendar_models import CalDAVAccount
from kite_app.persistence.db import transaction
from kite_app.persistence.meetings import by_token
from kite_app.persistence.models import Meeting, OutboxMail
from kite_app.providers.calendar import caldav as caldav_provider
from kite_app.providers.calendar.base import CalendarError
from kite_app.providers.calendar.caldav import object_name
from kite_app.services import (
    availability,
    booking,
    caldav_accounts,
    calendar_settings,
    calendar_sync,
    calendar_writes,
    meeting_changes,
    meeting_views,
)
from kite_app.services.booking import BookingRequest
from tests.conftest import free_port
from tests.seed import edit_form
from tests.servers.caldav import Radicale
from tests.services.conftest import a_morning_ahead

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def slug_of(agent) -> str:
    return agent.view["slug"]


def book(agent, start: datetime, email: str = "gus@example.net"):
    view = booking.book(BookingRequest(slug=slug_of(agent), start=start, duration=30, guest_name="Gus",
                                       guest_email=email, guest_time_zone="UTC"), now=datetime.now(UTC))
    calendar_writes.flush_calendar_writes()
    return view


def offered(agent, day: datetime) -> list[str]:
    return [s["start"] for s in availability.slots_for(slug_of(agent), start=day - timedelta(hours=2),
                                                        end=day + timedelta(hours=8), duration=30,
                                                        guest_zone="UTC", now=datetime.now(UTC))]


def stored_event(agent, uid: str) -> icalendar.Event:
    r = agent.server.get(agent.calendar + object_name(uid), agent.user)
    assert r.status_code == 200, r.status_code
    assert "METHOD" not in r.text  # a stored object is not an iTIP message
    return next(iter(icalendar.Calendar.from_ical(r.text).walk("VEVENT")))


def partstats(ev: icalendar.Event) -> dict[str, str]:
    attendees = ev.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return {str(a).lower().removeprefix("mailto:"): str(a.params.get("PARTSTAT")) for a in attendees}


def meeting_row(view) -> Meeting:
    with transaction() as s:
        return by_token(s, view["manage_token"])


# --- connecting ----------------------------------------------------------------------------------------------------

def test_connecting_finds_the_calendars_by_name_from_the_servers_address(caldav):
    found = caldav.connect()
    assert found[caldav.calendar_name] == caldav.calendar_id()
    cal = next(c for c in calendar_settings.view(caldav.actor)["calendars"] if c["id"] == caldav.calendar_id())
    assert cal["writable"] is True
    [account] = caldav_accounts.accounts(caldav.actor)
    assert account["username"] == caldav.user and not account["needs_reconnect"]
    with transaction() as s:
        row = s.exec(select(CalDAVAccount)).one()
    assert caldav.password not in row.sealed_password and caldav.password not in str(account)


def test_a_calendars_own_address_works_too_and_connecting_again_keeps_one_account(caldav):
    assert caldav.connect(url=caldav.calendar)[caldav.calendar_name] == caldav.calendar_id()
    caldav.connect(url=caldav.calendar)
    assert len(caldav_accounts.accounts(caldav.actor)) == 1
    # an address typed without a scheme is tried over https, never silently over http
    assert "TLS" in _refused(caldav, url=caldav.server.url.removeprefix("http://"))["url"]


def test_an_address_without_the_service_finds_it_through_the_well_known_address(caldav):
    """RFC 6764: /.well-known/caldav redirects (Radicale: 301, Xandikos: 302) to the service; the redirect is
    followed with the same PROPFIND, not turned into a GET."""
    found = caldav.connect(url=caldav.server.url + "no-service-here/")
    assert found[caldav.calendar_name] == caldav.calendar_id()


def test_task_lists_are_not_offered(caldav):
    tasks = caldav.server.make_calendar(caldav.user, "Tasks", components=("VTODO",))
    found = caldav.connect()
    assert "Tasks" not in found and caldav.calendar_id() in found.values()
    assert tasks


class _Plain(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>A web site</html>")

    do_PROPFIND = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


def _serve(handler, *, tls: bool = False) -> tuple[str, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls:
        from tests.servers.tls import self_signed_context  # a certificate no one trusts

        server.socket = self_signed_context().wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}/", server


def _refused(caldav, **form) -> dict[str, str]:
    """The field errors of a refused connect; the agent's accounts are as they were (nothing saved)."""
    before = caldav_accounts.accounts(caldav.actor)
    with pytest.raises(ValidationError) as err:
        caldav_accounts.connect(caldav.actor, {"url": caldav.server.url, "username": caldav.user,
                                               "password": caldav.password, **form}, now=datetime.now(UTC))
    assert caldav_accounts.accounts(caldav.actor) == before
    return err.value.errors


def test_each_refusal_says_what_to_fix_next_to_its_field_and_saves_nothing(caldav, monkeypatch):
    if isinstance(caldav.server, Radicale):
        assert _refused(caldav, password="wrong")["password"].startswith("The server refused the username or password")
    plain, web = _serve(_Plain)
    assert "not a CalDAV server" in _refused(caldav, url=plain)["url"]
    web.shutdown()
    assert "cannot be reached" in _refused(caldav, url=f"http://127.0.0.1:{free_port()}/")["url"]
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts, never answers
    monkeypatch.setattr(caldav_accounts, "TIMEOUT_SECONDS", 1)
    assert "did not answer within" in _refused(caldav, url=f"http://127.0.0.1:{silent.getsockname()[1]}/")["url"]
    silent.close()
    assert _refused(caldav, url="", username=" ", password="") == {
        "url": "Enter the server's address.", "username": "Enter your username on that server.",
        "password": "Enter the password (an app password, where your provider has them)."}
    monkeypatch.setattr(settings, "secret_key", "")
    assert "KITE_SECRET_KEY" in _refused(caldav)["secret_key"]


def test_a_server_whose_certificate_is_not_trusted_is_refused_before_the_password_is_sent(caldav):
    address, server = _serve(_Plain, tls=True)
    try:
        assert "certificate is not trusted" in _refused(caldav, url=address)["url"]
    finally:
        server.shutdown()


# --- booking ---------------------------------------------------------------------------------------------------------

def test_busy_time_blocks_and_the_meeting_lands_awaiting_the_agents_answer(caldav):
    caldav.connect()
    caldav.open_booking()
    day = a_morning_ahead(2)  # 10:00 in Berlin
    busy_at = day + timedelta(hours=1)
    caldav.server.put(caldav.calendar, caldav.user, "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "BEGIN:VEVENT", "UID:dentist", "DTSTAMP:20270101T000000Z",
        f"DTSTART:{busy_at:%Y%m%dT%H%M%SZ}", f"DTEND:{busy_at + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
        "END:VEVENT", "END:VCALENDAR", ""]))
    calendar_settings.save(caldav.actor, calendar_settings.view(caldav.actor)["form"], now=datetime.now(UTC))
    caldav_accounts.forget_connections()  # the event above was added after a page view could cache
    slots = offered(caldav, day)
    assert day.isoformat() in slots and busy_at.isoformat() not in slots
    assert (busy_at + timedelta(minutes=30)).isoformat() not in slots

    m = book(caldav, day)
    row = meeting_row(m)
    ev = stored_event(caldav, row.uid)
    assert str(ev["UID"]) == row.uid and int(ev["SEQUENCE"]) == row.sequence
    assert partstats(ev) == {"ana@example.com": "NEEDS-ACTION", "gus@example.net": "ACCEPTED"}
    assert str(ev["TRANSP"]) == "TRANSPARENT" and str(ev["STATUS"]) == "TENTATIVE"
    with transaction() as s:
        mail = s.exec(select(OutboxMail).where(OutboxMail.meeting_id == row.id)).first()
    assert mail is not None and mail.invite and mail.invite["uid"] == row.uid  # the invitation mail's UID

    # Yes in the agent's calendar app confirms it
    body = caldav.server.get(row.calendar_event_id, caldav.user).text
    caldav.server.request("PUT", row.calendar_event_id, caldav.user,
                          body.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED"), {"Content-Type": "text/calendar"})
    assert calendar_sync.sync_answers(now=datetime.now(UTC)) == 1
    calendar_writes.flush_calendar_writes()
    assert meeting_views.get(m["manage_token"], now=datetime.now(UTC))["status"] == "confirmed"
    ev = stored_event(caldav, row.uid)
    assert str(ev["TRANSP"]) == "OPAQUE" and partstats(ev)["ana@example.com"] == "ACCEPTED"

    # a move: one event still, a higher SEQUENCE, the new time
    meeting_changes.change_meeting(row.id, by="agent", now=datetime.now(UTC), start=day + timedelta(hours=3))
    calendar_writes.flush_calendar_writes()
    ev = stored_event(caldav, row.uid)
    assert int(ev["SEQUENCE"]) > 0 and ev["DTSTART"].dt == day + timedelta(hours=3)
    # a delete removes the object
    meeting_changes.delete_meeting(row.id, by="agent", now=datetime.now(UTC))
    calendar_writes.flush_calendar_writes()
    assert caldav.server.get(row.calendar_event_id, caldav.user).status_code == 404


def test_no_in_the_calendar_app_declines_and_a_deleted_event_counts_as_no(caldav):
    caldav.connect()
    caldav.open_booking()
    day = a_morning_ahead(3)
    declined, deleted = book(caldav, day), book(caldav, day + timedelta(hours=2), email="ida@example.net")
    for view, how in ((declined, "decline"), (deleted, "delete")):
        href = meeting_row(view).calendar_event_id
        if how == "decline":
            body = caldav.server.get(href, caldav.user).text
            caldav.server.request("PUT", href, caldav.user, body.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=DECLINED"),
                                  {"Content-Type": "text/calendar"})
        else:
            caldav.server.delete_url(href, caldav.user)
    assert calendar_sync.sync_answers(now=datetime.now(UTC)) == 2
    calendar_writes.flush_calendar_writes()
    for view in (declined, deleted):
        assert meeting_views.get(view["manage_token"], now=datetime.now(UTC))["status"] == "cancelled"
    assert day.isoformat() in offered(caldav, day)  # the time is free again


def test_a_server_down_loses_nothing_and_writes_nothing_twice(caldav_servers, tmp_path, database, monkeypatch):
    """Its own Radicale, stopped and started again: slots come from busy time up to 15 minutes old, then 503;
    the booking stands while the server is down and its event is written once it is back."""
    from tests.services.conftest import caldav_agent
    from tests.services.test_accounts import admin

    monkeypatch.setattr(settings, "secret_key", "a long random secret for the tests")
    server = Radicale(tmp_path / "own")
    server.start()
    try:
        agent = caldav_agent(server, admin(datetime.now(UTC)), "Ana", "ana@example.com")
        agent.connect()
        agent.open_booking()
        day = a_morning_ahead(2)
        assert day.isoformat() in offered(agent, day)
        server.stop()
        assert day.isoformat() in offered(agent, day)  # recent busy time serves
        m = book(agent, day)  # the write waits
        row = meeting_row(m)
        assert row.calendar_event_id is None and meeting_views.get(m["manage_token"], now=datetime.now(UTC))
        monkeypatch.setattr(caldav_provider, "STALE_SECONDS", 0)
        caldav_accounts.provider().invalidate(agent.view["id"])
        with pytest.raises(CalendarUnavailable):
            offered(agent, day)
        server.start()
        assert calendar_sync.retry_calendar_writes(now=datetime.now(UTC)) == 1
        assert calendar_sync.retry_calendar_writes(now=datetime.now(UTC)) == 0
        ev = stored_event(agent, row.uid)
        assert str(ev["UID"]) == row.uid
        listing = server.request("PROPFIND", agent.calendar, agent.user, headers={"Depth": "1"}).text
        assert listing.count(".ics<") == 1  # one object
    finally:
        server.stop()


def test_a_revoked_password_tells_the_agent_refuses_guests_and_reconnect_mends_it(caldav, monkeypatch):
    if not isinstance(caldav.server, Radicale):
        pytest.skip("Xandikos has no logins of its own")
    caldav.connect()
    caldav.open_booking()
    day = a_morning_ahead(2)
    caldav.server.add_user(caldav.user, "a new app password")
    caldav_accounts.forget_connections()
    with pytest.raises(CalendarUnavailable):
        offered(caldav, day)
    from fastapi.testclient import TestClient

    from kite_app.api.app import api

    r = TestClient(api).get(f"/api/v1/agents/{slug_of(caldav)}/slots",
                            params={"start": day.date().isoformat(), "tz": "UTC"})
    assert r.status_code == 503 and r.headers["Retry-After"] and r.json()["code"] == "calendar_unavailable"
    [account] = caldav_accounts.accounts(caldav.actor)
    assert account["needs_reconnect"]
    view = calendar_settings.view(caldav.actor)
    assert any("refused the stored password" in p and "Reconnect" in p for p in view["calendar_problems"])
    # its calendars stay in the form, by name, as last listed: a Save meanwhile does not lose them
    assert caldav.calendar_id() in [c["id"] for c in view["calendars"]]
    assert view["form"].destination_calendar == caldav.calendar_id()
    calendar_settings.save(caldav.actor, view["form"], now=datetime.now(UTC))
    with pytest.raises(CalendarUnavailable):
        offered(caldav, day)
    with transaction() as s:
        mails = s.exec(select(OutboxMail).where(OutboxMail.kind == "calendar_login")).all()
    assert len(mails) == 1 and "Reconnect" in mails[0].body_text and caldav.password not in mails[0].body_text
    caldav_accounts.connect(caldav.actor, {"url": caldav.server.url, "username": caldav.user,
                                           "password": "a new app password"}, now=datetime.now(UTC),
                            account_id=account["id"])
    assert not caldav_accounts.accounts(caldav.actor)[0]["needs_reconnect"]
    assert day.isoformat() in offered(caldav, day)


def test_disconnecting_takes_its_calendars_out_of_the_settings_with_a_warning(caldav):
    caldav.connect()
    cal = caldav.open_booking()
    [account] = caldav_accounts.accounts(caldav.actor)
    warning = caldav_accounts.disconnect(caldav.actor, account["id"], now=datetime.now(UTC))
    assert "New meetings now go to your built-in calendar" in warning
    form = calendar_settings.view(caldav.actor)["form"]
    assert cal not in form.blocking_calendars and form.destination_calendar.startswith("local:")
    assert cal not in [c["id"] for c in calendar_settings.view(caldav.actor)["calendars"]]


def test_another_agent_cannot_use_reconnect_or_disconnect_an_account(caldav):
    from kite_app.domain.errors import NotFound
    from tests.services.conftest import caldav_agent

    caldav.connect()
    [account] = caldav_accounts.accounts(caldav.actor)
    eve = caldav_agent(caldav.server, caldav.admin, "Eve", "eve@example.com")
    assert caldav_accounts.accounts(eve.actor) == []
    with pytest.raises(NotFound):
        caldav_accounts.disconnect(eve.actor, account["id"], now=datetime.now(UTC))
    with pytest.raises(NotFound):
        caldav_accounts.connect(eve.actor, {"url": eve.server.url, "username": eve.user, "password": eve.password},
                                now=datetime.now(UTC), account_id=account["id"])
    # her settings cannot name Ana's calendar, and its busy time is not read for her
    form = edit_form(calendar_settings.view(eve.actor)["form"], blocking_calendars=[caldav.calendar_id()])
    with pytest.raises(ValidationError):
        calendar_settings.save(eve.actor, form, now=datetime.now(UTC))
    with pytest.raises(CalendarError, match="not connected"):
        caldav_accounts.provider().busy(eve.view["id"], [caldav.calendar_id()], datetime.now(UTC),
                                        datetime.now(UTC) + timedelta(days=1))
    assert len(caldav_accounts.accounts(caldav.actor)) == 1


def test_an_agent_connects_several_accounts_each_named_beside_its_calendars(caldav, caldav_servers):
    other = next(s for s in caldav_servers.values() if s is not caldav.server)
    user = other.USER if not isinstance(other, Radicale) else "ana-second"
    if isinstance(other, Radicale):
        other.add_user(user, "second password")
    second = other.make_calendar(user, "Second " + caldav.calendar_name)
    caldav.connect()
    caldav_accounts.connect(caldav.actor, {"url": other.url, "username": user, "password": "second password"},
                            now=datetime.now(UTC))
    first_account, second_account = caldav_accounts.accounts(caldav.actor)
    view = calendar_settings.view(caldav.actor)
    names = {c["name"]: c["id"] for c in view["calendars"]}
    first_id, second_id = names[caldav.calendar_name], names["Second " + caldav.calendar_name]
    assert view["calendar_sources"][first_id] == f"{first_account['server']} · {caldav.user}"
    assert view["calendar_sources"][second_id] == f"{second_account['server']} · {user}"
    caldav_accounts.disconnect(caldav.actor, first_account["id"], now=datetime.now(UTC))
    left = [c["id"] for c in calendar_settings.view(caldav.actor)["calendars"]]
    assert first_id not in left and second_id in left and second.endswith("/")
