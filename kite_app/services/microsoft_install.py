"""Admin: Integrations -> "Microsoft 365" -> "Install", the two-step wizard, and the provider it configures.

1. "App registration": Tenant ID, Client ID and Client secret of an app registered in Entra ID with the application
   permissions Calendars.ReadWrite, User.Read.All and MailboxSettings.Read (admin consent). "Next" gets a token.
2. "Administrator email", "Primary domain" and "Scheduling mailbox" (the shared or resource mailbox that organises
   the meetings). "Install" checks them for real: the administrator (User.Read.All), the scheduling mailbox's
   calendar (Calendars.ReadWrite and any application access policy) and its settings (MailboxSettings.Read).
Each fault is refused with its own message, naming the field to fix. The secret is stored encrypted with
KITE_SECRET_KEY and never shown again. While installed, a permission withdrawn or a secret that expired is
recorded as the integration's problem (shown on Integrations) and mailed to the admins once.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from functools import partial
from typing import TypedDict

from cryptography.fernet import InvalidToken

from kite_app import i18n
from kite_app.config import settings
from kite_app.domain.accounts import Actor, Role, email_error, normalize_email
from kite_app.domain.errors import ValidationError
from kite_app.domain.text import Text, msg
from kite_app.persistence import accounts as users
from kite_app.persistence import app_settings
from kite_app.persistence import integrations as q
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Integration, OutboxMail
from kite_app.providers.calendar.microsoft import MicrosoftCalendarProvider
from kite_app.providers.calendar.microsoft_graph import GraphConnection, GraphError, path
from kite_app.services import microsoft_push
from kite_app.services.accounts import require_admin, user_row
from kite_app.services.install import InstallFailed, require_box

log = logging.getLogger(__name__)
MICROSOFT = "microsoft"
STATE = "microsoft"  # app setting: {"problem": text or ""}
PERMISSIONS = ("Calendars.ReadWrite", "User.Read.All", "MailboxSettings.Read")
NO_SECRET = msg("This server has no KITE_SECRET_KEY, which encrypts the client secret, so Microsoft 365 cannot be "
                "installed yet. Stop Kite and start it again with the variable set, e.g. KITE_SECRET_KEY=\"$(openssl "
                "rand -hex 32)\" ./run.sh, and keep that value: with another one the stored secret cannot be read.")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TENANT_DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class Registration(TypedDict):
    tenant_id: str
    client_id: str
    client_secret: str


class MicrosoftStatus(TypedDict):
    active: bool
    tenant_id: str
    client_id: str
    scheduling_mailbox: str
    admin_email: str
    primary_domain: str
    checked_at: str
    secret_key_set: bool
    problem: str  # what went wrong since the last check ("" when nothing)


def read_registration(tenant_id: str, client_id: str, client_secret: str) -> Registration:
    """Step 1's fields, checked for form (ValidationError naming each field)."""
    tenant_id, client_id, client_secret = (tenant_id or "").strip(), (client_id or "").strip(), client_secret or ""
    errors: dict[str, str] = {}
    if not (_GUID.fullmatch(tenant_id) or _TENANT_DOMAIN.fullmatch(tenant_id)):
        errors["tenant_id"] = msg("Enter the Directory (tenant) ID from the app's Overview page in Entra ID, like "
                                  "4f2d1c9e-7b3a-4e55-9a61-0c8d2b7e6f10 (or the tenant's domain, like "
                                  "contoso.onmicrosoft.com).")
    if not _GUID.fullmatch(client_id):
        errors["client_id"] = msg("Enter the Application (client) ID from the app's Overview page in Entra ID, like "
                                  "0c6e2a6d-9f3b-4d1e-8a7c-5b2e1f4d3c9a.")
    if not client_secret.strip():
        errors["client_secret"] = msg("Paste the client secret's Value from Certificates & secrets.")
    if errors:
        raise ValidationError(errors)
    return Registration(tenant_id=tenant_id.lower(), client_id=client_id.lower(), client_secret=client_secret.strip())


