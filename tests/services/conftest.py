"""Fixtures of the service tests that several modules share."""

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kite_app.config import settings
from kite_app.domain.accounts import Actor, Role
from kite_app.providers.calendar.google_api import SCOPES
from kite_app.services import accounts, calendar_settings, install
from tests.seed import edit_form
from tests.servers.google import FakeGoogle
from tests.services.test_accounts import admin, agent
from tests.services.test_availability import valid_form

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 Berlin
ADA = "ada@example.com"


def a_morning_ahead(days: int = 2) -> datetime:
    """10:00 in Berlin (inside Ada's hours) `days` days after today on the real clock: for a test of what runs
    on the real clock (the REST API, background calendar writes), where a fixed date would one day be past."""
    berlin = ZoneInfo("Europe/Berlin")
    day = datetime.now(berlin).date() + timedelta(days=days)
    return datetime.combine(day, time(10), tzinfo=berlin).astimezone(UTC)


@pytest.fixture
def bob(database):
    """Bob, an agent in Europe/Berlin who has not saved calendar settings yet: (actor, user view)."""
    a = admin(NOW)
    view = agent(a, NOW)
    return Actor(user_id=view["id"], role=Role.AGENT), view


@pytest.fixture
def open_agent(bob):
    """Bob with his booking page open (tests.services.test_availability.valid_form, 15 minutes after
    each meeting): (actor, user view, his built-in calendar id)."""
    actor, view = bob
    cal = calendar_settings.view(actor)["calendars"][0]["id"]
    calendar_settings.save(actor, valid_form(cal, buffer_after="15"), now=NOW)
    return actor, view, cal


@pytest.fixture
def google(database, monkeypatch):
    """Google Workspace installed against a fresh fake Google; Ada, an agent in Berlin, on her Google
    calendars (hers and "Holidays" block time, meetings go to hers), open 09:00-17:00 every day."""
    fake = FakeGoogle()
    fake.add_user("it@example.com")
    fake.add_user(ADA, {"holidays@example.com": "Holidays"})
    fake.start()
    monkeypatch.setattr(settings, "google_api_endpoint", fake.api_endpoint)
    monkeypatch.setattr(settings, "secret_key", "a long random secret for the tests")
    monkeypatch.setattr(settings, "google_retries", 1)
    a = admin(NOW)
    key = fake.service_account(delegate_scopes=list(SCOPES))
    install.install(a, key_text=json.dumps(key), admin_email="it@example.com", primary_domain="example.com", now=NOW)
    ada = accounts.create_agent(a, name="Ada", email=ADA, time_zone="Europe/Berlin", password="a long password",
                                now=NOW)
    actor = Actor(user_id=ada["id"], role=Role.AGENT)
    view = calendar_settings.view(actor)
    assert [c["name"] for c in view["calendars"]] == ["Busy times", ADA, "Holidays"]
    every_day = {f"{kind}_{day}": value for day in range(7)
                 for kind, value in (("day", "on"), ("hours", "09:00-17:00"))}
    form = edit_form(view["form"], blocking_calendars=[f"google:{ADA}", "google:holidays@example.com"],
                     destination_calendar=f"google:{ADA}", slot_interval="30", **every_day)
    calendar_settings.save(actor, form, now=NOW)
    yield fake, ada
    fake.stop()


# --- CalDAV: real servers (Radicale, Xandikos) ------------------------------------------------------------------

@pytest.fixture(params=["radicale", "xandikos"])
def dav(request, caldav_servers):
    return caldav_servers[request.param]


class CalDAVAgent:
    """An agent in Berlin with a login on a CalDAV server and a fresh calendar there: (actor, view, calendar URL,
    the server's user). `connect()` connects the account in Kite and returns its calendars' ids by name."""

    def __init__(self, server, actor, view, user: str, password: str, admin_actor):
        self.server, self.actor, self.view, self.user, self.password = server, actor, view, user, password
        self.admin = admin_actor
        self.calendar_name = f"Work {view['email'].partition('@')[0]} {uuid.uuid4().hex[:4]}"
        self.calendar = server.make_calendar(user, self.calendar_name)

    def connect(self, url: str | None = None) -> dict[str, str]:
        from kite_app.services import caldav_accounts

        caldav_accounts.connect(self.actor, {"url": url or self.server.url, "username": self.user,
                                             "password": self.password}, now=NOW)
        return {c["name"]: c["id"] for c in calendar_settings.view(self.actor)["calendars"]}

    def calendar_id(self) -> str:
        from kite_app.providers.calendar.caldav import calendar_id
        from kite_app.services import caldav_accounts

        account = caldav_accounts.accounts(self.actor)[-1]
        return calendar_id(account["id"], self.calendar)

    def open_booking(self, *, every_day: str = "09:00-17:00", **changes) -> str:
        """Settings saved with the CalDAV calendar blocking time and holding meetings; returns its id."""
        cal = self.calendar_id()
        form = calendar_settings.view(self.actor)["form"]
        days = {f"{kind}_{day}": value for day in range(7) for kind, value in (("day", "on"), ("hours", every_day))}
        calendar_settings.save(self.actor, edit_form(form, blocking_calendars=[cal], destination_calendar=cal,
                                                     slot_interval="30", min_notice="0", **{**days, **changes}),
                               now=NOW)
        return cal


