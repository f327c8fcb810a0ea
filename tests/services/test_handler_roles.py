"""Every admin event handler re-checks who is asking: nobody and agents are refused, nothing changes."""

from datetime import UTC, datetime

import pytest
from reflex.istate.data import RouterData
from reflex.state import State

import kite_app.kite_app  # noqa: F401  (registers every page state)
from kite_app.services import accounts, auth, calendar_settings
from kite_app.ui.pages.agents import AgentsState
from kite_app.ui.pages.profile import ProfileState
from tests.services.test_accounts import PASSWORD, admin, agent


def _redirect_path(event) -> str:
    """Where a handler's returned rx.redirect goes ("" for anything else)."""
    args = dict((str(name), value) for name, value in getattr(event, "args", ()))
    return str(getattr(args.get("path"), "_var_value", ""))


def state_of(cls, token: str):
    """The page state of a browser whose request carried session cookie `token`."""
    root = State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data({"headers": {"cookie": f"theme=dark; kite_session={token}"}})
    return root.get_substate(cls.get_full_name().split(".")[1:])


@pytest.fixture
def people(database, now):
    a = admin(now)
    bob = agent(a, now)
    agent_token, _ = auth.log_in(email="bob@example.com", password=PASSWORD, now=datetime.now(UTC))
    admin_token, _ = auth.log_in(email="alice@example.com", password=PASSWORD, now=datetime.now(UTC))
    return {"admin": admin_token, "agent": agent_token, "nobody": "", "forged": "not-a-session"}, a, bob


NEW_AGENT = {"name": "Eve", "email": "eve@example.com", "time_zone": "UTC", "password": PASSWORD}


REFUSAL = {"nobody": "Log in to continue.", "forged": "Log in to continue.", "agent": "Only admins can do this."}


@pytest.mark.parametrize("who", list(REFUSAL))
def test_admin_handlers_refuse_everyone_but_admins(people, who):
    tokens, a, bob = people
    state = state_of(AgentsState, tokens[who])

    state.create(dict(NEW_AGENT))
    assert state.message == REFUSAL[who]
    state.set_active(bob["id"], False)
    assert state.message == REFUSAL[who]
    state.open_reset(bob["id"], "Bob")
    state.reset_password({"new_password": "hijacked password"})
    assert state.reset_error == REFUSAL[who]

    agents = accounts.list_agents(a)
    assert [x["email"] for x in agents] == ["bob@example.com"] and agents[0]["active"]
    assert auth.log_in(email="bob@example.com", password=PASSWORD, now=datetime.now(UTC))[0]


def test_agents_page_load_denies_agents_and_sends_nobody_to_login(people):
    tokens, _a, _bob = people
    as_agent = state_of(AgentsState, tokens["agent"])
    as_agent.load()
    assert as_agent.denied == "Only admins can open this page." and as_agent.agents == []
    nobody = state_of(AgentsState, "")
    assert _redirect_path(nobody.load()) == "/login" and nobody.agents == [] and not nobody.ready


def test_admin_handlers_work_for_admins(people):
    tokens, a, bob = people
    state = state_of(AgentsState, tokens["admin"])
    state.load()
    assert [x["email"] for x in state.agents] == ["bob@example.com"]
    state.create(dict(NEW_AGENT))
    assert state.errors == {} and state.message == ""
    assert {x["email"] for x in state.agents} == {"bob@example.com", "eve@example.com"}
    state.set_active(bob["id"], False)
    assert not next(x for x in state.agents if x["id"] == bob["id"])["active"]


def test_profile_handlers_act_on_the_asker_only(people):
    tokens, a, bob = people
    state = state_of(ProfileState, tokens["agent"])
    state.load()
    assert state.email == "bob@example.com"
    state.save({"name": "Bobby", "time_zone": "Asia/Kolkata"})
    assert accounts.list_agents(a)[0]["name"] == "Bobby"
    nobody = state_of(ProfileState, "")
    nobody.save({"name": "Hacker", "time_zone": "UTC"})
    assert nobody.message == "Log in to continue."
    assert accounts.list_agents(a)[0]["name"] == "Bobby"


def test_calendar_settings_handlers_serve_agents_only(people):
    from kite_app.ui.pages.kite_settings import (  # the page module re-exports its tabs' states
        BuiltInCalendarState,
        CalendarSettingsState,
    )

    tokens, _a, bob = people
    as_admin = state_of(CalendarSettingsState, tokens["admin"])
    as_admin.load()
    assert as_admin.denied == "Only agents have calendar settings."
    nobody = state_of(CalendarSettingsState, "")
    nobody.save()
    assert nobody.message == "Log in to continue."
    assert calendar_settings.published(bob["id"]) is None

    as_bob = state_of(CalendarSettingsState, tokens["agent"])
    as_bob.load()
    as_bob.set_value("durations", "15, 30")
    as_bob.save()
    assert as_bob.errors == {} and calendar_settings.published(bob["id"]).durations == (15, 30)

    stranger = state_of(BuiltInCalendarState, "")
    list(stranger.add_block({"calendar": "local:1", "title": "x", "start": "2026-12-01T10:00",
                             "end": "2026-12-01T11:00"}) or [])
    assert stranger.message == "Log in to continue."


def test_inbox_meetings_and_outbox_handlers_check_who_asks(people):
    from kite_app.ui.pages.inbox import InboxState
    from kite_app.ui.pages.meetings import MeetingsState
    from kite_app.ui.pages.outbox import OutboxState

    tokens, _a, _bob = people
    admin_inbox = state_of(InboxState, tokens["admin"])
    admin_inbox.load()
    assert admin_inbox.denied == "Only agents have an inbox." and admin_inbox.items == []
    agent_outbox = state_of(OutboxState, tokens["agent"])
    agent_outbox.load()
    assert agent_outbox.denied == "Only admins can open this page." and agent_outbox.mails == []
    nobody = state_of(MeetingsState, "")
    assert _redirect_path(nobody.load()) == "/login" and nobody.items == []
    stranger = state_of(MeetingsState, "")
    stranger.ask_delete(1)
    stranger.delete()
    assert stranger.message == "Log in to continue."
    stranger.ask_duration(1, 30)
    stranger.set_duration_value("60")
    stranger.change_duration()
    assert stranger.message == "Log in to continue."
    nobody_inbox = state_of(InboxState, "")
    nobody_inbox.send()
    assert nobody_inbox.error == "Log in to continue."


def test_integration_handlers_serve_admins_only(people):
    from kite_app.ui.pages.integrations import IntegrationsState

    tokens, _a, _bob = people
    as_agent = state_of(IntegrationsState, tokens["agent"])
    as_agent.load()
    assert as_agent.denied == "Only admins can open this page."
    as_agent.key_text = '{"type": "service_account"}'
    as_agent.next_step()
    assert as_agent.message == "Only admins can do this." and as_agent.step == 0
    nobody = state_of(IntegrationsState, "")
    nobody.uninstall()
    assert nobody.message == "Log in to continue."
