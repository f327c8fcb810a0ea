from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import (
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    ValidationError,
)
from kite_app.persistence.db import transaction
from kite_app.persistence.models import LoginSession, User
from kite_app.services import accounts, auth
from kite_app.services.auth import WRONG_CREDENTIALS, LoginFailed

PASSWORD = "correct horse battery"


def admin(now):
    accounts.create_first_admin(name="Alice Admin", email="alice@example.com", password=PASSWORD, now=now)
    _token, user = auth.log_in(email="alice@example.com", password=PASSWORD, now=now)
    return Actor(user_id=user["id"], role=Role.ADMIN)


def agent(actor, now, name="Bob Agent", email="bob@example.com"):
    return accounts.create_agent(actor, name=name, email=email, time_zone="Europe/Berlin", password=PASSWORD, now=now)


def users_count():
    with transaction() as s:
        return len(s.exec(select(User)).all())


def test_first_run_creates_one_admin_then_setup_is_gone(database, now):
    assert accounts.needs_setup()
    admin(now)
    assert not accounts.needs_setup()
    with pytest.raises(PermissionDenied, match="already exists"):
        accounts.create_first_admin(name="Mallory", email="m@example.com", password=PASSWORD, now=now)
    assert users_count() == 1


def test_first_admin_with_bad_input_changes_nothing(database, now):
    with pytest.raises(ValidationError) as info:
        accounts.create_first_admin(name=" ", email="not-an-email", password="short", now=now)
    assert set(info.value.errors) == {"name", "email", "password"}
    assert accounts.needs_setup() and users_count() == 0


def test_admin_creates_agent_with_unique_slug(database, now):
    a = admin(now)
    first = agent(a, now, name="Bob Agent", email="bob@example.com")
    second = agent(a, now, name="Bob  agent", email="bob2@example.com")
    assert (first["slug"], second["slug"]) == ("bob-agent", "bob-agent-2")
    assert {x["email"] for x in accounts.list_agents(a)} == {"bob@example.com", "bob2@example.com"}
    assert accounts.public_agent("bob-agent")["name"] == "Bob Agent"


def test_duplicate_agent_email_is_refused_case_insensitively(database, now):
    a = admin(now)
    agent(a, now)
    with pytest.raises(ValidationError) as info:
        agent(a, now, name="Other", email="  BOB@example.com ")
    assert info.value.errors == {"email": "An account with this email already exists."}
    assert len(accounts.list_agents(a)) == 1


def test_agents_and_strangers_cannot_use_admin_services(database, now):
    a = admin(now)
    bob = agent(a, now)
    as_agent = Actor(user_id=bob["id"], role=Role.AGENT)
    for who in (as_agent, None):
        with pytest.raises(PermissionDenied):
            accounts.list_agents(who)
        with pytest.raises(PermissionDenied):
            agent(who, now, name="Eve", email="eve@example.com")
        with pytest.raises(PermissionDenied):
            accounts.set_agent_active(who, bob["id"], active=False, now=now)
        with pytest.raises(PermissionDenied):
            accounts.reset_password(who, bob["id"], new_password="another long password", now=now)
    assert users_count() == 2
    assert accounts.public_agent(bob["slug"])["active"]


def test_agent_sees_only_own_profile(database, now):
    a = admin(now)
    bob = agent(a, now)
    agent(a, now, name="Carol", email="carol@example.com")
    profile = accounts.own_profile(Actor(user_id=bob["id"], role=Role.AGENT))
    assert profile["email"] == "bob@example.com"
    with pytest.raises(PermissionDenied):
        accounts.own_profile(None)


def test_login_gives_a_session_that_logout_revokes(database, now):
    admin(now)
    token, user = auth.log_in(email="ALICE@example.com", password=PASSWORD, now=now)
    actor = auth.actor_for_token(token, now=now + timedelta(minutes=5))
    assert actor is not None and actor.user_id == user["id"] and actor.is_admin
    auth.log_out(token, now=now)
    assert auth.actor_for_token(token, now=now) is None


