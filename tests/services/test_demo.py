import pytest

from kite_app.domain.errors import KiteError
from kite_app.services import accounts, auth, availability
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
    with pytest.raises(KiteError, match="empty database only"):
        seed_demo(now=now)
