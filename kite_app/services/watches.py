"""Push channels (Google's events.watch) on the calendars that meetings are added to: opened when an
agent saves their settings, renewed before they expire, stopped when no longer used (another
meeting calendar, the agent deactivated, the integration uninstalled). Best effort: without a
channel, answers are still read by the periodic sync."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime, timedelta

from kite_app.config import settings
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.persistence import calendars as calendar_rows
from kite_app.persistence import sync as q
from kite_app.persistence.calendar_models import CalendarWatch
from kite_app.persistence.db import transaction
from kite_app.persistence.models import User
from kite_app.providers.calendar import provider_for

log = logging.getLogger(__name__)
PUSH_PATH = "/api/google/push"
RENEW_BEFORE = timedelta(days=1)


def ensure_watch(agent_id: int, calendar_id: str, *, now: datetime) -> bool:
    """Open a push channel on the agent's meeting calendar unless one lives on beyond RENEW_BEFORE;
    channels of the agent on other calendars are stopped."""
    stop_unused(agent_id, keep=calendar_id)
    if not settings.push_enabled or not calendar_id.startswith("google:"):
        return False
    with transaction(read_only=True) as s:
        live = q.live_watch(s, agent_id, calendar_id, now + RENEW_BEFORE)
    if live is not None:
        return True
    channel_id, token = uuid.uuid4().hex, secrets.token_urlsafe(24)
    # the row first: Google's first notification may arrive before watch() returns
    with transaction() as s:
        s.add(CalendarWatch(agent_id=agent_id, calendar_id=calendar_id, channel_id=channel_id, token=token,
                            expires_at=now + timedelta(days=7)))
    try:
        resource_id, expires = provider_for(calendar_id).watch(
            agent_id, calendar_id, channel_id=channel_id, token=token,
            address=settings.public_url.rstrip("/") + PUSH_PATH)
    except Exception as exc:  # noqa: BLE001 - the periodic sync still reads the answers
        log.warning("cannot watch %s of agent %s (%s); answers are read periodically", calendar_id, agent_id, exc)
        with transaction() as s:
            if (row := q.watch_by_channel(s, channel_id)) is not None:
                s.delete(row)
        return False
    with transaction() as s:
        if (row := q.watch_by_channel(s, channel_id)) is not None:
            row.resource_id, row.expires_at = resource_id, expires
            s.add(row)
    return True


def _stop(rows: list[CalendarWatch]) -> int:
    """Stop channels at the calendar service (best effort: an unreachable one expires by itself) and
    forget them."""
    for row in rows:
        try:
            provider_for(row.calendar_id).stop_watch(row.agent_id, row.channel_id, row.resource_id)
        except Exception as exc:  # noqa: BLE001 - Google down or the integration gone: it expires by itself
            log.warning("channel %s of agent %s could not be stopped (%s); it expires by itself",
                        row.channel_id, row.agent_id, exc)
    with transaction() as s:
        for row in rows:
            if (found := s.get(CalendarWatch, row.id)) is not None:
                s.delete(found)
    return len(rows)


def stop_unused(agent_id: int, *, keep: str | None = None) -> int:
    """Stop the agent's channels on every calendar but `keep` (all of them with None)."""
    with transaction(read_only=True) as s:
        rows = q.watches_of(s, agent_id)
    return _stop([r for r in rows if r.calendar_id != keep])


def stop_all(prefix: str = "google:") -> int:
    """Stop every channel on calendars of one kind (before its integration is uninstalled)."""
    with transaction(read_only=True) as s:
        rows = q.watches_on(s, prefix)
    return _stop(rows)


def renew_watches(*, now: datetime) -> int:
    """Channels that expire within RENEW_BEFORE: a new one where it is still used, then the old one
    stopped; channels no longer used are stopped. Returns how many channels were stopped."""
    with transaction(read_only=True) as s:
        ending = q.watches_ending(s, now + RENEW_BEFORE)
        in_use = {row.id: _in_use(s, row) for row in ending}
    for row in ending:
        if in_use[row.id] and settings.push_enabled:
            ensure_watch(row.agent_id, row.calendar_id, now=now)
    return _stop(ending)


def _in_use(s, row: CalendarWatch) -> bool:
    agent = s.get(User, row.agent_id)
    saved = calendar_rows.settings_row(s, row.agent_id)
    return bool(agent is not None and agent.active and saved is not None
                and CalendarSettings.from_json(saved.data).destination_calendar == row.calendar_id)