def _connection(reg: Registration, *, retries: int = 1) -> GraphConnection:
    return GraphConnection(tenant_id=reg["tenant_id"], client_id=reg["client_id"], client_secret=reg["client_secret"],
                           login_endpoint=settings.microsoft_login_endpoint,
                           graph_endpoint=settings.microsoft_graph_endpoint, retries=retries)


def _token_refusal(exc: GraphError, reg: Registration) -> InstallFailed:
    if exc.reason == "unknownTenant":
        return InstallFailed("unknown_tenant", msg("Microsoft does not know the tenant {tenant} (AADSTS90002). Copy "
                                                   "the Directory (tenant) ID from the app's Overview page in Entra "
                                                   "ID.", tenant=reg["tenant_id"]), field="tenant_id")
    if exc.reason == "unknownClient":
        return InstallFailed("unknown_client", msg("The tenant has no app with client ID {client_id} (AADSTS700016). "
                                                   "Copy the Application (client) ID from the app's Overview page.",
                                                   client_id=reg["client_id"]), field="client_id")
    if exc.reason == "wrongSecret":
        return InstallFailed("wrong_secret", msg("Microsoft refused the client secret (AADSTS7000215). Paste the "
                                                 "secret's Value, not its Secret ID, from Certificates & secrets."),
                             field="client_secret")
    if exc.reason == "expiredSecret":
        return InstallFailed("expired_secret", msg("This client secret has expired (AADSTS7000222). Create a new one "
                                                   "under Certificates & secrets and paste its Value."),
                             field="client_secret")
    if exc.reason == "unreachable" or exc.transient:
        return InstallFailed("microsoft_unreachable", msg("Microsoft cannot be reached from the server. Check the "
                                                          "server's network and try again."), field="")
    return InstallFailed("token_refused", msg("Microsoft refused a token for the app: {problem}.", problem=str(exc)),
                         field="client_secret")


def _permission_refusal(permission: str) -> InstallFailed:
    return InstallFailed("permission_missing", msg(
        "The app may not use {permission}: in Entra ID → App registrations → the app → API permissions, add the "
        "application permissions Calendars.ReadWrite, User.Read.All and MailboxSettings.Read, then click “Grant "
        "admin consent”.", permission=permission), field="")


def describe_registration(actor: Actor | None, *, tenant_id: str, client_id: str, client_secret: str) -> None:
    """Step 1's "Next": the fields and a real token (refused at once when the server could not store the secret)."""
    require_admin(actor)
    require_box(NO_SECRET)
    reg = read_registration(tenant_id, client_id, client_secret)
    try:
        _connection(reg).token()
    except GraphError as exc:
        raise _token_refusal(exc, reg) from None


def _check(reg: Registration, admin_email: str, mailbox: str) -> None:
    """A token, the administrator, the scheduling mailbox's calendar and its settings, each refusal named."""
    graph = _connection(reg)
    try:
        graph.token()
    except GraphError as exc:
        raise _token_refusal(exc, reg) from None
    asks = ((path("users", admin_email), "User.Read.All", "admin_email"),
            (path("users", mailbox, "calendar"), "Calendars.ReadWrite", "scheduling_mailbox"),
            (path("users", mailbox, "mailboxSettings", "timeZone"), "MailboxSettings.Read", "scheduling_mailbox"))
    for where, permission, field in asks:
        try:
            graph.call("GET", where, read=True)
        except GraphError as exc:
            if exc.reason == "unreachable" or exc.transient:
                raise _token_refusal(exc, reg) from None
            if exc.status == 403 and "AccessPolicy" in str(exc):
                raise InstallFailed("mailbox_not_allowed", msg(
                    "The app may not open {email}: an application access policy (or RBAC for Applications scope) "
                    "restricts it. Add the mailbox, and the agents' mailboxes, to that policy's group.",
                    email=mailbox), field="scheduling_mailbox") from None
            if exc.status == 403:
                raise _permission_refusal(permission) from None
            if exc.not_found and field == "admin_email":
                raise InstallFailed("unknown_user", msg("Microsoft 365 has no user {email}. Enter an administrator "
                                                        "of your tenant.", email=admin_email),
                                    field="admin_email") from None
            if exc.not_found:
                raise InstallFailed("unknown_mailbox", msg("{email} has no Exchange Online mailbox. Enter a shared "
                                                           "or resource mailbox, like meetings@company.com.",
                                                           email=mailbox), field="scheduling_mailbox") from None
            raise InstallFailed("graph_refused", msg("Microsoft Graph refused: {problem}.", problem=str(exc)),
                                field="") from None


