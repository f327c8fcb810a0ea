"""Calendar writes: after a change is committed, the meeting's event in the agent's calendar is brought up to
date (the built-in calendar at once, a remote one in the background); a write that fails waits in the database
and is retried (`calendar_sync.retry_calendar_writes`). Google Meet conferences are read back here."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from functools import partial

from kite_app import i18n
from kite_app.domain.booking_form import answer_lines, as_text
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.domain.meeting import LIVE, MeetingStatus
from kite_app.persistence import meetings as q
from kite_app.persistence.db import DATABASE_UNAVAILABLE, must_get, transaction
from kite_app.persistence.models import Meeting, User
from kite_app.providers.calendar import provider_for
from kite_app.providers.calendar.base import CalendarError, EventData, EventGone
from kite_app.services import notifications
from kite_app.services.calendar_settings import meeting_settings

log = logging.getLogger(__name__)


def event_data(meeting: Meeting, language: str) -> EventData:
    """The meeting as an event in the agent's calendar, its texts in the agent's `language`."""
    tr = partial(i18n.say, language or i18n.DEFAULT)
    title = meeting.subject or tr("Meeting with {name}").format(name=meeting.guest_name)
    join = tr("Join the meeting") + f": {meeting.meeting_url}" if meeting.meeting_url and not meeting.conference else ""
    booked = tr("Booked by {guest} with Kite Scheduler").format(guest=f"{meeting.guest_name} <{meeting.guest_email}>")
    return EventData(uid=meeting.uid, title=title, start=meeting.starts_at, end=meeting.ends_at,
                     description="\n\n".join(filter(None, (booked, join, as_text(answer_lines(
                         meeting.answers or [], meeting.utm or {}, tr, for_guest=False))))),
                     guest_email=meeting.guest_email, tentative=meeting.status == MeetingStatus.PENDING,
                     location="" if meeting.conference else meeting.meeting_url, sequence=meeting.sequence,
                     conference=meeting.conference == "requested",
                     conference_request_id="kite-" + hashlib.sha256(meeting.uid.encode()).hexdigest()[:40])


_writer = ThreadPoolExecutor(max_workers=2, thread_name_prefix="calendar-write")
_pending: set[Future] = set()
_pending_lock = threading.Lock()
# What an event the agent deleted in their calendar means for its meeting (their No, or their delete): the
# meeting changes module says it (wiring.connect_providers plugs it in), since those changes write calendars.
_when_deleted: Callable[[int], None] | None = None


def when_deleted_in_calendar(handler: Callable[[int], None]) -> None:
    global _when_deleted
    _when_deleted = handler


def schedule_calendar_write(meeting_id: int, settings: CalendarSettings | None) -> None:
    """After a change is committed: the built-in calendar is written in this request; a remote one
    (Google) in the background, so that a guest never waits on it. A write that fails waits in the
    database for `retry_calendar_writes`."""
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
        calendar_id = meeting.calendar_id or (settings.destination_calendar if settings else None)
    try:
        remote = calendar_id is not None and provider_for(calendar_id).remote
    except KeyError:  # the calendar's integration is gone; the retry job reports it
        remote = False
    if not remote:
        write_calendar_event(meeting_id, settings)
        return
    future = _writer.submit(write_calendar_event, meeting_id, settings)
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def flush_calendar_writes(timeout: float = 60) -> None:
    """Wait for the background calendar writes started so far (at shutdown; tests)."""
    deadline = time.monotonic() + timeout
    while True:
        with _pending_lock:
            pending = list(_pending)
        if not pending or time.monotonic() > deadline:
            return
        wait(pending, timeout=max(0.1, deadline - time.monotonic()))


def write_calendar_event(meeting_id: int, settings: CalendarSettings | None = None) -> bool:
    """Bring the meeting's calendar event up to date. A failure (the calendar or the database is down)
    leaves the booking standing and the write waiting: `retry_calendar_writes` tries again until it
    succeeds. Both are expected conditions: one warning line, no traceback. A write that can never
    succeed (no write access) is not retried: the agent gets a notice. An event the agent deleted in
    their calendar counts as their No."""
    try:
        return _write_calendar_event(meeting_id, settings)
    except DATABASE_UNAVAILABLE as exc:
        log.warning("calendar write for meeting %s waits: the database is unavailable (%s); it will be retried",
                    meeting_id, type(exc).__name__)
        return False


def _write_calendar_event(meeting_id: int, settings: CalendarSettings | None) -> bool:
    settings = settings or _settings_of(meeting_id)
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
        language = must_get(s, User, meeting.agent_id).language
    calendar_id = meeting.calendar_id or (settings.destination_calendar if settings else None)
    event_id = meeting.calendar_event_id
    try:
        if calendar_id is None:
            pass
        elif meeting.status not in LIVE:
            if event_id:
                provider_for(calendar_id).delete_event(meeting.agent_id, calendar_id, event_id)
        elif event_id:
            provider_for(calendar_id).update_event(meeting.agent_id, calendar_id, event_id,
                                                   event_data(meeting, language))
        else:
            event_id = provider_for(calendar_id).create_event(meeting.agent_id, calendar_id,
                                                              event_data(meeting, language))
    except DATABASE_UNAVAILABLE:
        raise
    except EventGone:
        _deleted_in_calendar(meeting_id)
        return True
    except CalendarError as exc:
        if exc.transient:
            log.warning("calendar write for meeting %s failed (%s); it will be retried", meeting_id, exc)
            return False
        log.warning("calendar write for meeting %s can never succeed (%s); the agent is told", meeting_id, exc)
        _give_up_calendar_write(meeting_id, calendar_id or "", exc)
        return False
    except Exception as exc:  # the calendar is outside our control; the meeting itself is safe in the database
        log.warning("calendar write for meeting %s failed (%s: %s); it will be retried", meeting_id,
                    type(exc).__name__, exc)
        return False
    with transaction() as s:
        row = must_get(s, Meeting, meeting_id)
        row.calendar_id, row.calendar_event_id = calendar_id, event_id
        row.calendar_synced_seq = meeting.sequence
        s.add(row)
    if meeting.conference in ("requested", "pending") and meeting.status in LIVE and event_id and calendar_id:
        refresh_conference(meeting_id)
    return True


def refresh_conference(meeting_id: int) -> str:
    """Read the meeting's Google Meet conference from its event: once Google has it ready, its link becomes
    the meeting's (for every host of a collective meeting) and both sides are told, with the link. Returns
    the conference's status; a failure to ask is left for the next run."""
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
    if not (meeting.calendar_id and meeting.calendar_event_id):
        return meeting.conference
    try:
        found = provider_for(meeting.calendar_id).conference(meeting.agent_id, meeting.calendar_id,
                                                             meeting.calendar_event_id)
    except EventGone:
        return meeting.conference  # the write path deals with a deleted event
    except CalendarError as exc:
        log.warning("conference of meeting %s cannot be read now (%s); asked again later", meeting_id, exc)
        return meeting.conference
    status = found.status or "failed"  # an event without a conference after asking: Google refused
    now = datetime.now(UTC)
    with transaction() as s:
        row = must_get(s, Meeting, meeting_id)
        if row.conference not in ("requested", "pending"):
            return row.conference  # another worker got there first
        row.conference = status
        if status == "ready":
            for host_row in q.group(s, row):
                host_row.meeting_url = found.url
                host_row.conference = "ready" if host_row.id == row.id else host_row.conference
                s.add(host_row)
                if host_row.status in LIVE:
                    notifications.record(s, host_row, must_get(s, User, host_row.agent_id), "link_ready",
                                         by="system", now=now, meeting_url=found.url)
        elif status == "failed":
            log.warning("Google could not add a Meet conference to meeting %s", meeting_id)
        s.add(row)
    return status


def _deleted_in_calendar(meeting_id: int) -> None:
    with transaction() as s:
        row = must_get(s, Meeting, meeting_id)
        row.calendar_synced_seq = row.sequence  # nothing waits on the gone event
        s.add(row)
    if _when_deleted is None:
        log.warning("meeting %s: its event was deleted in the calendar, and nothing is wired to answer it", meeting_id)
        return
    _when_deleted(meeting_id)


def _give_up_calendar_write(meeting_id: int, calendar_id: str, exc: CalendarError) -> None:
    """Stop retrying a write that cannot succeed and tell the agent; the meeting stands in Kite."""
    now = datetime.now(UTC)
    with transaction() as s:
        row = must_get(s, Meeting, meeting_id)
        row.calendar_synced_seq = row.sequence  # a later change of the meeting tries again
        s.add(row)
        notifications.record_for_agent(s, row, must_get(s, User, row.agent_id), "calendar_failed", now=now,
                                       calendar=calendar_id.partition(":")[2] or calendar_id, reason=str(exc))


def _settings_of(meeting_id: int) -> CalendarSettings | None:
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
    return meeting_settings(meeting)
