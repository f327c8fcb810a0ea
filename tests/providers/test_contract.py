"""The calendar provider contract: what the services ask of every calendar, passed by each provider in the same
words. Built-in (its database), Google (the real client against the fake Google), CalDAV (against real Radicale
and Xandikos servers), Microsoft 365 (msal and Graph against the fake Microsoft). A new provider is done when it
passes this module.

Each provider comes with its "world": the agent's calendar as seen from outside Kite, where an event is added by
the agent's own calendar app, the agent answers, or an event is deleted there.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kite_app.domain.intervals import to_seconds
from kite_app.persistence.db import transaction
from kite_app.persistence.models import BusyBlock
from kite_app.providers.calendar.base import CalendarError, EventData, EventGone
from kite_app.providers.calendar.caldav import Access, CalDAVCalendarProvider, calendar_id
from kite_app.providers.calendar.caldav_http import Credentials
from kite_app.providers.calendar.google import GoogleCalendarProvider
from kite_app.providers.calendar.google_api import SCOPES
from kite_app.providers.calendar.local import LocalCalendarProvider
from kite_app.providers.calendar.microsoft import PREFIX as MICROSOFT
from kite_app.providers.calendar.microsoft import MicrosoftCalendarProvider
from kite_app.providers.calendar.microsoft_graph import GraphConnection
from tests.servers.google import FakeGoogle
from tests.servers.microsoft import FakeMicrosoft

AGENT = "ada@example.com"
START = (datetime.now(UTC) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)


def event(uid: str, *, start: datetime = START, minutes: int = 30, tentative: bool = True, sequence: int = 0
          ) -> EventData:
    return EventData(uid=uid, title="Meeting with Gus", start=start, end=start + timedelta(minutes=minutes),
                     description="Booked with Kite", guest_email="gus@example.net", tentative=tentative,
                     sequence=sequence)


def seconds(start: datetime, end: datetime) -> tuple[int, int]:
    return to_seconds(start), to_seconds(end)


class LocalWorld:
    answers_outside = False  # the agent answers in Kite itself

    def __init__(self, database):
        from tests.services.test_accounts import admin, agent

        now = datetime.now(UTC)
        a = admin(now)
        self.agent_id = agent(a, now)["id"]
        self.provider = LocalCalendarProvider()
        cal = self.provider.list_calendars(self.agent_id)[0]
        self.calendar_id, self.calendar_name = cal["id"], cal["name"]
        self.gone_calendar = "local:999999"

    def add_busy(self, start: datetime, end: datetime) -> None:
        with transaction() as s:
            s.add(BusyBlock(calendar_id=int(self.calendar_id.partition(":")[2]), title="Dentist", starts_at=start,
                            ends_at=end))

    def delete_outside(self, event_id: str) -> None:
        with transaction() as s:
            s.delete(s.get(BusyBlock, int(event_id)))


class GoogleWorld:
    answers_outside = True

    def __init__(self):
        self.fake = FakeGoogle()
        self.fake.add_user(AGENT)
        self.fake.start()
        key = self.fake.service_account(delegate_scopes=list(SCOPES))
        self.provider = GoogleCalendarProvider(key, email_of=lambda _id: AGENT, api_endpoint=self.fake.api_endpoint,
                                               retries=1)
        self.agent_id, self.calendar_id, self.calendar_name = 1, "google:" + AGENT, AGENT
        self.gone_calendar = "google:gone@example.com"

    def add_busy(self, start: datetime, end: datetime) -> None:
        eid = uuid.uuid4().hex
        self.fake.events(AGENT)[eid] = {"id": eid, "start": {"dateTime": start.isoformat()},
                                        "end": {"dateTime": end.isoformat()}}

    def answer(self, event_id: str, answer: str) -> None:
        self.fake.answer(AGENT, event_id, answer)

    def delete_outside(self, event_id: str) -> None:
        self.fake.delete_by_owner(AGENT, event_id)

    def close(self) -> None:
        self.fake.stop()


class CalDAVWorld:
    answers_outside = True

    def __init__(self, server):
        from tests.servers.caldav import Radicale

        self.server = server
        if isinstance(server, Radicale):
            self.user, password = "ada-" + uuid.uuid4().hex[:6], "app-password"
            server.add_user(self.user, password)
        else:
            self.user, password = server.USER, "anything"
        self.calendar_name = "Work " + uuid.uuid4().hex[:4]
        self.url = server.make_calendar(self.user, self.calendar_name)
        home = self.url.rstrip("/").rpartition("/")[0] + "/"
        access = Access(account_id=7, agent_id=1, credentials=Credentials(server.url, self.user, password),
                        home_url=home, agent_email=AGENT, agent_name="Ada", zone="Europe/Berlin",
                        addresses=frozenset({AGENT}))
        self.provider = CalDAVCalendarProvider(lambda agent_id: [access] if agent_id == 1 else [],
                                               organizer_email="kite@example.com", timeout=5)
        self.agent_id, self.calendar_id = 1, calendar_id(7, self.url)
        self.gone_calendar = calendar_id(7, home + "gone/")

    def add_busy(self, start: datetime, end: datetime) -> None:
        stamp = "%Y%m%dT%H%M%SZ"
        self.server.put(self.url, self.user, "\r\n".join([
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tests//EN", "BEGIN:VEVENT", f"UID:{uuid.uuid4()}",
            "DTSTAMP:20270101T000000Z", f"DTSTART:{start.strftime(stamp)}", f"DTEND:{end.strftime(stamp)}",
            "SUMMARY:Dentist", "END:VEVENT", "END:VCALENDAR", ""]))

    def answer(self, event_id: str, answer: str) -> None:
        """The agent clicks Accept or Decline in their calendar app: their PARTSTAT is rewritten."""
        body = self.server.get(event_id, self.user).text
        self.server.request("PUT", event_id, self.user, body.replace(
            "PARTSTAT=NEEDS-ACTION", f"PARTSTAT={answer.upper()}"), {"Content-Type": "text/calendar"})

    def delete_outside(self, event_id: str) -> None:
        self.server.delete_url(event_id, self.user)


class MicrosoftWorld:
    """Outlook: the meeting is organised by the scheduling mailbox; the agent answers their invitation."""

    answers_outside = True
    MAILBOX = "meetings@contoso.com"

    def __init__(self):
        self.fake = FakeMicrosoft().start()
        self.fake.add_user(AGENT)
        self.fake.add_user(self.MAILBOX)
        client_id, secret = self.fake.register_app()
        graph = GraphConnection(tenant_id=self.fake.tenant, client_id=client_id, client_secret=secret,
                                login_endpoint=self.fake.url, graph_endpoint=self.fake.url, retries=1)
        self.provider = MicrosoftCalendarProvider(graph, mailbox=self.MAILBOX, email_of=lambda _id: AGENT)
        self.agent_id, self.calendar_name = 1, "Calendar"
        self.calendar_id = MICROSOFT + self.fake.calendar_id(AGENT)
        self.gone_calendar = MICROSOFT + "AAMkADgone="

    def add_busy(self, start: datetime, end: datetime) -> None:
        self.fake.add_event(AGENT, start, end)

    def answer(self, event_id: str, answer: str) -> None:
        self.fake.answer(AGENT, event_id, self.MAILBOX, answer)

    def delete_outside(self, event_id: str) -> None:
        self.fake.delete_by_organiser_mailbox(self.MAILBOX, event_id)

    def close(self) -> None:
        self.fake.stop()


@pytest.fixture(params=["built-in", "google", "caldav-radicale", "caldav-xandikos", "microsoft"])
def world(request):
    if request.param == "microsoft":
        w = MicrosoftWorld()
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("REQUESTS_CA_BUNDLE", str(w.fake.ca_file))
            yield w
        w.close()
    elif request.param == "built-in":
        request.getfixturevalue("database")
        yield LocalWorld(None)
    elif request.param == "google":
        w = GoogleWorld()
        yield w
        w.close()
    else:
        servers = request.getfixturevalue("caldav_servers")
        yield CalDAVWorld(servers[request.param.partition("-")[2]])


@pytest.fixture
def database(tmp_path):
    """The built-in calendar's database (SQLite: the contract is the same on PostgreSQL)."""
    from kite_app.persistence import db
    from tests.conftest import migrate

    url = f"sqlite:///{tmp_path / 'contract.db'}"
    migrate(url)
    yield url
    db.use_database(None)
    db.dispose(url)


