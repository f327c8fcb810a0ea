"""Microsoft Graph change notifications of the scheduling mailbox's events: one subscription for the installation,
made when Microsoft 365 is installed (only where KITE_PUBLIC_URL is https: Graph calls nothing else), renewed
before it expires (events allow at most 10,080 minutes), made again after a lifecycle notice
(reauthorizationRequired, subscriptionRemoved), deleted on uninstall. Best effort: answers are also read every
KITE_CALENDAR_SYNC_SECONDS, so nothing depends on a notification arriving.

The subscription's state is an app setting: {"id", "client_state", "expires"}. A notification counts only with
the subscription's id and its clientState (compared in constant time)."""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta

from kite_app.config import settings
from kite_app.persistence import app_settings
from kite_app.persistence.db import transaction
from kite_app.providers.calendar.base import CalendarError
from kite_app.providers.calendar.microsoft import MicrosoftCalendarProvider

log = logging.getLogger(__name__)
KEY = "microsoft_push"
NOTIFY_PATH = "/api/microsoft/notify"
LIFECYCLE_PATH = "/api/microsoft/lifecycle"
LIFETIME = timedelta(minutes=10080 - 10)  # Graph's maximum for Outlook events, less a margin for clocks
RENEW_BEFORE = timedelta(days=1)
RETRY_AFTER_FAILURE = timedelta(hours=1)  # a subscription Graph refused is asked for again this much later


def enabled() -> bool:
    return settings.public_url.startswith("https://")


def _state() -> dict:
    with transaction(read_only=True) as s:
        return app_settings.get(s, KEY) or {}


def _save(state: dict, now: datetime) -> None:
    with transaction() as s:
        app_settings.put(s, KEY, state, now)


def ensure_subscription(provider: MicrosoftCalendarProvider | None, *, now: datetime) -> bool:
    """A live subscription beyond RENEW_BEFORE, renewed or made as needed. False when there is none (push off,
    not installed, or Graph refused: answers are then read periodically)."""
    if provider is None or not enabled():
        return False
    state = _state()
    if state.get("failed") and datetime.fromisoformat(state["failed"]) + RETRY_AFTER_FAILURE > now:
        return False
    expires = now + LIFETIME
    try:
        if state.get("id"):
            if datetime.fromisoformat(state["expires"]) > now + RENEW_BEFORE:
                return True
            if provider.renew_subscription(state["id"], expires):
                _save({**state, "expires": expires.isoformat()}, now)
                return True
        client_state = secrets.token_urlsafe(24)
        _save({"id": "", "client_state": client_state, "expires": ""}, now)  # before Graph's first notification
        base = settings.public_url.rstrip("/")
        made = provider.subscribe(address=base + NOTIFY_PATH, lifecycle_address=base + LIFECYCLE_PATH,
                                  client_state=client_state, expires=expires)
    except CalendarError as exc:
        log.warning("no Microsoft Graph subscription (%s); answers are read every %s s, and a subscription is "
                    "asked for again in an hour", exc, settings.calendar_sync_seconds)
        _save({"failed": now.isoformat()}, now)
        return False
    _save({"id": made["id"], "client_state": client_state, "expires": expires.isoformat()}, now)
    return True


def stop_subscription(provider: MicrosoftCalendarProvider | None) -> None:
    state = _state()
    if state.get("id") and provider is not None:
        try:
            provider.unsubscribe(state["id"])
        except CalendarError as exc:  # it expires by itself
            log.warning("Microsoft Graph subscription %s could not be deleted (%s)", state["id"], exc)
    _save({}, datetime.now(UTC))


def genuine(items: list[dict]) -> bool:
    """Whether every notification of a POST carries our subscription's id and clientState."""
    state = _state()
    wanted = str(state.get("client_state", ""))
    return bool(items) and bool(wanted) and all(
        isinstance(item, dict) and hmac.compare_digest(str(item.get("clientState", "")), wanted)
        and (not state.get("id") or item.get("subscriptionId") == state["id"]) for item in items)


def lifecycle(provider: MicrosoftCalendarProvider | None, items: list[dict], *, now: datetime) -> None:
    """reauthorizationRequired: renew now; subscriptionRemoved: make a new one; missed: the caller reads answers."""
    for item in items:
        event = item.get("lifecycleEvent")
        if event in ("reauthorizationRequired", "subscriptionRemoved"):
            state = _state()
            if event == "subscriptionRemoved" or not state.get("id"):
                _save({}, now)
            else:
                _save({**state, "expires": now.isoformat()}, now)  # due: renewed below
            ensure_subscription(provider, now=now)