def install(actor: Actor | None, *, tenant_id: str, client_id: str, client_secret: str, admin_email: str,
            primary_domain: str, scheduling_mailbox: str, now: datetime) -> MicrosoftStatus:
    """Step 2 and "Install": check everything for real, then store the secret encrypted."""
    require_admin(actor)
    reg = read_registration(tenant_id, client_id, client_secret)
    admin_email, mailbox = normalize_email(admin_email), normalize_email(scheduling_mailbox)
    domain = (primary_domain or "").strip().lower().rstrip(".")
    errors: dict[str, str] = {}
    if message := email_error(admin_email):
        errors["admin_email"] = message
    if not domain or "." not in domain or " " in domain:
        errors["primary_domain"] = msg("Enter the primary domain, like example.com.")
    if message := email_error(mailbox):
        errors["scheduling_mailbox"] = message
    if errors:
        raise ValidationError(errors)
    if admin_email.rsplit("@", 1)[1] != domain:
        raise InstallFailed("domain_mismatch", msg("{email} is not an address of {domain}. Enter an administrator of "
                                                   "the primary domain.", email=admin_email, domain=domain),
                            field="primary_domain")
    fernet = require_box(NO_SECRET)
    _check(reg, admin_email, mailbox)
    sealed = fernet.encrypt(json.dumps(reg).encode()).decode()
    with transaction() as s:
        row = q.integration(s, MICROSOFT) or Integration(
            name=MICROSOFT, encrypted_key="", client_id="", client_email="", admin_email="", primary_domain="",
            installed_at=now, checked_at=now)
        row.encrypted_key, row.client_id, row.client_email = sealed, reg["client_id"], mailbox
        row.admin_email, row.primary_domain = admin_email, domain
        s.add(row)
    return _checked(actor, now)


def status(actor: Actor | None) -> MicrosoftStatus:
    require_admin(actor)
    with transaction(read_only=True) as s:
        row = q.integration(s, MICROSOFT)
        state = app_settings.get(s, STATE) or {}
    reg = registration()
    if row is None:
        return MicrosoftStatus(active=False, tenant_id="", client_id="", scheduling_mailbox="", admin_email="",
                               primary_domain="", checked_at="", secret_key_set=bool(settings.secret_key), problem="")
    return MicrosoftStatus(active=True, tenant_id=reg["tenant_id"] if reg else "", client_id=row.client_id,
                           scheduling_mailbox=row.client_email, admin_email=row.admin_email,
                           primary_domain=row.primary_domain, checked_at=f"{row.checked_at:%Y-%m-%d %H:%M} UTC",
                           secret_key_set=bool(settings.secret_key), problem=_problem(state))


def _problem(state: dict) -> str:
    """The recorded problem as a text the page says in its reader's language ("" when there is none)."""
    problem = state.get("problem")
    if not isinstance(problem, dict) or not problem.get("template"):
        return ""
    return Text(str(problem["template"]), dict(problem.get("values") or {}))


