"""Admin: Integrations -> "Google Calendar" -> "Install", the two-step wizard.

1. "Domain-wide delegation": the service-account key (JSON); we show its client ID and the scopes
   to authorise in the Google Admin Console.
2. "Administrator email" and "Primary domain".
"Install" checks for real (a token for the administrator through delegation, their calendar list),
then stores the key encrypted with KITE_SECRET_KEY. It is never shown again.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TypedDict

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization

from kite_app.config import settings
from kite_app.domain.accounts import Actor, email_error, normalize_email
from kite_app.domain.errors import KiteError, ValidationError
from kite_app.domain.text import msg
from kite_app.persistence import integrations as q
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Integration
from kite_app.providers.calendar.google import GoogleCalendarProvider
from kite_app.providers.calendar.google_api import SCOPES, GoogleCalendarError
from kite_app.services import secret_box, watches
from kite_app.services.accounts import require_admin, user_row

GOOGLE = "google"
REQUIRED_KEY_FIELDS = ("type", "client_email", "client_id", "private_key", "token_uri")


class KeyInfo(TypedDict):
    client_id: str
    client_email: str
    scopes: list[str]


class IntegrationStatus(TypedDict):
    active: bool
    client_id: str
    client_email: str
    admin_email: str
    primary_domain: str
    checked_at: str
    secret_key_set: bool  # KITE_SECRET_KEY is set on the server: without it nothing can be installed


NO_SECRET = msg("This server has no KITE_SECRET_KEY, which encrypts the key, so Google Calendar cannot be installed "
                "yet. Stop Kite and start it again with the variable set, e.g. KITE_SECRET_KEY=\"$(openssl rand -hex "
                "32)\" ./run.sh, and keep that value: with another one the stored key cannot be read.")


class InstallFailed(KiteError):
    """The real check failed. `field` names what to fix, `code` is stable."""

    def __init__(self, code: str, message: str, field: str = "key"):
        super().__init__(message)
        self.code, self.field = code, field


def require_box(refusal: str = NO_SECRET) -> Fernet:
    """What seals stored secrets; InstallFailed (saying `refusal`) when the server has no KITE_SECRET_KEY."""
    box = secret_box.fernet()
    if box is None:
        raise InstallFailed("no_secret", refusal, field="secret_key")
    return box


def read_key(text: str) -> dict:
    """Parse and check a service-account key (JSON). ValidationError with what is wrong."""
    try:
        info = json.loads(text or "")
    except ValueError:
        raise ValidationError({"key": msg("This is not JSON. Paste the whole key file you downloaded.")}) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ValidationError(
            {"key": msg("This is not a service-account key (its \"type\" must be \"service_account\").")})
    if missing := [f for f in REQUIRED_KEY_FIELDS if not info.get(f)]:
        raise ValidationError({"key": msg("The key lacks {fields}. Download a new JSON key.",
                                          fields=", ".join(missing))})
    try:
        serialization.load_pem_private_key(str(info["private_key"]).encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValidationError({"key": msg("The key's private_key is malformed (not a PEM private key). Download a new "
                                          "JSON key.")}) from None
    return info


def describe_key(actor: Actor | None, text: str) -> KeyInfo:
    """Step 1: what the admin must authorise in the Admin Console for this key (refused at once when the server
    could not store it: no KITE_SECRET_KEY)."""
    require_admin(actor)
    require_box()
    info = read_key(text)
    return KeyInfo(client_id=str(info["client_id"]), client_email=info["client_email"], scopes=list(SCOPES))


def _check(info: dict, admin_email: str) -> None:
    """Get a token for the administrator through delegation and list their calendars."""
    provider = GoogleCalendarProvider(info, email_of=lambda _id: admin_email,
                                      api_endpoint=settings.google_api_endpoint or None, retries=1)
    try:
        provider.list_calendars(0)
    except GoogleCalendarError as exc:
        text = str(exc)
        if exc.reason == "unreachable":
            raise InstallFailed("google_unreachable", msg("Google cannot be reached from the server. Check the "
                                                          "server's network and try again.")) from None
        if exc.reason != "tokenRefused":
            raise InstallFailed("calendar_refused",
                                msg("Google refused to list the administrator's calendars: {problem}. Check that "
                                    "Google Calendar is on for this user.", problem=str(exc)),
                                field="admin_email") from None
        if "unauthorized_client" in text:
            raise InstallFailed(
                "scopes_not_delegated",
                msg("Google refused the scopes. In the Admin Console, Security → API controls → Domain-wide "
                    "delegation, add client ID {client_id} with the scopes shown in step 1.",
                    client_id=info["client_id"])) from None
        if "Invalid email or User ID" in text:
            raise InstallFailed("unknown_user", msg("Google does not know {email}. Enter a user of your Workspace "
                                                    "domain.", email=admin_email), field="admin_email") from None
        raise InstallFailed("bad_key", msg("Google rejected the key: it is malformed, deleted or revoked. Create a new "
                                           "key for the service account and paste it in step 1.")) from None


def install(actor: Actor | None, *, key_text: str, admin_email: str, primary_domain: str, now: datetime
            ) -> IntegrationStatus:
    """Step 2 and "Install": check everything for real, then store the key encrypted."""
    require_admin(actor)
    info = read_key(key_text)
    admin_email, domain = normalize_email(admin_email), (primary_domain or "").strip().lower().rstrip(".")
    errors = {}
    if message := email_error(admin_email):
        errors["admin_email"] = message
    if not domain or "." not in domain or " " in domain:
        errors["primary_domain"] = msg("Enter the primary domain, like example.com.")
    if errors:
        raise ValidationError(errors)
    if admin_email.rsplit("@", 1)[1] != domain:
        raise InstallFailed("domain_mismatch", msg("{email} is not an address of {domain}. Enter an administrator of "
                                                   "the primary domain.", email=admin_email, domain=domain),
                            field="primary_domain")
    fernet = require_box()
    _check(info, admin_email)
    encrypted = fernet.encrypt(json.dumps(info).encode()).decode()
    with transaction() as s:
        row = q.integration(s, GOOGLE) or Integration(
            name=GOOGLE, encrypted_key="", client_id="", client_email="", admin_email="", primary_domain="",
            installed_at=now, checked_at=now)
        row.encrypted_key, row.client_id, row.client_email = encrypted, str(info["client_id"]), info["client_email"]
        row.admin_email, row.primary_domain, row.checked_at = admin_email, domain, now
        s.add(row)
    return status(actor)


def status(actor: Actor | None) -> IntegrationStatus:
    require_admin(actor)
    with transaction(read_only=True) as s:
        row = q.integration(s, GOOGLE)
    if row is None:
        return IntegrationStatus(active=False, client_id="", client_email="", admin_email="", primary_domain="",
                                 checked_at="", secret_key_set=bool(settings.secret_key))
    return IntegrationStatus(active=True, client_id=row.client_id, client_email=row.client_email,
                             admin_email=row.admin_email, primary_domain=row.primary_domain,
                             checked_at=f"{row.checked_at:%Y-%m-%d %H:%M} UTC",
                             secret_key_set=bool(settings.secret_key))


def stored_key() -> dict | None:
    """The decrypted key of the active integration, for the provider; None when not installed."""
    with transaction(read_only=True) as s:
        row = q.integration(s, GOOGLE)
    if row is None:
        return None
    try:
        return json.loads(require_box().decrypt(row.encrypted_key.encode()))
    except (InvalidToken, InstallFailed):
        return None


def test_connection(actor: Actor | None, *, now: datetime) -> IntegrationStatus:
    require_admin(actor)
    current = status(actor)
    info = stored_key()
    if not current["active"] or info is None:
        raise InstallFailed("not_installed", msg("Google Calendar is not installed (or KITE_SECRET_KEY changed)."))
    _check(info, current["admin_email"])
    with transaction() as s:
        row = q.integration(s, GOOGLE)
        if row is not None:
            row.checked_at = now
            s.add(row)
    return status(actor)


def uninstall(actor: Actor | None) -> None:
    require_admin(actor)
    watches.stop_all("google:")  # while the key can still stop them
    with transaction() as s:
        row = q.integration(s, GOOGLE)
        if row is not None:
            s.delete(row)


_provider_cache: dict[str, GoogleCalendarProvider] = {}


def google_provider() -> GoogleCalendarProvider | None:
    """The Google provider while the integration is installed (one per stored key, shared)."""
    with transaction(read_only=True) as s:
        row = q.integration(s, GOOGLE)
    if row is None:
        return None
    if row.encrypted_key not in _provider_cache:
        info = stored_key()
        if info is None:
            return None
        _provider_cache.clear()
        _provider_cache[row.encrypted_key] = GoogleCalendarProvider(
            info, email_of=lambda agent_id: user_row(agent_id).email, api_endpoint=settings.google_api_endpoint or None,
            retries=settings.google_retries)
    return _provider_cache[row.encrypted_key]

