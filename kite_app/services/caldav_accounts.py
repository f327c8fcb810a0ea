"""An agent's CalDAV accounts (Kite settings → Calendar Settings → "Connect a CalDAV account"): connecting one
(its calendars found from the server's address, the login checked for real, the password stored encrypted with
KITE_SECRET_KEY), reconnecting after the server refused the password, disconnecting; and the calendar provider
that reads and writes those calendars."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TypedDict
from urllib.parse import urlsplit

from kite_app import i18n
from kite_app.config import settings
from kite_app.domain.accounts import Actor
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.domain.errors import NotFound, ValidationError
from kite_app.domain.text import msg
from kite_app.persistence import caldav_accounts as q
from kite_app.persistence import calendars as calendar_rows
from kite_app.persistence.calendar_models import CalDAVAccount
from kite_app.persistence.db import transaction
from kite_app.persistence.models import OutboxMail, User
from kite_app.providers.calendar.caldav import PREFIX, Access, CalDAVCalendarProvider, parse_id
from kite_app.providers.calendar.caldav_http import CalDAVError, Credentials, FoundCalendar, discover, start_url
from kite_app.services import secret_box
from kite_app.services.accounts import signed_in_agent

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10

AGENTS_ONLY = msg("Only agents connect calendars.")
NO_SECRET = msg("This server has no KITE_SECRET_KEY, which encrypts the password, so no CalDAV account can be "
                "connected yet. Ask your admin to start Kite with the variable set (e.g. KITE_SECRET_KEY=\"$(openssl "
                "rand -hex 32)\" ./run.sh) and to keep that value.")
REFUSALS = {
    "unauthorized": ("password", msg("The server refused the username or password. Use an app password if your "
                                     "provider has them (Fastmail, iCloud, Nextcloud with two-factor login).")),
    "notCalDAV": ("url", msg("This address is not a CalDAV server. Enter your provider's CalDAV address, e.g. "
                             "https://caldav.fastmail.com or https://cloud.example.com/remote.php/dav.")),
    "notFound": ("url", msg("This address is not a CalDAV server. Enter your provider's CalDAV address, e.g. "
                            "https://caldav.fastmail.com or https://cloud.example.com/remote.php/dav.")),
    "unreachable": ("url", msg("The server cannot be reached at this address. Check the address and that the "
                               "server is running.")),
    "tls": ("url", msg("The server's certificate is not trusted (TLS error), so Kite did not send the password. "
                       "Check the address (https:// or http://) or ask the server's admin.")),
    "timeout": ("url", msg("The server did not answer within {seconds} seconds. Try again later.",
                           seconds=TIMEOUT_SECONDS)),
    "server": ("url", msg("The server had an error. Try again later.")),
}


class AccountView(TypedDict):
    id: int
    server: str  # the server's host, what the agent recognises
    url: str
    username: str
    needs_reconnect: bool  # the server refused the stored password
    calendars: list[str]  # the ids of its calendars in the agent's settings form


class ConnectForm(TypedDict):
    url: str
    username: str
    password: str


def _view(row: CalDAVAccount) -> AccountView:
    return AccountView(id=row.id, server=urlsplit(row.server_url).netloc, url=row.server_url, username=row.username,
                       needs_reconnect=row.status == "unauthorized", calendars=[])


def accounts(actor: Actor | None) -> list[AccountView]:
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
    return accounts_of_agent(agent.id)


def accounts_of_agent(agent_id: int) -> list[AccountView]:
    with transaction(read_only=True) as s:
        return [_view(row) for row in q.accounts_of(s, agent_id)]


def _form_errors(form: ConnectForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    url = (form.get("url") or "").strip()
    parts = urlsplit(start_url(url)) if url else None
    if not url:
        errors["url"] = msg("Enter the server's address.")
    elif parts is None or parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        errors["url"] = msg("Enter an address like https://cloud.example.com (the server's CalDAV address).")
    if not (form.get("username") or "").strip():
        errors["username"] = msg("Enter your username on that server.")
    if not form.get("password"):
        errors["password"] = msg("Enter the password (an app password, where your provider has them).")
    return errors


def connect(actor: Actor | None, form: ConnectForm, *, now: datetime, account_id: int | None = None) -> AccountView:
    """Find the account's calendars from the server's address and store the login, or change nothing and raise
    ValidationError naming the field to fix. With `account_id`, reconnect that account (a new password)."""
    with transaction(read_only=True) as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        reconnecting = s.get(CalDAVAccount, account_id) if account_id is not None else None
        if account_id is not None and (reconnecting is None or reconnecting.agent_id != agent.id):
            raise NotFound(msg("This CalDAV account is not connected any more."))
    if errors := _form_errors(form):
        raise ValidationError(errors)
    if not secret_box.secret_key_set():
        raise ValidationError({"secret_key": NO_SECRET})
    url, username = start_url(form["url"]), form["username"].strip()
    try:
        found = discover(Credentials(url, username, form["password"]), timeout=TIMEOUT_SECONDS)
    except CalDAVError as exc:
        field, message = REFUSALS.get(exc.reason, REFUSALS["notCalDAV"])
        log.info("CalDAV account of agent %s not connected: %s", agent.id, exc.reason)  # never the password
        raise ValidationError({field: message}) from None
    if not found.calendars:
        raise ValidationError({"url": msg("This account has no calendar for events.")})
    sealed = secret_box.seal(form["password"]) or ""
    with transaction() as s:
        row = s.get(CalDAVAccount, account_id) if account_id is not None else q.same_login(s, agent.id, url, username)
        row = row or CalDAVAccount(agent_id=agent.id, server_url=url, username=username, sealed_password="",
                                   created_at=now)
        row.server_url, row.username, row.sealed_password = url, username, sealed
        row.principal_url, row.home_url = found.principal_url, found.home_url
        row.addresses = [a for a in found.addresses if a][:20]
        row.calendars = [{"url": c.url, "name": c.name, "writable": c.writable} for c in found.calendars]
        row.auth_type, row.status, row.checked_at = found.auth_type, "ok", now
        s.add(row)
        s.flush()
        view = _view(row)
    forget_connections()
    return view


def disconnect(actor: Actor | None, account_id: int, *, now: datetime) -> str:
    """Forget the account; its calendars leave the agent's settings. Returns a warning when meetings were added
    to one of them (new meetings then go to the built-in calendar), else ""."""
    with transaction() as s:
        agent = signed_in_agent(s, actor, AGENTS_ONLY)
        row = s.get(CalDAVAccount, account_id)
        if row is None or row.agent_id != agent.id:
            raise NotFound(msg("This CalDAV account is not connected any more."))
        prefix = f"{PREFIX}{account_id}:"
        warning = ""
        saved = calendar_rows.settings_row(s, agent.id)
        if saved is not None:
            current = CalendarSettings.from_json(saved.data)
            blocking = tuple(c for c in current.blocking_calendars if not c.startswith(prefix))
            destination = current.destination_calendar
            if destination.startswith(prefix):
                own = calendar_rows.calendars_of(s, agent.id)
                destination = f"local:{own[0].id}" if own else ""
                warning = msg("Meetings were added to a calendar of this account. New meetings now go to your "
                              "built-in calendar: choose another one under Add meetings to. Events already "
                              "written stay in that account's calendar.")
            saved.data = replace(current, blocking_calendars=blocking, destination_calendar=destination).to_json()
            saved.updated_at = now
            s.add(saved)
        s.delete(row)
    forget_connections()
    return warning


def mark_unauthorized(account_id: int) -> None:
    """The server refused the stored password (changed or revoked): the agent is told once, by mail, and
    Calendar Settings asks them to reconnect. Until then guests cannot book with them."""
    with transaction() as s:
        found = q.account_with_agent(s, account_id)
        if found is None or found[0].status == "unauthorized":
            return
        row, agent = found
        row.status, row.checked_at = "unauthorized", datetime.now(UTC)
        s.add(row)
        tr = partial(i18n.say, agent.language or i18n.DEFAULT)
        server = urlsplit(row.server_url).netloc
        text = tr(msg("The CalDAV server {server} refused the password of {username}, so Kite cannot read your "
                      "calendars there and guests cannot book with you. Open Kite settings → Calendar Settings and "
                      "click Reconnect.", server=server, username=row.username))
        s.add(OutboxMail(kind="calendar_login", to_email=agent.email,
                         subject=tr("Reconnect your calendar in Kite Scheduler"), body_text=text,
                         created_at=datetime.now(UTC)))
    log.warning("CalDAV account %s: the server refused the password; the agent is asked to reconnect", account_id)


def account_name(cal_id: str) -> str:
    """The server of a CalDAV calendar id, for messages."""
    try:
        return urlsplit(parse_id(cal_id)[1]).netloc
    except ValueError:
        return cal_id


# --- the provider ---------------------------------------------------------------------------------------------

_provider: CalDAVCalendarProvider | None = None


def _accesses(agent_id: int) -> list[Access]:
    with transaction(read_only=True) as s:
        rows = q.accounts_of(s, agent_id)
        agent = s.get(User, agent_id)
    if agent is None:
        return []
    out = []
    for row in rows:
        password = secret_box.unseal(row.sealed_password)
        if password is None:  # KITE_SECRET_KEY is gone or changed: the account cannot be used
            continue
        out.append(Access(account_id=row.id, agent_id=agent_id, credentials=Credentials(
            row.server_url, row.username, password, row.auth_type), home_url=row.home_url, agent_email=agent.email,
            agent_name=agent.name, zone=agent.time_zone,
            known_calendars=tuple(FoundCalendar(url=str(c.get("url", "")), name=str(c.get("name", "")),
                                                writable=bool(c.get("writable"))) for c in row.calendars),
            addresses=frozenset(a.lower().removeprefix("mailto:") for a in row.addresses) | {agent.email.lower()}))
    return out


def provider() -> CalDAVCalendarProvider:
    """The CalDAV provider (one, shared: it keeps each account's connection and recent busy time)."""
    global _provider
    if _provider is None:
        _provider = CalDAVCalendarProvider(_accesses, organizer_email=settings.mail_from,
                                           on_unauthorized=mark_unauthorized, timeout=TIMEOUT_SECONDS)
    return _provider


def forget_connections() -> None:
    """After an account changed: its next request logs in with what is stored now."""
    if _provider is not None:
        _provider.forget_connections()
