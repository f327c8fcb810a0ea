"""The calendar Protocol that every calendar provider implements (built-in, Google Workspace)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypedDict

from kite_app.domain.intervals import Interval


class CalendarInfo(TypedDict):
    id: str  # provider-qualified: "local:12", "google:primary"
    name: str


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


class CalendarProvider(Protocol):
    def list_calendars(self, agent_id: int) -> list[CalendarInfo]: ...

    def busy(self, agent_id: int, calendar_ids: Sequence[str], start: datetime, end: datetime) -> list[Interval]:
        """Busy time of the given calendars that overlaps [start, end), as POSIX-second intervals."""
        ...

    def create_event(self, agent_id: int, calendar_id: str, event: EventData) -> str:
        """Add the event; returns its id. Creating the same uid twice gives one event."""
        ...

    def update_event(self, agent_id: int, calendar_id: str, event_id: str, event: EventData) -> None: ...

    def delete_event(self, agent_id: int, calendar_id: str, event_id: str) -> None:
        """Remove the event; an event already gone counts as done."""
        ...

    def event_status(self, agent_id: int, calendar_id: str, event_id: str) -> str:
        """"needsAction", "accepted", "declined" or "deleted"."""
        ...
