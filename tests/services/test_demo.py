import pytest

from kite_app.domain.errors import KiteError
from kite_app.services import accounts, auth, availability, teams
from kite_app.services.demo import PASSWORD, seed_demo


def test_demo_fills_an_empty_database_once(database, now):
    demo = seed_demo(now=now)
    assert demo.busy_blocks == 16
    assert not accounts.needs_setup()
    for email in (demo.admin_email, *demo.agent_emails):
        assert auth.log_in(email=email, password=PASSWORD, now=now)[0]
    assert [accounts.public_agent(s)["time_zone"] for s in demo.agent_slugs] == ["Europe/Berlin", "America/New_York"]
    for slug in demo.agent_slugs:  # the booking pages are open
        assert availability.booking_page(slug)["durations"] == [15, 30, 60]
    kinds = {slug: teams.published_team(slug) for slug in demo.team_slugs}  # and the two teams' pages
    assert {slug: t.kind for slug, t in kinds.items()} == {"support": "round_robin", "onboarding": "collective"}
    for team in kinds.values():
        assert [m.slug for m in team.members] == list(demo.agent_slugs) and {m.weight for m in team.members} == {1}
        assert team.rules.durations == (15, 30, 60) and teams.team_page(team.name.lower())["default_duration"] == 30
    with pytest.raises(KiteError, match="empty database only"):
        seed_demo(now=now)
