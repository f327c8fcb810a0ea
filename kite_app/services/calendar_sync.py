"""Keeping meetings and agents' calendars in step: event writes that waited for the calendar, and
the agents' Yes/No answers (Google sync tokens, or push notifications where a public https URL is
configured)."""

from __future__ import annotations

import hmac
import logging
from datetime import datetime, timedelta

from kite_app.domain.errors import KiteError
from kite_app.domain.meeting import MeetingStatus
from kite_app.persistence import sync as q
from kite_app.persistence.calendar_models import CalendarSync
from kite_app.persistence.db import transaction
from kite_app.providers.calendar import provider_for
from kite_app.providers.calendar.base import SyncTokenExpired
from kite_app.services.calendar_writes import refresh_conference, write_calendar_event
from kite_app.services.meeting_changes import confirm_meeting, delete_meeting
from kite_app.services.watches import PUSH_PATH

log = logging.getLogger(__name__)
# calendars in which agents answer meetings (Yes, No, or deleting the event)
ANSWERING = ("google:", "caldav:", "microsoft:")
__all__ = ["PUSH_PATH", "handle_push", "retry_calendar_writes", "sync_answers", "sync_prefix"]


def retry_calendar_writes(*, now: datetime, limit: int = 20) -> int:
    """Write calendar events that are behind their meeting (the calendar was down), and read the Meet
    conferences Google was still setting up. Returns how many events were written."""
    with transaction(read_only=True) as s:
        ids = q.meetings_behind_their_calendar(s, now, limit)
    written = sum(write_calendar_event(meeting_id) for meeting_id in ids)
    with transaction(read_only=True) as s:
        awaiting = q.meetings_awaiting_conference(s, now, limit)
    for meeting_id in awaiting:
        refresh_conference(meeting_id)
    return written


def sync_answers(*, now: datetime) -> int:
    """Read the agents' answers from their calendars (Google sync tokens, CalDAV sync-collection or ctags; a
    full read again when the calendar says the token expired): Yes confirms a pending meeting; No, or deleting
    the event in the calendar, declines a pending meeting and deletes a confirmed one (notices and mails as in
    Kite)."""
    return sum(sync_prefix(prefix, now=now) for prefix in ANSWERING)


def sync_prefix(prefix: str, *, now: datetime) -> int:
    """Read the agents' answers in calendars of one kind ("microsoft:" after a change notification)."""
    with transaction(read_only=True) as s:
        pairs = q.calendars_with_live_events(s, now, prefix)
    changed = 0
    for agent_id, calendar_id in pairs:
        try:
            changed += _sync_calendar_answers(agent_id, calendar_id, now)
        except Exception as exc:  # noqa: BLE001 - the next run tries again
            log.warning("cannot read answers of agent %s in %s: %s", agent_id, calendar_id, exc)
    return changed


def _sync_calendar_answers(agent_id: int, calendar_id: str, now: datetime) -> int:
    provider = provider_for(calendar_id)
    with transaction(read_only=True) as s:
        state = q.sync_state(s, agent_id, calendar_id)
    token = state.sync_token if state else None
    since = now - timedelta(days=1)
    full_read = token is None
    try:
        found, next_token = provider.changes(agent_id, calendar_id, token, since=since)
    except SyncTokenExpired:
        found, next_token = provider.changes(agent_id, calendar_id, None, since=since)
        full_read = True
    answers = {c.meeting_uid: c.answer for c in found}  # the newest change of each event wins
    if full_read:  # a full read lists the events there are: one that is missing may have been deleted
        with transaction(read_only=True) as s:
            unseen = [(uid, event_id) for uid, event_id in q.live_events_in(s, agent_id, calendar_id, now)
                      if uid not in answers]
        for uid, event_id in unseen:
            if provider.event_status(agent_id, calendar_id, event_id) == "deleted":
                answers[uid] = "deleted"
    changed = 0
    if answers:
        with transaction(read_only=True) as s:
            live = q.live_by_uid(s, agent_id, list(answers))
        for meeting_id, uid, status in live:
            answer, pending = answers[uid], status == MeetingStatus.PENDING
            try:
                if answer == "accepted" and pending:
                    confirm_meeting(meeting_id, now=now)
                elif answer in ("declined", "deleted") and pending:
                    confirm_meeting(meeting_id, now=now, answer=False)
                elif answer in ("declined", "deleted"):
                    delete_meeting(meeting_id, by="agent", now=now)
                else:
                    continue
                changed += 1
            except KiteError:  # begun meanwhile, or already changed in Kite
                pass
    with transaction() as s:
        row = q.sync_state(s, agent_id, calendar_id) or CalendarSync(agent_id=agent_id, calendar_id=calendar_id,
                                                                      updated_at=now)
        row.sync_token, row.updated_at = next_token or None, now
        s.add(row)
    return changed


def handle_push(channel_id: str, token: str, state: str, *, now: datetime) -> bool:
    """A push notification from Google: check the channel's secret, then read the calendar's changes."""
    with transaction(read_only=True) as s:
        watch = q.watch_by_channel(s, channel_id)
    if watch is None or not hmac.compare_digest(watch.token, token or ""):
        return False
    if state != "sync":  # "sync" only announces a new channel
        try:
            _sync_calendar_answers(watch.agent_id, watch.calendar_id, now)
        except Exception as exc:  # noqa: BLE001 - the periodic sync catches up
            log.warning("push for %s could not be processed (%s); the periodic sync will catch up", channel_id, exc)
    return True
