"""Changes to a booked meeting: the guest's or the agent's new time, duration or subject, the agent's Yes or No,
and deletes. Every change passes the same checks as booking (for every host of a collective team meeting), posts
a notice, sends mails, moves reminders and updates the calendar events."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from kite_app.domain import times
from kite_app.domain.calendar_settings import CalendarSettings
from kite_app.domain.errors import KiteError, NotFound, ValidationError
from kite_app.domain.meeting import (
    LIVE,
    MAX_SUBJECT,
    MeetingStatus,
    SlotTaken,
    SlotUnavailable,
    can_move,
    longer_meeting_conflict,
)
from kite_app.domain.slots import MAX_DURATION, MIN_DURATION
from kite_app.domain.text import msg
from kite_app.persistence import meetings as q
from kite_app.persistence.db import must_get, transaction
from kite_app.persistence.models import Meeting, User
from kite_app.services import manage_links, meeting_views, notifications, ratelimit, reminders
from kite_app.services.availability import Slot, agent_slots, checked_duration, label_slots
from kite_app.services.booking import check_meetings, check_time, clean_text, refusing_overlap
from kite_app.services.calendar_settings import meeting_settings
from kite_app.services.calendar_settings import published as published_settings
from kite_app.services.calendar_writes import schedule_calendar_write
from kite_app.services.meeting_views import MeetingView, get_view

log = logging.getLogger(__name__)


def change_slots(token: str, *, start: datetime, end: datetime, duration: int, guest_zone: str,
                 now: datetime, client: str | None = None, locale: str = times.DEFAULT_LOCALE) -> list[Slot]:
    """Slots the meeting behind `token` could move to; its own current time counts as free."""
    with transaction(read_only=True) as s:
        meeting = manage_links.meeting_for(s, token, client=client, now=now)
        agent = must_get(s, User, meeting.agent_id)
    settings = meeting_settings(meeting)
    if settings is None or not agent.active:
        raise NotFound(msg("This agent is not taking bookings any more."))
    duration = checked_duration(settings, duration, guest_zone)
    return label_slots(agent_slots(agent.id, agent.time_zone, settings, start=start, end=end, duration=duration,
                                   now=now, exclude_meeting_id=meeting.id), ZoneInfo(guest_zone), locale)


def change(token: str, *, now: datetime, start: datetime | None = None, duration: int | None = None,
           subject: str | None = None, client: str | None = None) -> MeetingView:
    """A guest changes subject, duration or time. New times pass the same checks as booking, and the
    same rate limit."""
    ratelimit.check("booking", client, now=now.timestamp())
    with transaction(read_only=True) as s:
        meeting_id = manage_links.meeting_for(s, token, client=client, now=now).id
    view = change_meeting(meeting_id, by="guest", now=now, start=start, duration=duration, subject=subject)
    return MeetingView(**{**view, "manage_token": token})


def cancel(token: str, *, now: datetime, client: str | None = None, reason: str = "") -> MeetingView:
    """A guest deletes their meeting (saying why, if they like); its time is free again at once."""
    with transaction(read_only=True) as s:
        meeting_id = manage_links.meeting_for(s, token, client=client, now=now).id
    view = delete_meeting(meeting_id, by="guest", now=now, reason=reason)
    return MeetingView(**{**view, "manage_token": token})


def _changeable(meeting: Meeting, now: datetime) -> None:
    if meeting.status not in LIVE:
        raise ValidationError({"meeting": msg("This meeting was deleted and cannot be changed.")})
    if meeting.starts_at <= now:
        raise ValidationError({"meeting": msg("This meeting has already started and cannot be changed.")})


def change_meeting(meeting_id: int, *, by: str, now: datetime, start: datetime | None = None,
                   duration: int | None = None, subject: str | None = None) -> MeetingView:
    """Change a meeting's time, duration or subject (`by` "guest" or "agent"): the same checks as
    booking, for every host of a collective team meeting; a notice in the conversation, mails to both,
    reminders moved, the calendar events updated."""
    with transaction(read_only=True) as s:
        meeting = must_get(s, Meeting, meeting_id)
        acting = meeting.agent_id if by == "agent" else None  # the host who made the change
        rows = q.group(s, meeting)
        hosts = [must_get(s, User, r.agent_id) for r in rows]
    meeting = rows[0]
    _changeable(meeting, now)
    all_settings = [meeting_settings(r) for r in rows]
    for host, settings in zip(hosts, all_settings, strict=True):
        if settings is None or not host.active:
            raise NotFound(msg("{name} is not taking bookings any more.", name=host.name))
    new_subject = meeting.subject if subject is None else clean_text(subject, MAX_SUBJECT)
    if len(new_subject) > MAX_SUBJECT:
        raise ValidationError({"subject": msg("Use at most {count} characters for the subject.", count=MAX_SUBJECT)})
    new_start = meeting.starts_at if start is None else start
    if new_start.tzinfo is None:
        raise ValidationError({"start": msg("Give the start time with its UTC offset.")})
    new_start = new_start.astimezone(UTC)
    old_duration = meeting.duration_minutes
    new_duration = old_duration if duration is None else duration
    time_changed = new_start != meeting.starts_at or new_duration != old_duration
    subject_changed = new_subject != meeting.subject
    if not time_changed and not subject_changed:
        return get_view(meeting_id, now)  # nothing to announce
    longer_only = new_start == meeting.starts_at and new_duration > old_duration
    try:
        return _apply_change(rows, hosts, [st for st in all_settings if st is not None], by=by, now=now,
                             new_start=new_start, new_duration=new_duration, new_subject=new_subject,
                             time_changed=time_changed, acting=acting)
    except SlotTaken:
        if longer_only:
            raise longer_meeting_conflict(old_duration, new_duration) from None
        raise


def _apply_change(rows: list[Meeting], hosts: list[User], all_settings: list[CalendarSettings], *, by: str,
                  now: datetime, new_start: datetime, new_duration: int, new_subject: str,
                  time_changed: bool, acting: int | None = None) -> MeetingView:
    if time_changed:
        checked = []
        for host, settings in zip(hosts, all_settings, strict=True):
            if by == "agent" and new_duration not in settings.durations:
                # an agent may give an existing meeting any length from 15 to 360 minutes
                check_duration_only(new_duration)
                settings = replace(settings, durations=(*settings.durations, new_duration))
            try:
                check_time({"id": host.id, "time_zone": host.time_zone}, settings, new_start, new_duration, now)
            except SlotUnavailable as exc:
                if exc.code == "outside_hours" and by == "agent":  # said to the host who asked, of whose hours
                    raise SlotUnavailable(exc.code, msg("This time is outside your working hours.") if host.id == acting
                                          else msg("This time is outside {name}'s working hours.", name=host.name)
                                          ) from None
                raise
            checked.append(settings)
        all_settings = checked
    with refusing_overlap(), transaction() as s:
        for agent_id in sorted(h.id for h in hosts):
            q.lock_agent(s, agent_id)
        views = []
        for meeting, host, settings in zip(rows, hosts, all_settings, strict=True):
            row = must_get(s, Meeting, meeting.id)
            _changeable(row, now)
            old, old_subject = (row.starts_at, row.ends_at), row.subject
            if time_changed:
                check_meetings(s, row.agent_id, settings, new_start, new_duration, exclude_id=row.id, now=now)
                row.starts_at = new_start.astimezone(UTC)
                row.ends_at = (new_start + timedelta(minutes=new_duration)).astimezone(UTC)
                if by == "guest":
                    row.status = MeetingStatus.PENDING  # a moved meeting waits for the agent's Yes again
            row.subject = new_subject
            views.append(_step(s, row, host, "changed", by=by, now=now, old=old,
                               old_subject=old_subject if new_subject != old_subject else None))
            if time_changed:
                reminders.schedule(s, row, settings.reminders, now)
        view = meeting_views.view(must_get(s, Meeting, rows[0].id), hosts[0], "", now, s) if len(rows) > 1 else views[0]
    for meeting, settings in zip(rows, all_settings, strict=True):
        schedule_calendar_write(meeting.id, settings)
    return view


def _step(s, meeting: Meeting, agent: User, kind: str, *, by: str, now: datetime,
          status: MeetingStatus | None = None, **change) -> MeetingView:
    """One step in a meeting's life, in the caller's transaction: the new status (where `can_move`
    allows it), a higher SEQUENCE, the notice in the conversation and the mails."""
    if status is not None and status != meeting.status:
        if not can_move(meeting.status, status):
            raise ValidationError({"meeting": msg("A {status} meeting cannot become {new}.",
                                                  status=meeting.status, new=status)})
        meeting.status = status
    meeting.sequence += 1
    meeting.updated_at = now
    s.add(meeting)
    s.flush()
    notifications.record(s, meeting, agent, kind, by=by, now=now, **change)
    return meeting_views.view(meeting, agent, "", now)  # the guest's own links are where they were sent


MAX_REASON = 500


def checked_reason(reason: str) -> str:
    """Why a meeting is deleted, as the other side will read it: one paragraph of at most MAX_REASON characters."""
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": msg("Keep the reason under {count} characters.", count=MAX_REASON)})
    return reason


def check_duration_only(minutes: int) -> None:
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise ValidationError({"duration": msg("A meeting lasts {low} to {high} minutes.",
                                               low=MIN_DURATION, high=MAX_DURATION)})


def delete_meeting(meeting_id: int, *, by: str, now: datetime, kind: str = "deleted",
                   reason: str = "") -> MeetingView:
    """Delete a meeting (`by` "guest" or "agent"), with every host of a collective team meeting: its time
    is free again at once, both sides hear of it, with the `reason` given (`kind` "declined" for the agent's
    No to a pending meeting: the guest is told)."""
    facts = {"reason": checked_reason(reason)} if reason.strip() else {}
    with transaction() as s:
        meeting = must_get(s, Meeting, meeting_id)
        if meeting.status not in LIVE:
            raise ValidationError({"meeting": msg("This meeting was already deleted.")})
        if meeting.starts_at <= now:
            raise ValidationError({"meeting": msg("This meeting has already started and cannot be deleted.")})
        views, written = [], []
        for row in q.group(s, meeting):
            if row.status not in LIVE:
                continue
            row.cancelled_by, row.cancel_reason = by, facts.get("reason", "")
            views.append(_step(s, row, must_get(s, User, row.agent_id), kind, by=by, now=now,
                               status=MeetingStatus.CANCELLED, **facts))
            reminders.cancel(s, row.id)
            written.append((row.id, row.agent_id))
    for row_id, agent_id in written:
        settings = published_settings(agent_id)
        if settings is not None:
            schedule_calendar_write(row_id, settings)
    return views[0]


def confirm_meeting(meeting_id: int, *, now: datetime, answer: bool = True) -> MeetingView:
    """The agent's Yes (or No): "Pending" becomes "Confirmed"; No deletes it and tells the guest. A
    collective team meeting is confirmed for the guest once every host said yes (each host's Yes is a
    notice in their conversation)."""
    if not answer:
        with transaction(read_only=True) as s:
            pending = must_get(s, Meeting, meeting_id).status == MeetingStatus.PENDING
        if not pending:
            raise ValidationError({"meeting": msg("Only a pending meeting can be declined.")})
        return delete_meeting(meeting_id, by="agent", now=now, kind="declined")
    with transaction() as s:
        meeting = must_get(s, Meeting, meeting_id)
        _changeable(meeting, now)
        if meeting.status == MeetingStatus.CONFIRMED:
            raise ValidationError({"meeting": msg("This meeting is already confirmed.")})
        agent = must_get(s, User, meeting.agent_id)
        rows = q.group(s, meeting)
        if len(rows) == 1:
            view = _step(s, meeting, agent, "confirmed", by="agent", now=now, status=MeetingStatus.CONFIRMED)
        else:
            counts = {"confirmed_count": str(1 + sum(r.status == MeetingStatus.CONFIRMED for r in rows
                                                     if r.id != meeting.id)), "hosts_count": str(len(rows))}
            view = _step(s, meeting, agent, "confirmed", by="agent", now=now, status=MeetingStatus.CONFIRMED,
                         recipients=(), **counts)
            for row in rows:  # every other host's conversation shows this answer too (the guest reads it once)
                if row.id != meeting.id:
                    notifications.record_for_agent(s, row, agent, "confirmed", now=now, **counts)
            if all(r.status == MeetingStatus.CONFIRMED for r in rows):  # the last Yes: the guest hears of it
                notifications.record(s, rows[0], must_get(s, User, rows[0].agent_id), "confirmed", by="agent",
                                     now=now, recipients=("guest",), all_hosts="yes")
    settings = published_settings(agent.id)
    if settings is not None:
        schedule_calendar_write(meeting_id, settings)
    return view


def deleted_in_calendar(meeting_id: int) -> None:
    """The agent deleted the meeting's event in their calendar: as their No (pending) or their delete."""
    now = datetime.now(UTC)
    with transaction(read_only=True) as s:
        status = must_get(s, Meeting, meeting_id).status
    try:
        if status == MeetingStatus.PENDING:
            confirm_meeting(meeting_id, now=now, answer=False)
        elif status == MeetingStatus.CONFIRMED:
            delete_meeting(meeting_id, by="agent", now=now)
    except KiteError as exc:  # it has begun meanwhile: it stays as it is
        log.info("meeting %s: its event was deleted in the calendar, left as is (%s)", meeting_id, exc.message)
