"""A sliding-window rate limit per client and action, kept in this process's memory."""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque

from kite_app.domain.errors import TooManyAttempts

_hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
_lock = threading.Lock()


def hit(action: str, client: str, *, limit: int, window: float, now: float) -> None:
    """Count one request; raise TooManyAttempts when `client` made `limit` of them within `window` seconds."""
    key = (action, client or "unknown")
    with _lock:
        q = _hits[key]
        while q and q[0] <= now - window:
            q.popleft()
        if len(q) >= limit:
            retry = max(1, math.ceil(q[0] + window - now))
            raise TooManyAttempts(f"Too many requests. Try again in {retry} seconds.", retry_after=retry)
        q.append(now)


def reset() -> None:
    with _lock:
        _hits.clear()