def test_lists_the_agents_calendars_by_name_with_write_access(world):
    found = {c["id"]: c for c in world.provider.list_calendars(world.agent_id)}
    assert found[world.calendar_id]["name"] == world.calendar_name
    assert found[world.calendar_id]["writable"] is True


def test_busy_time_is_what_overlaps_the_range(world):
    world.add_busy(START + timedelta(hours=1), START + timedelta(hours=2))
    world.add_busy(START + timedelta(days=1), START + timedelta(days=1, hours=1))
    busy = world.provider.busy(world.agent_id, [world.calendar_id], START, START + timedelta(hours=4))
    assert busy == [seconds(START + timedelta(hours=1), START + timedelta(hours=2))]
    assert world.provider.busy(world.agent_id, [world.calendar_id], START + timedelta(hours=2),
                               START + timedelta(hours=3)) == []


def test_an_event_is_created_once_changed_and_deleted(world):
    p, cal = world.provider, world.calendar_id
    uid = f"{uuid.uuid4().hex}@kite"
    event_id = p.create_event(world.agent_id, cal, event(uid))
    assert p.event_status(world.agent_id, cal, event_id) == "needsAction"
    assert p.create_event(world.agent_id, cal, event(uid)) == event_id  # a retried create: still one event
    later = START + timedelta(hours=2)
    p.update_event(world.agent_id, cal, event_id, event(uid, start=later, sequence=1))
    p.update_event(world.agent_id, cal, event_id, event(uid, start=later, tentative=False, sequence=2))
    assert p.event_status(world.agent_id, cal, event_id) == "accepted"  # the agent's Yes in Kite reaches it
    p.delete_event(world.agent_id, cal, event_id)
    p.delete_event(world.agent_id, cal, event_id)  # already gone counts as done
    assert p.event_status(world.agent_id, cal, event_id) == "deleted"