def registration() -> Registration | None:
    """The decrypted app registration of the active integration; None when not installed (or unreadable)."""
    with transaction(read_only=True) as s:
        row = q.integration(s, MICROSOFT)
    if row is None:
        return None
    try:
        return json.loads(require_box(NO_SECRET).decrypt(row.encrypted_key.encode()))
    except (InvalidToken, InstallFailed):
        return None


def test_connection(actor: Actor | None, *, now: datetime) -> MicrosoftStatus:
    require_admin(actor)
    current, reg = status(actor), registration()
    if not current["active"] or reg is None:
        raise InstallFailed("not_installed", msg("Microsoft 365 is not installed (or KITE_SECRET_KEY changed)."),
                            field="")
    _check(reg, current["admin_email"], current["scheduling_mailbox"])
    return _checked(actor, now)


def _checked(actor: Actor | None, now: datetime) -> MicrosoftStatus:
    """After a check that passed: its time, no problem any more, and the change-notification subscription."""
    with transaction() as s:
        if (row := q.integration(s, MICROSOFT)) is not None:
            row.checked_at = now
            s.add(row)
        app_settings.put(s, STATE, {"problem": ""}, now)
    microsoft_push.ensure_subscription(provider(), now=now)
    return status(actor)


def uninstall(actor: Actor | None) -> None:
    require_admin(actor)
    microsoft_push.stop_subscription(provider())  # while the secret can still delete it
    with transaction() as s:
        if (row := q.integration(s, MICROSOFT)) is not None:
            s.delete(row)
    _cache.clear()


# --- the provider ------------------------------------------------------------------------------------------

_cache: dict[str, MicrosoftCalendarProvider] = {}


def provider() -> MicrosoftCalendarProvider | None:
    """The Microsoft 365 provider while the integration is installed (one per stored registration, shared)."""
    with transaction(read_only=True) as s:
        row = q.integration(s, MICROSOFT)
    if row is None:
        return None
    key = row.encrypted_key + row.client_email
    if key not in _cache:
        reg = registration()
        if reg is None:
            return None
        _cache.clear()
        graph = _connection(reg, retries=settings.google_retries)
        graph.on_denied = record_problem
        _cache[key] = MicrosoftCalendarProvider(graph, mailbox=row.client_email,
                                                email_of=lambda agent_id: user_row(agent_id).email,
                                                name_of=lambda agent_id: user_row(agent_id).name)
    return _cache[key]


def record_problem(error: GraphError) -> None:
    """Microsoft refused the app (a permission withdrawn, the secret expired or deleted): Integrations shows it
    and the admins are mailed, once until the next successful check."""
    now = datetime.now(UTC)
    if error.reason in ("wrongSecret", "expiredSecret", "unknownClient", "unknownTenant"):
        problem = msg("Microsoft refused the app's client secret ({reason}): create a new secret in Entra ID and "
                      "install Microsoft 365 again.", reason=error.reason)
    else:
        problem = msg("Microsoft Graph denied access ({problem}): a permission was withdrawn or its consent revoked. "
                      "Grant Calendars.ReadWrite, User.Read.All and MailboxSettings.Read again, then click Test "
                      "connection.", problem=error.reason or str(error.status))
    with transaction() as s:
        state = app_settings.get(s, STATE) or {}
        if state.get("problem"):
            return
        app_settings.put(s, STATE, {**state, "problem": {"template": problem.template, "values": problem.values}},
                         now)
        for admin in users.users_with_role(s, Role.ADMIN.value):
            tr = partial(i18n.say, admin.language or i18n.DEFAULT)
            s.add(OutboxMail(kind="integration_problem", to_email=admin.email, created_at=now,
                             subject=tr("Microsoft 365 needs your attention in Kite Scheduler"),
                             body_text=tr(problem) + "\n\n" + tr("Until then, guests cannot book agents whose "
                                                                 "calendars are in Microsoft 365.")))
    log.warning("Microsoft 365 refused the app: %s", error)
