"""Keeping meetings and agents' calendars in step: event writes that waited for the calendar, and
the agents' Yes/No answers (Google sync tokens, or push notifications where a public https URL is
configured)."""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import select

from kite_app.config import settings
from kite_app.domain.errors import KiteError
from kite_app.persistence.db import transaction
from kite_app.persistence.models import CalendarSync, CalendarWatch, Meeting
from kite_app.providers.calendar import provider_for
from kite_app.providers.calendar.google import SyncTokenExpired
from kite_app.services.booking import confirm_meeting, write_calendar_event

log = logging.getLogger(__name__)
PUSH_PATH = "/api/google/push"
RENEW_BEFORE = timedelta(days=1)


def retry_calendar_writes(*, now: datetime, limit: int = 20) -> int:
    """Write calendar events that are behind their meeting (the calendar was down). Returns how many."""
    with transaction(read_only=True) as s:
        ids = s.exec(select(Meeting.id).where(
            or_(Meeting.calendar_synced_seq.is_(None), Meeting.calendar_synced_seq < Meeting.sequence),
            Meeting.updated_at > now - timedelta(days=7), Meeting.ends_at > now,
        ).order_by(Meeting.updated_at).limit(limit)).all()
    return sum(write_calendar_event(meeting_id) for meeting_id in ids)


def sync_answers(*, now: datetime) -> int:
    """Read the agents' Yes or No from their calendars (Google sync tokens; a full read again when
    Google says the token expired): Yes confirms a pending meeting, No declines it."""
    with transaction(read_only=True) as s:
        pairs = s.exec(select(Meeting.agent_id, Meeting.calendar_id).where(
            Meeting.status == "pending", Meeting.starts_at > now, Meeting.calendar_event_id.is_not(None),
            Meeting.calendar_id.startswith("google:"),
        ).distinct()).all()
    changed = 0
    for agent_id, calendar_id in pairs:
        try:
            changed += _sync_calendar_answers(agent_id, calendar_id, now)
        except Exception:
            log.warning("cannot read answers of agent %s in %s", agent_id, calendar_id, exc_info=True)
    return changed


def _sync_calendar_answers(agent_id: int, calendar_id: str, now: datetime) -> int:
    provider = provider_for(calendar_id)
    with transaction(read_only=True) as s:
        state = s.exec(select(CalendarSync).where(CalendarSync.agent_id == agent_id,
                                                  CalendarSync.calendar_id == calendar_id)).first()
    token = state.sync_token if state else None
    since = now - timedelta(days=1)
    try:
        found, next_token = provider.changes(agent_id, calendar_id, token, since=since)
    except SyncTokenExpired:
        found, next_token = provider.changes(agent_id, calendar_id, None, since=since)
    answers = {c.meeting_uid: c.answer for c in found}  # the newest change of each event wins
    changed = 0
    if answers:
        with transaction(read_only=True) as s:
            pending = s.exec(select(Meeting.id, Meeting.uid).where(
                Meeting.agent_id == agent_id, Meeting.status == "pending", Meeting.uid.in_(list(answers)))).all()
        for meeting_id, uid in pending:
            if answers[uid] in ("accepted", "declined"):
                try:
                    confirm_meeting(meeting_id, now=now, answer=answers[uid] == "accepted")
                    changed += 1
                except KiteError:
                    pass
    with transaction() as s:
        row = s.exec(select(CalendarSync).where(CalendarSync.agent_id == agent_id,
                                                CalendarSync.calendar_id == calendar_id)).first()
        row = row or CalendarSync(agent_id=agent_id, calendar_id=calendar_id, updated_at=now)
        row.sync_token, row.updated_at = next_token or None, now
        s.add(row)
    return changed


def ensure_watch(agent_id: int, calendar_id: str, *, now: datetime) -> bool:
    """Open (or renew) a push channel on a Google calendar when push is enabled. Best effort."""
    if not settings.push_enabled or not calendar_id.startswith("google:"):
        return False
    with transaction(read_only=True) as s:
        live = s.exec(select(CalendarWatch).where(CalendarWatch.agent_id == agent_id,
                                                  CalendarWatch.calendar_id == calendar_id,
                                                  CalendarWatch.expires_at > now + RENEW_BEFORE)).first()
    if live is not None:
        return True
    channel_id, token = uuid.uuid4().hex, secrets.token_urlsafe(24)
    # the row first: Google's first notification may arrive before watch() returns
    with transaction() as s:
        row = CalendarWatch(agent_id=agent_id, calendar_id=calendar_id, channel_id=channel_id, token=token,
                            expires_at=now + timedelta(days=7))
        s.add(row)
    try:
        resource_id, expires = provider_for(calendar_id).watch(
            agent_id, calendar_id, channel_id=channel_id, token=token,
            address=settings.public_url.rstrip("/") + PUSH_PATH)
    except Exception:
        log.warning("cannot watch %s of agent %s; answers are read periodically", calendar_id, agent_id,
                    exc_info=True)
        with transaction() as s:
            s.delete(s.exec(select(CalendarWatch).where(CalendarWatch.channel_id == channel_id)).one())
        return False
    with transaction() as s:
        row = s.exec(select(CalendarWatch).where(CalendarWatch.channel_id == channel_id)).one()
        row.resource_id, row.expires_at = resource_id, expires
        s.add(row)
    return True


def handle_push(channel_id: str, token: str, state: str, *, now: datetime) -> bool:
    """A push notification from Google: check the channel's secret, then read the calendar's changes."""
    with transaction(read_only=True) as s:
        watch = s.exec(select(CalendarWatch).where(CalendarWatch.channel_id == channel_id)).first()
    if watch is None or not hmac.compare_digest(watch.token, token or ""):
        return False
    if state != "sync":  # "sync" only announces a new channel
        try:
            _sync_calendar_answers(watch.agent_id, watch.calendar_id, now)
        except Exception:
            log.warning("push for %s could not be processed; the periodic sync will catch up", channel_id,
                        exc_info=True)
    return True