def test_the_agents_answer_in_their_calendar_is_read(world):
    if not world.answers_outside:
        pytest.skip("the agent answers in Kite itself: there is no outside answer to read")
    p, cal = world.provider, world.calendar_id
    yes, no = f"{uuid.uuid4().hex}@kite", f"{uuid.uuid4().hex}@kite"
    yes_id = p.create_event(world.agent_id, cal, event(yes))
    no_id = p.create_event(world.agent_id, cal, event(no, start=START + timedelta(hours=3)))
    _, token = p.changes(world.agent_id, cal, None, since=START - timedelta(days=1))
    world.answer(yes_id, "accepted")
    world.answer(no_id, "declined")
    assert p.event_status(world.agent_id, cal, yes_id) == "accepted"
    assert p.event_status(world.agent_id, cal, no_id) == "declined"
    found, token = p.changes(world.agent_id, cal, token, since=START - timedelta(days=1))
    assert {(c.meeting_uid, c.answer) for c in found} >= {(yes, "accepted"), (no, "declined")}
    world.delete_outside(yes_id)
    found, _ = p.changes(world.agent_id, cal, token, since=START - timedelta(days=1))
    assert (yes, "deleted") in {(c.meeting_uid, c.answer) for c in found}


def test_the_same_failures_raise_the_same_exceptions(world):
    p, cal = world.provider, world.calendar_id
    uid = f"{uuid.uuid4().hex}@kite"
    event_id = p.create_event(world.agent_id, cal, event(uid))
    world.delete_outside(event_id)
    with pytest.raises(EventGone):  # deleted in the calendar: the meeting's write path takes it as the agent's No
        p.update_event(world.agent_id, cal, event_id, event(uid, sequence=1))
    if world.gone_calendar.startswith("local:"):
        assert p.busy(world.agent_id, [world.gone_calendar], START, START + timedelta(hours=1)) == []
        with pytest.raises(CalendarError):
            p.create_event(world.agent_id, world.gone_calendar, event(f"{uuid.uuid4().hex}@kite"))
    else:  # a calendar that cannot be read could hide busy time: an error, never free time
        with pytest.raises(CalendarError):
            p.busy(world.agent_id, [world.gone_calendar], START, START + timedelta(hours=1))