def caldav_agent(server, admin_actor, name: str, email: str, zone: str = "Europe/Berlin") -> CalDAVAgent:
    from tests.servers.caldav import Radicale

    made = accounts.create_agent(admin_actor, name=name, email=email, time_zone=zone, password="a long password",
                                 now=NOW)
    actor = Actor(user_id=made["id"], role=Role.AGENT)
    if isinstance(server, Radicale):
        user = email.partition("@")[0] + "-" + uuid.uuid4().hex[:6]
        server.add_user(user, "app-password-" + user)
        return CalDAVAgent(server, actor, made, user, "app-password-" + user, admin_actor)
    return CalDAVAgent(server, actor, made, server.USER, "anything", admin_actor)


@pytest.fixture
def caldav(database, dav, monkeypatch):
    """Ana, an agent in Berlin, with a calendar on the server (Radicale or Xandikos), not yet connected."""
    monkeypatch.setattr(settings, "secret_key", "a long random secret for the tests")
    a = admin(NOW)
    yield caldav_agent(dav, a, "Ana", "ana@example.com")


# --- Microsoft 365: the fake identity platform and Graph ------------------------------------------------------

MAILBOX = "meetings@contoso.com"
MIA = "mia@contoso.com"


class MicrosoftWorld:
    """Microsoft 365 installed against a fresh fake; Mia, an agent in Berlin whose Outlook calendars ("Calendar",
    "Holidays") block time and whose meetings arrive as invitations from the scheduling mailbox."""

    def __init__(self, fake, admin_actor):
        self.fake, self.admin = fake, admin_actor

    def agent(self, name: str, email: str, *, calendars: tuple[str, ...] = ("Calendar",), link: str = "none",
              **changes):
        made = accounts.create_agent(self.admin, name=name, email=email, time_zone="Europe/Berlin",
                                     password="a long password", now=NOW)
        actor = Actor(user_id=made["id"], role=Role.AGENT)
        ids = {c["name"]: c["id"] for c in calendar_settings.view(actor)["calendars"]}
        days = {f"{kind}_{day}": value for day in range(7) for kind, value in (("day", "on"), ("hours", "09:00-17:00"))}
        form = edit_form(calendar_settings.view(actor)["form"], blocking_calendars=[ids[c] for c in calendars],
                         destination_calendar=ids["Calendar"], meeting_link=link,
                         **{"slot_interval": "30", "min_notice": "0", **days, **changes})
        calendar_settings.save(actor, form, now=NOW)
        return actor, made, ids


@pytest.fixture
def microsoft(database, monkeypatch):
    from kite_app.services import microsoft_install
    from tests.servers.microsoft import FakeMicrosoft

    fake = FakeMicrosoft().start()
    fake.add_user("it@contoso.com")
    fake.add_user(MAILBOX, "Meetings")
    fake.add_user(MIA, "Mia", calendars=("Holidays",))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_file))
    monkeypatch.setattr(settings, "microsoft_login_endpoint", fake.url)
    monkeypatch.setattr(settings, "microsoft_graph_endpoint", fake.url)
    monkeypatch.setattr(settings, "secret_key", "a long random secret for the tests")
    monkeypatch.setattr(settings, "google_retries", 1)
    a = admin(NOW)
    client_id, secret = fake.register_app()
    microsoft_install.install(a, tenant_id=fake.tenant, client_id=client_id, client_secret=secret,
                              admin_email="it@contoso.com", primary_domain="contoso.com",
                              scheduling_mailbox=MAILBOX, now=NOW)
    world = MicrosoftWorld(fake, a)
    yield world
    microsoft_install._cache.clear()
    fake.stop()
