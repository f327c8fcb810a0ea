"""Meetings as the staff API serves them to an API key: an Agent key reaches its agent's meetings, an Admin
key every meeting. Changes go through the same use cases as the pages (notices, mails, calendar writes)."""

from __future__ import annotations

import base64
from datetime import datetime

import orjson

from kite_app.domain.accounts import normalize_email
from kite_app.domain.errors import NotFound, PermissionDenied, ValidationError
from kite_app.domain.meeting import MeetingStatus
from kite_app.domain.text import msg
from kite_app.persistence import accounts as user_rows
from kite_app.persistence import meeting_pages
from kite_app.persistence import meetings as q
from kite_app.persistence import teams as team_rows
from kite_app.persistence.db import must_get, transaction
from kite_app.persistence.models import Meeting, User
from kite_app.services import meeting_changes, teams
from kite_app.services.api_keys import Caller
from kite_app.services.meeting_views import MeetingView, get_view, view

ADMIN_KEY_ONLY = msg("This needs an Admin API key.")
STATUSES = ("pending", "confirmed", "cancelled")
MAX_LIMIT = 100


def require_admin_key(caller: Caller) -> None:
    if not caller.is_admin:
        raise PermissionDenied(ADMIN_KEY_ONLY)


def _cursor(order: str, row: Meeting) -> str:
    moment = row.updated_at if order == "-updated_at" else row.starts_at
    return base64.urlsafe_b64encode(orjson.dumps([order, moment.isoformat(), row.id])).decode().rstrip("=")


def _after(order: str, cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        kind, moment, row_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if kind != order:
            raise ValueError
        return datetime.fromisoformat(moment), int(row_id)
    except (ValueError, TypeError):
        raise ValidationError({"cursor": msg("This cursor is not one this list gave (or was given for another "
                                             "order). Start again without it.")}) from None


def meetings(caller: Caller, *, now: datetime, agent: str = "", team: str = "", status: str = "",
             starts_from: datetime | None = None, starts_before: datetime | None = None, guest_email: str = "",
             updated_since: datetime | None = None, order: str = "starts_at", limit: int = 50,
             cursor: str | None = None) -> tuple[list[MeetingView], str | None]:
    """A page of meetings and the cursor of the next page (None at the end)."""
    if order not in ("starts_at", "-updated_at"):
        raise ValidationError({"order": msg("Choose one of: {choices}.", choices="starts_at, -updated_at")})
    if status and status not in STATUSES:
        raise ValidationError({"status": msg("Choose one of: {choices}.", choices=", ".join(STATUSES))})
    after = _after(order, cursor)
    with transaction(read_only=True) as s:
        agent_id = None
        if agent:
            found = user_rows.user_by_slug(s, agent)
            if found is None:
                raise ValidationError({"agent": msg("There is no agent with this address.")})
            agent_id = found.id
        if not caller.is_admin:
            if agent_id not in (None, caller.actor.user_id):
                raise PermissionDenied(msg("An Agent key reaches its own agent's meetings only."))
            agent_id = caller.actor.user_id
        team_id = None
        if team:
            found_team = team_rows.by_slug(s, team)
            if found_team is None:
                raise ValidationError({"team": msg("There is no team with this address.")})
            team_id = found_team.id
        where = meeting_pages.MeetingFilter(
            agent_id=agent_id, team_id=team_id, status=status or None, starts_from=starts_from,
            starts_before=starts_before, guest_email=normalize_email(guest_email) if guest_email else None,
            updated_since=updated_since)
        rows = meeting_pages.page(s, where, newest_changes=order == "-updated_at", after=after, limit=limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        items = [view(m, must_get(s, User, m.agent_id), "", now, s) for m in rows]
        return items, _cursor(order, rows[-1]) if more else None


def _row(caller: Caller, meeting_id: int) -> Meeting:
    """The meeting (an Admin key: its first host's row; an Agent key: its agent's own row)."""
    with transaction(read_only=True) as s:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None or meeting.host_of is not None:
            raise NotFound(msg("This meeting does not exist."))
        if caller.is_admin:
            return meeting
        own = meeting_pages.hosted_by(s, meeting_id, caller.actor.user_id)
        if own is None:
            raise PermissionDenied(msg("An Agent key reaches its own agent's meetings only."))
        return own


def meeting(caller: Caller, meeting_id: int, *, now: datetime) -> MeetingView:
    return get_view(_row(caller, meeting_id).id, now)


def confirm(caller: Caller, meeting_id: int, *, now: datetime) -> MeetingView:
    """The agent's Yes; an Admin key says it for every host who has not yet."""
    row = _row(caller, meeting_id)
    if caller.is_admin:
        with transaction(read_only=True) as s:
            waiting = [r.id for r in q.group(s, row) if r.status == MeetingStatus.PENDING]
        if not waiting:
            raise ValidationError({"meeting": msg("Only a pending meeting can be confirmed.")})
        for row_id in waiting:
            meeting_changes.confirm_meeting(row_id, now=now)
    else:
        meeting_changes.confirm_meeting(row.id, now=now)
    return get_view(meeting_id, now)


def decline(caller: Caller, meeting_id: int, *, now: datetime) -> MeetingView:
    meeting_changes.confirm_meeting(_row(caller, meeting_id).id, now=now, answer=False)
    return get_view(meeting_id, now)


def reschedule(caller: Caller, meeting_id: int, *, start: datetime | None, duration: int | None,
               now: datetime) -> MeetingView:
    if start is None and duration is None:
        raise ValidationError({"start": msg("Give a new start, duration or subject to change.")})
    meeting_changes.change_meeting(_row(caller, meeting_id).id, by="agent", now=now, start=start, duration=duration)
    return get_view(meeting_id, now)


def cancel(caller: Caller, meeting_id: int, *, reason: str, now: datetime) -> MeetingView:
    meeting_changes.delete_meeting(_row(caller, meeting_id).id, by="agent", now=now, reason=reason)
    return get_view(meeting_id, now)


def reassign(caller: Caller, meeting_id: int, *, agent_slug: str, now: datetime) -> MeetingView:
    """Give a round-robin team meeting to another member; the answer is the meeting as it is now (a new id)."""
    row = _row(caller, meeting_id)
    with transaction(read_only=True) as s:
        to = user_rows.user_by_slug(s, agent_slug)
    if to is None:
        raise ValidationError({"agent_slug": msg("There is no agent with this address.")})
    moved = teams.reassign(caller.actor, row.id, to.id, now=now)
    return moved
