import re
from datetime import datetime, timedelta

import pytest

from kite_app.domain.errors import KiteError
from kite_app.services import accounts, auth, availability, booking, teams
from kite_app.services.booking import BookingRequest
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
    # every demo booking, with an agent or a team, gets a room of its own from the demo template
    for book, slug in ((booking.book, demo.agent_slugs[0]), (teams.book_team, "onboarding")):
        start = availability.slots_for(demo.agent_slugs[0], start=now, end=now + timedelta(days=14), duration=30,
                                       guest_zone="UTC", now=now)[-1]["start"] if book is booking.book else \
            teams.team_slots(slug, start=now, end=now + timedelta(days=14), duration=30, guest_zone="UTC",
                             now=now)[-1]["start"]
        view = book(BookingRequest(slug=slug, start=datetime.fromisoformat(start), duration=30, guest_name="Dee Demo",
                                   guest_email="dee@example.com", guest_time_zone="UTC"), now=now)
        assert re.fullmatch(r"https://meet\.example\.com/kite-[a-z2-9]{16}", view["meeting_url"]), view
    with pytest.raises(KiteError, match="empty database only"):
        seed_demo(now=now)
