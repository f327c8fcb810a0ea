"""Busy time of remote calendars (Google, Microsoft 365), kept briefly: page views within a minute share one
answer, and while the service is down an answer up to 15 minutes old still serves booking.

Keys are (agent id, calendar ids, window start, window end), windows of whole UTC days (base.day_window)."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from kite_app.domain.intervals import Interval, to_seconds

CACHE_SECONDS = 60
STALE_SECONDS = 15 * 60  # while the service is down, busy time this old still serves booking

Key = tuple[int, tuple[str, ...], datetime, datetime]


def within(busy: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    lo, hi = to_seconds(start), to_seconds(end)
    return [(b0, b1) for b0, b1 in busy if b0 < hi and b1 > lo]


class BusyCache:
    def __init__(self) -> None:
        self._entries: dict[Key, tuple[float, list[Interval], bool]] = {}  # key -> (fetched, busy, fresh)
        self._lock = threading.Lock()

    def fresh(self, key: Key) -> list[Interval] | None:
        """The busy time of an answer younger than a minute that no change of the agent's meetings made stale."""
        with self._lock:
            hit = self._entries.get(key)
        return hit[1] if hit and hit[2] and hit[0] + CACHE_SECONDS > time.monotonic() else None

    def put(self, key: Key, busy: list[Interval]) -> None:
        now = time.monotonic()
        with self._lock:
            self._entries[key] = (now, busy, True)
            for k in [k for k, v in self._entries.items() if v[0] + STALE_SECONDS < now]:
                del self._entries[k]

    def recent(self, agent_id: int, ids: tuple[str, ...], start: datetime, end: datetime) -> list[Interval] | None:
        """Busy time of a recent answer whose window covers [start, end), if any (the service is down)."""
        now = time.monotonic()
        with self._lock:
            for (a, i, s, e), (fetched, busy, _fresh) in self._entries.items():
                if a == agent_id and i == ids and s <= start and e >= end and fetched + STALE_SECONDS > now:
                    return within(busy, start, end)
        return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def invalidate(self, agent_id: int) -> None:
        """Make the agent's answers stale (one of their meetings changed): the next view asks the service
        again, and only if it is down is the old answer used."""
        with self._lock:
            for key, (fetched, busy, _fresh) in list(self._entries.items()):
                if key[0] == agent_id:
                    self._entries[key] = (fetched, busy, False)
