"""A team on Google calendars: one freebusy.query covers every member's calendars (split beyond Google's
50-calendar limit) and is cached like an agent's; a member whose calendar the query cannot see is asked
on their own."""

from datetime import timedelta

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.teams import TeamForm
from kite_app.providers.calendar import google as google_provider
from kite_app.services import accounts, calendar_settings, teams
from tests.seed import edit_form
from tests.services.conftest import NOW

EVERY_DAY = {f"{kind}_{day}": value for day in range(7) for kind, value in (("day", "on"), ("hours", "09:00-17:00"))}


def google_agent(actor: Actor, fake, email: str) -> dict:
    fake.add_user(email)
    agent = accounts.create_agent(actor, name=email.split("@")[0].title(), email=email, time_zone="Europe/Berlin",
                                  password="a long password", now=NOW)
    me = Actor(user_id=agent["id"], role=Role.AGENT)
    form = edit_form(calendar_settings.view(me)["form"], blocking_calendars=[f"google:{email}"],
                     destination_calendar=f"google:{email}", slot_interval="30", **EVERY_DAY)
    calendar_settings.save(me, form, now=NOW)
    return agent


def test_one_freebusy_query_for_a_whole_team_page(google, monkeypatch):
    fake, ada = google
    actor = Actor(user_id=1, role=Role.ADMIN)
    members = [google_agent(actor, fake, f"member{i}@example.com") for i in range(12)]
    teams.save_team(actor, TeamForm(name="Support", slug="support", members={m["id"]: "1" for m in members},
                                    durations="30", default_duration="30", slot_interval="30", min_notice="60"),
                    now=NOW)
    before = fake.calls_to("POST", "freeBusy")
    slots = teams.team_slots("support", start=NOW, end=NOW + timedelta(days=7), duration=30, guest_zone="UTC",
                             now=NOW)
    assert slots and fake.calls_to("POST", "freeBusy") - before == 1  # 12 members, one query
    teams.team_slots("support", start=NOW, end=NOW + timedelta(days=7), duration=30, guest_zone="UTC", now=NOW)
    assert fake.calls_to("POST", "freeBusy") - before == 1  # cached like an agent's

    monkeypatch.setattr(google_provider, "FREEBUSY_MAX_ITEMS", 5)  # Google's limit is 50 calendars per query
    teams.team_slots("support", start=NOW + timedelta(days=8), end=NOW + timedelta(days=9), duration=30,
                     guest_zone="UTC", now=NOW)
    assert fake.calls_to("POST", "freeBusy") - before == 1 + 3  # 12 calendars, 5 at a time


def test_a_member_whose_calendar_the_team_query_cannot_see_is_asked_alone(google):
    fake, ada = google
    actor = Actor(user_id=1, role=Role.ADMIN)
    bea = google_agent(actor, fake, "bea@example.com")
    teams.save_team(actor, TeamForm(name="Support", slug="support", members={bea["id"]: "1", ada["id"]: "1"},
                                    durations="30", default_duration="30", slot_interval="30", min_notice="60"),
                    now=NOW)
    before = fake.calls_to("POST", "freeBusy")
    teams.team_slots("support", start=NOW, end=NOW + timedelta(days=7), duration=30, guest_zone="UTC", now=NOW)
    # asked as Bea, Ada's "Holidays" calendar cannot be read: Ada is asked on her own
    assert fake.calls_to("POST", "freeBusy") - before == 2

