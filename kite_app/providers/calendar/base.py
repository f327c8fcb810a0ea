"""The calendar Protocol that every calendar provider implements (built-in, Google Workspace, CalDAV)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypedDict

from kite_app.domain.intervals import Interval


class CalendarInfo(TypedDict):
    id: str  # provider-qualified: "local:12", "google:primary"
    name: str
    writable: bool  # meetings can be added to it (Google: accessRole owner or writer)


class CalendarError(Exception):
    """A calendar service refused a request or could not be reached.

    `transient`: trying again later may succeed (the service is down, slow or rate-limiting);
    otherwise it never will as things stand (no write access, a calendar no longer shared)."""

    def __init__(self, message: str, reason: str = "", *, transient: bool = True):
        super().__init__(message)
        self.reason, self.transient = reason, transient


class EventGone(CalendarError):
    """The event was deleted in the calendar itself (by the agent, in Google Calendar)."""

    def __init__(self, message: str = "The event was deleted in the calendar."):
        super().__init__(message, "deleted", transient=False)


class SyncTokenExpired(Exception):
    """The calendar answered 410 to a sync token: the changes must be read again from scratch."""


@dataclass(frozen=True)
class EventChange:
    meeting_uid: str
    answer: str  # the agent's responseStatus, or "deleted"


@dataclass(frozen=True)
class EventData:
    """A meeting as a calendar event. `tentative` until the agent says Yes."""

    uid: str
    title: str
    start: datetime
    end: datetime
    description: str = ""
    guest_email: str = ""
    tentative: bool = True
    location: str = ""  # the meeting's video link, where it has one
    sequence: int = 0  # the meeting's SEQUENCE, as in the invitation mails (a stored iCalendar object carries it)
    # Ask for a Google Meet conference when the event is created (never on a change: one conference a
    # meeting); `conference_request_id` is derived from the meeting, so a retried create asks for the same one.
    conference: bool = False
    conference_request_id: str = ""


@dataclass(frozen=True)
class Conference:
    """The video conference of a calendar event: "pending" (being set up), "ready" (with its link), "failed",
    or "" (none)."""

    status: str = ""
    url: str = ""


def day_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[start, end) widened to whole UTC days: the window (and cache key) a remote calendar is asked for, so that
    page views of one range share an answer."""
    lo = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    hi = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return lo, hi if hi >= end else hi + timedelta(days=1)


class CalendarProvider(Protocol):
    """What the services ask of a calendar. Failures raise CalendarError (or EventGone)."""

    remote: bool  # an outside service: its writes are made in the background, never in a guest's request

    def list_calendars(self, agent_id: int) -> list[CalendarInfo]: ...

    def busy(self, agent_id: int, calendar_ids: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        """Busy time of the given calendars that overlaps [start, end), as POSIX-second intervals."""
        ...

    def prefetch_busy(self, wanted: Sequence[tuple[int, Sequence[str]]], start: datetime, end: datetime) -> None:
        """Get ready to answer `busy` for several agents at once (a team's page): a remote calendar asks
        once for all of them. Never raises: `busy` says what went wrong, agent by agent."""
        ...

    def create_event(self, agent_id: int, calendar_id: str, event: EventData) -> str:
        """Add the event; returns its id. Creating the same uid twice gives one event."""
        ...

    def update_event(self, agent_id: int, calendar_id: str, event_id: str, event: EventData) -> None: ...

    def delete_event(self, agent_id: int, calendar_id: str, event_id: str) -> None:
        """Remove the event; an event already gone counts as done."""
        ...

    def conference(self, agent_id: int, calendar_id: str, event_id: str) -> Conference:
        """The event's video conference as it stands (a calendar without conferences: none)."""
        ...

    def event_status(self, agent_id: int, calendar_id: str, event_id: str) -> str:
        """"needsAction", "accepted", "declined" or "deleted"."""
        ...

    def unreadable(self, agent_id: int, calendar_ids: Sequence[str]) -> list[str]:
        """Which of these calendars the agent can no longer read (e.g. no longer shared with them)."""
        ...

    def changes(self, agent_id: int, calendar_id: str, sync_token: str | None, *, since: datetime
                ) -> tuple[list[EventChange], str]:
        """Meeting events changed since `sync_token` (all from `since` when None), and the next token.
        SyncTokenExpired when the token is too old."""
        ...

    def watch(self, agent_id: int, calendar_id: str, *, channel_id: str, token: str, address: str
              ) -> tuple[str, datetime]:
        """Ask for push notifications of changes; returns (resource id, expiry)."""
        ...

    def stop_watch(self, agent_id: int, channel_id: str, resource_id: str) -> None:
        """End a push channel; one already gone counts as done."""
        ...
