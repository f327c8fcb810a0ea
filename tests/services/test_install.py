"""The Google install wizard's checks, for real against the fake Google."""

import json
from datetime import UTC, datetime

import pytest

from kite_app.config import settings
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import PermissionDenied, ValidationError
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Integration
from kite_app.providers.calendar.google_api import SCOPES
from kite_app.services import install
from kite_app.services.install import InstallFailed
from tests.servers.google import FakeGoogle
from tests.services.test_accounts import admin

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture
def google(monkeypatch):
    fake = FakeGoogle()
    fake.add_user("it@example.com")
    fake.start()
    monkeypatch.setattr(settings, "google_api_endpoint", fake.api_endpoint)
    monkeypatch.setattr(settings, "secret_key", "a long random secret for the tests")
    yield fake
    fake.stop()


def test_install_checks_for_real_stores_the_key_encrypted_and_uninstalls(database, google):
    a = admin(NOW)
    key = google.service_account(delegate_scopes=list(SCOPES))
    shown = install.describe_key(a, json.dumps(key))
    assert shown == {"client_id": key["client_id"], "client_email": key["client_email"], "scopes": list(SCOPES)}
    got = install.install(a, key_text=json.dumps(key), admin_email="IT@example.com", primary_domain="Example.com",
                          now=NOW)
    assert got["active"] and got["admin_email"] == "it@example.com"
    with transaction() as s:
        stored = s.get(Integration, 1).encrypted_key
    assert key["private_key"][40:80] not in stored and "BEGIN" not in stored
    assert install.stored_key() == key
    assert install.test_connection(a, now=NOW)["active"]
    install.uninstall(a)
    assert not install.status(a)["active"]


@pytest.mark.parametrize(
    "setup, admin_email, domain, code",
    [
        ("undelegated", "it@example.com", "example.com", "scopes_not_delegated"),
        ("good", "ghost@example.com", "example.com", "unknown_user"),
        ("revoked", "it@example.com", "example.com", "bad_key"),
        ("good", "it@example.com", "example.org", "domain_mismatch"),
        ("down", "it@example.com", "example.com", "google_unreachable"),
    ],
)
def test_each_failure_has_its_own_message_and_nothing_is_stored(database, google, setup, admin_email, domain, code):
    a = admin(NOW)
    key = google.service_account(delegate_scopes=[] if setup == "undelegated" else list(SCOPES))
    if setup == "revoked":
        google.revoke(key["client_email"])
    if setup == "down":
        google.stop()
    with pytest.raises(InstallFailed) as info:
        install.install(a, key_text=json.dumps(key), admin_email=admin_email, primary_domain=domain, now=NOW)
    assert info.value.code == code and info.value.message
    assert not install.status(a)["active"]


@pytest.mark.parametrize("text", ["", "{not json", json.dumps({"type": "authorized_user"}),
                                  json.dumps({"type": "service_account", "client_email": "x"})])
def test_malformed_keys_are_refused_in_step_one(database, google, text):
    with pytest.raises(ValidationError):
        install.describe_key(admin(NOW), text)


def test_a_key_whose_private_key_is_not_a_pem_key_is_called_malformed(database, google):
    key = google.service_account(delegate_scopes=list(SCOPES))
    key["private_key"] = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
    a = admin(NOW)
    for attempt in (lambda: install.describe_key(a, json.dumps(key)),
                    lambda: install.install(a, key_text=json.dumps(key), admin_email="it@example.com",
                                            primary_domain="example.com", now=NOW)):
        with pytest.raises(ValidationError) as info:
            attempt()
        assert "private_key is malformed" in info.value.errors["key"]
    assert not install.status(a)["active"]


def test_only_admins_install(database, google):
    admin(NOW)
    key = json.dumps(google.service_account(delegate_scopes=list(SCOPES)))
    for who in (None, Actor(user_id=5, role=Role.AGENT)):
        with pytest.raises(PermissionDenied):
            install.install(who, key_text=key, admin_email="it@example.com", primary_domain="example.com", now=NOW)


def test_without_kite_secret_key_step_one_says_so_at_once(database, google, monkeypatch):
    monkeypatch.setattr(settings, "secret_key", "")
    a = admin(NOW)
    assert install.status(a)["secret_key_set"] is False  # the page says so before anything is typed
    with pytest.raises(InstallFailed) as refused:
        install.describe_key(a, json.dumps(google.service_account(delegate_scopes=list(SCOPES))))
    assert refused.value.code == "no_secret" and refused.value.field == "secret_key"
    assert "KITE_SECRET_KEY=" in refused.value.message and "./run.sh" in refused.value.message
    monkeypatch.setattr(settings, "secret_key", "a long random secret for the tests")
    assert install.status(a)["secret_key_set"] is True
