"""Who may do what: every page action and API endpoint against anonymous, a guest holding another
meeting's link, the agent, another agent and an admin. Each cell is a real call; refusals change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from kite_app.api.app import api
from kite_app.persistence import db
from kite_app.services import auth, booking, built_in_calendar, conversations, meetings
from kite_app.services.booking import BookingRequest
from kite_app.ui.pages.agents import AgentsState
from kite_app.ui.pages.inbox import InboxState
from kite_app.ui.pages.integrations import IntegrationsState
from kite_app.ui.pages.kite_settings.built_in_tab import BuiltInCalendarState
from kite_app.ui.pages.kite_settings.calendar_tab import CalendarSettingsState
from kite_app.ui.pages.meetings import MeetingsState
from kite_app.ui.pages.outbox import OutboxState
from kite_app.ui.pages.teams import TeamsState
from tests.seed import AGENT_PASSWORD, open_agent
from tests.services.test_handler_roles import state_of

ROLES = ("anonymous", "other_guest", "agent", "other_agent", "admin")


@pytest.fixture
def world(database):
    now = datetime.now(UTC)
    bob = open_agent("Bob", "bob@example.com", hours="00:00-24:00")
    carol = open_agent("Carol", "carol@example.com", hours="00:00-24:00")
    start = (now + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    mine = booking.book(BookingRequest(slug="bob", start=start, duration=30, guest_name="Gus",
                                       guest_email="gus@example.net", guest_time_zone="UTC"), now=now)
    other = booking.book(BookingRequest(slug="carol", start=start, duration=30, guest_name="Olga",
                                        guest_email="olga@example.net", guest_time_zone="UTC"), now=now)
    sessions = {
        "anonymous": "", "other_guest": "",
        "agent": auth.log_in(email="bob@example.com", password=AGENT_PASSWORD, now=now)[0],
        "other_agent": auth.log_in(email="carol@example.com", password=AGENT_PASSWORD, now=now)[0],
        "admin": auth.log_in(email="admin@example.com", password="admin password 1", now=now)[0],
    }
    bob_actor = auth.actor_for_token(sessions["agent"], now=now)
    [meeting] = meetings.upcoming(bob_actor, now=now)
    [conv] = conversations.inbox(bob_actor)
    bob_calendar = built_in_calendar.built_in_calendars(bob_actor)[0]["id"]
    return {"sessions": sessions, "token": mine["manage_token"], "bob_calendar": bob_calendar,
            "other_token": other["manage_token"],
            "meeting_id": meeting["id"], "conversation_id": conv["id"], "bob": bob, "carol": carol, "now": now}


# What a refusal says: not logged in, the wrong role, or someone else's thing (which does not exist for them).
REFUSALS = ("Log in to continue.", "Only admins can", "Only agents have", "does not exist",
            "Choose one of your calendars.")


def snapshot() -> dict:
    """Everything a handler could change, to check that a refusal changed nothing."""
    queries = {
        "users": "SELECT id, name, email, active, role FROM users ORDER BY id",
        "meetings": "SELECT id, status, sequence, starts_at, ends_at, subject FROM meetings ORDER BY id",
        "busy": "SELECT id, calendar_id, starts_at, ends_at FROM busy_blocks ORDER BY id",
        "messages": "SELECT id FROM messages ORDER BY id",
        "reads": "SELECT id, agent_read_id, guest_read_id FROM conversations ORDER BY id",
        "settings": "SELECT agent_id, data FROM calendar_settings ORDER BY agent_id",
        "outbox": "SELECT id FROM outbox ORDER BY id",
    }
    with db.engine().connect() as conn:
        return {name: [tuple(map(str, row)) for row in conn.execute(text(sql))] for name, sql in queries.items()}


def _page(cls, handler, *args):
    """Run a page handler as someone; allowed = it neither refused nor failed. A refusal must say so in
    words (or send the visitor to log in) and change nothing."""
    def run(world, role):
        before = snapshot()
        state = state_of(cls, world["sessions"][role])
        result = getattr(state, handler)(*[a(world) if callable(a) else a for a in args])
        if hasattr(result, "__next__"):
            list(result)
        said = " ".join(str(x) for x in (getattr(state, "denied", ""), getattr(state, "message", ""),
                                         getattr(state, "error", ""), *getattr(state, "errors", {}).values()) if x)
        sent_to_login = result is not None and handler == "load" and not getattr(state, "ready", True)
        refused = bool(said) or sent_to_login
        if refused:
            assert sent_to_login or any(r in said for r in REFUSALS), f"{role}: an error, not a refusal: {said!r}"
            assert snapshot() == before, f"{role}: a refused {handler} changed something"
        return not refused
    return run


def _api(method, path_fn, body=None):
    """Call the REST API; 'other_guest' holds a link to another meeting and uses it where a token goes."""
    def run(world, role):
        token = world["other_token"] if role == "other_guest" else world["token"]
        before = snapshot()
        response = TestClient(api).request(method, path_fn(world, token), json=body)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.json()["code"] in ("not_found", "forbidden", "login_required"), response.text
            assert snapshot() == before
        return response.status_code < 400 and response.json().get("guest_email") in (None, "gus@example.net")
    return run


ALLOWED = {  # action -> roles that may do it
    "agents: create agent": {"admin"},
    "agents: deactivate": {"admin"},
    "outbox: read": {"admin"},
    "teams: open (every team meeting, reassign)": {"admin"},
    "integrations: read key": {"admin"},
    "calendar settings: open": {"agent", "other_agent"},  # each their own
    "built-in calendar: add a busy block to Bob's calendar": {"agent"},
    "inbox: open": {"agent", "other_agent"},
    "inbox: open Gus's conversation": {"agent"},
    "meetings: confirm Gus's meeting": {"agent"},
    "api: read Gus's booking": {"anonymous", "agent", "other_agent", "admin"},  # with the link: anyone holding it
    "api: slots": set(ROLES),
}

ACTIONS = {
    "agents: create agent": _page(AgentsState, "create", {"name": "Eve", "email": "eve@example.com",
                                                          "time_zone": "UTC", "password": AGENT_PASSWORD}),
    "agents: deactivate": _page(AgentsState, "set_active", lambda w: w["carol"]["id"], False),
    "outbox: read": _page(OutboxState, "load"),
    "teams: open (every team meeting, reassign)": _page(TeamsState, "load"),
    "integrations: read key": _page(IntegrationsState, "load"),
    "calendar settings: open": _page(CalendarSettingsState, "load"),
    "built-in calendar: add a busy block to Bob's calendar": _page(
        BuiltInCalendarState, "add_block",
        lambda w: {"calendar": w["bob_calendar"], "title": "x", "start": "2030-01-07T10:00",
                   "end": "2030-01-07T11:00"}),
    "inbox: open": _page(InboxState, "load"),
    "inbox: open Gus's conversation": _page(InboxState, "select", lambda w: w["conversation_id"]),
    "meetings: confirm Gus's meeting": _page(MeetingsState, "confirm", lambda w: w["meeting_id"]),
    "api: read Gus's booking": _api("GET", lambda w, t: f"/api/v1/bookings/{t}"),
    "api: slots": _api("GET", lambda w, t: "/api/v1/agents/bob/slots"),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_who_may_do_what(world, action):
    """One row of the table: every role tries the action (refusals change nothing, so they share a world)."""
    got = {role: ACTIONS[action](world, role) for role in ROLES}
    assert got == {role: role in ALLOWED[action] for role in ROLES}