def test_sessions_expire(database, now):
    admin(now)
    token, _ = auth.log_in(email="alice@example.com", password=PASSWORD, now=now)
    assert auth.actor_for_token(token, now=now + timedelta(days=13)) is not None
    assert auth.actor_for_token(token, now=now + timedelta(days=14, seconds=1)) is None


def test_unknown_tokens_are_nobody(database, now):
    assert auth.actor_for_token("", now=now) is None
    assert auth.actor_for_token("made-up", now=now) is None


def test_wrong_password_and_unknown_email_get_the_same_message(database, now):
    admin(now)
    for email, password in (("alice@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)):
        with pytest.raises(LoginFailed) as info:
            auth.log_in(email=email, password=password, now=now)
        assert info.value.message == WRONG_CREDENTIALS


def test_repeated_failures_lock_the_email_for_a_while(database, now):
    admin(now)
    for i in range(5):
        with pytest.raises(LoginFailed):
            auth.log_in(email="alice@example.com", password=f"wrong {i}", now=now + timedelta(seconds=i))
    with pytest.raises(TooManyAttempts, match="Try again in 14 minutes"):
        auth.log_in(email="alice@example.com", password=PASSWORD, now=now + timedelta(minutes=1))
    token, _ = auth.log_in(email="alice@example.com", password=PASSWORD, now=now + timedelta(minutes=16))
    assert token
    # a success clears the count: one more failure does not lock again
    with pytest.raises(LoginFailed):
        auth.log_in(email="alice@example.com", password="wrong again", now=now + timedelta(minutes=17))


def test_deactivation_ends_sessions_and_blocks_login_until_reactivated(database, now):
    a = admin(now)
    bob = agent(a, now)
    token, _ = auth.log_in(email="bob@example.com", password=PASSWORD, now=now)
    accounts.set_agent_active(a, bob["id"], active=False, now=now)
    assert auth.actor_for_token(token, now=now) is None
    with pytest.raises(LoginFailed, match="deactivated"):
        auth.log_in(email="bob@example.com", password=PASSWORD, now=now)
    with pytest.raises(NotFound):
        accounts.public_agent(bob["slug"])
    accounts.set_agent_active(a, bob["id"], active=True, now=now)
    assert auth.log_in(email="bob@example.com", password=PASSWORD, now=now)[0]


def test_password_reset_replaces_the_password_and_ends_sessions(database, now):
    a = admin(now)
    bob = agent(a, now)
    token, _ = auth.log_in(email="bob@example.com", password=PASSWORD, now=now)
    with pytest.raises(ValidationError):
        accounts.reset_password(a, bob["id"], new_password="short", now=now)
    assert auth.actor_for_token(token, now=now) is not None
    accounts.reset_password(a, bob["id"], new_password="a brand new password", now=now)
    assert auth.actor_for_token(token, now=now) is None
    with pytest.raises(LoginFailed):
        auth.log_in(email="bob@example.com", password=PASSWORD, now=now)
    assert auth.log_in(email="bob@example.com", password="a brand new password", now=now)[0]


def test_unknown_slug_is_a_clear_not_found(database, now):
    with pytest.raises(NotFound, match="no booking page"):
        accounts.public_agent("nobody-here")


def test_admins_have_no_booking_page(database, now):
    admin(now)
    with transaction() as s:
        assert s.exec(select(User)).one().slug is None


def test_tokens_are_stored_hashed_and_times_are_aware_utc(database, now):
    admin(now)
    token, _ = auth.log_in(email="alice@example.com", password=PASSWORD, now=now)
    with transaction() as s:
        rows = s.exec(select(LoginSession)).all()
        assert token not in {r.token_hash for r in rows}
        assert all(r.expires_at.tzinfo is UTC for r in rows)


def test_naive_datetimes_are_refused(database):
    with pytest.raises(Exception, match="naive datetime"):
        accounts.create_first_admin(name="Al", email="al@example.com", password=PASSWORD, now=datetime(2026, 1, 1))
    assert accounts.needs_setup()
