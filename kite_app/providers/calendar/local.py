"""The built-in calendar: calendars and busy blocks kept in the app's own database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from kite_app.domain.intervals import to_seconds
from kite_app.persistence import calendars as q
from kite_app.persistence.db import transaction
from kite_app.persistence.models import BusyBlock
from kite_app.providers.calendar.base import (
    CalendarError,
    CalendarInfo,
    Conference,
    EventChange,
    EventData,
    EventGone,
)

PREFIX = "local:"


def _status(event: EventData) -> str:
    return "tentative" if event.tentative else "confirmed"


def _not_theirs(agent_id: int, calendar_id: str) -> CalendarError:
    return CalendarError(f"calendar {calendar_id} does not belong to agent {agent_id}", "notFound", transient=False)


def local_id(calendar_id: str) -> int | None:
    """"local:12" -> 12; None for anything else."""
    if not calendar_id.startswith(PREFIX):
        return None
    rest = calendar_id[len(PREFIX):]
    return int(rest) if rest.isdigit() else None


class LocalCalendarProvider:
    remote = False  # the app's own database: written in the same request

    def list_calendars(self, agent_id: int) -> list[CalendarInfo]:
        with transaction(read_only=True) as s:
            return [CalendarInfo(id=f"{PREFIX}{c.id}", name=c.name, writable=True) for c in q.calendars_of(s, agent_id)]

    def unreadable(self, agent_id: int, calendar_ids: Sequence[str]) -> list[str]:
        return []  # a removed calendar simply blocks nothing any more

    def changes(self, agent_id: int, calendar_id: str, sync_token: str | None, *, since: datetime
                ) -> tuple[list[EventChange], str]:
        return [], ""  # the agent answers in Kite itself

    def watch(self, agent_id: int, calendar_id: str, *, channel_id: str, token: str, address: str
              ) -> tuple[str, datetime]:
        raise CalendarError("The built-in calendar has no push notifications.", transient=False)

    def stop_watch(self, agent_id: int, channel_id: str, resource_id: str) -> None:
        return None

    def prefetch_busy(self, wanted: Sequence[tuple[int, Sequence[str]]], start: datetime, end: datetime) -> None:
        return None  # the database answers each agent as fast

    def busy(self, agent_id: int, calendar_ids: Sequence[str], start: datetime, end: datetime):
        ids = [i for i in (local_id(c) for c in calendar_ids) if i is not None]
        if not ids:
            return []
        with transaction(read_only=True) as s:
            return [(to_seconds(a), to_seconds(b)) for a, b in q.busy_rows(s, agent_id, ids, start, end)]

    def _block(self, s, agent_id: int, calendar_id: str, event_id: str) -> BusyBlock | None:
        cal = q.calendar_of(s, agent_id, local_id(calendar_id) or -1)
        if cal is None or not event_id.isdigit():
            return None
        block = s.get(BusyBlock, int(event_id))
        return block if block is not None and block.calendar_id == cal.id else None

    def conference(self, agent_id: int, calendar_id: str, event_id: str) -> Conference:
        return Conference()  # the built-in calendar has no conferences: meetings use a template or own link

    def create_event(self, agent_id: int, calendar_id: str, event: EventData, session: Session | None = None) -> str:
        """Create the event, or bring the one with its UID up to date (a retried or concurrent write). With
        `session`, in the caller's transaction, for an event whose UID was just made (a new booking's: the
        meeting and its event commit together, and no other writer can know the UID yet)."""
        if session is not None:
            return self._create_fresh(session, agent_id, calendar_id, event)
        with transaction() as s:
            return self._create(s, agent_id, calendar_id, event)

    def _create(self, s: Session, agent_id: int, calendar_id: str, event: EventData) -> str:
        # writers of one UID take turns on the calendar's row
        cal = q.calendar_of(s, agent_id, local_id(calendar_id) or -1, lock=True)
        if cal is None:
            raise _not_theirs(agent_id, calendar_id)
        block = s.exec(select(BusyBlock).where(BusyBlock.calendar_id == cal.id, BusyBlock.uid == event.uid)).first()
        block = block or BusyBlock(calendar_id=cal.id or 0, uid=event.uid, starts_at=event.start, ends_at=event.end)
        block.title, block.starts_at, block.ends_at = event.title[:200], event.start, event.end
        block.status = _status(event)
        s.add(block)
        s.flush()
        return str(block.id)

    def _create_fresh(self, s: Session, agent_id: int, calendar_id: str, event: EventData) -> str:
        # a fresh UID has no other writer and no block yet: one statement, which checks the calendar is theirs
        block_id = q.new_block(s, agent_id, local_id(calendar_id) or -1, title=event.title[:200], start=event.start,
                               end=event.end, uid=event.uid, status=_status(event))
        if block_id is None:
            raise _not_theirs(agent_id, calendar_id)
        return str(block_id)

    def update_event(self, agent_id: int, calendar_id: str, event_id: str, event: EventData) -> None:
        with transaction() as s:
            block = self._block(s, agent_id, calendar_id, event_id)
            if block is None:
                raise EventGone(f"event {event_id} not found in {calendar_id}")
            block.title, block.starts_at, block.ends_at = event.title[:200], event.start, event.end
            block.status = "tentative" if event.tentative else "confirmed"
            s.add(block)

    def delete_event(self, agent_id: int, calendar_id: str, event_id: str) -> None:
        with transaction() as s:
            block = self._block(s, agent_id, calendar_id, event_id)
            if block is not None:
                s.delete(block)

    def event_status(self, agent_id: int, calendar_id: str, event_id: str) -> str:
        with transaction(read_only=True) as s:
            block = self._block(s, agent_id, calendar_id, event_id)
            if block is None:
                return "deleted"
            return "needsAction" if block.status == "tentative" else "accepted"
