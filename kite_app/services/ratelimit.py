"""A sliding-window rate limit per client and action.

With REFLEX_REDIS_URL set (production mode, several workers) the windows live in Redis, so every
worker counts the same requests; otherwise in this process's memory (one worker). While Redis
cannot be reached, requests are let through (and a warning logged) rather than refused.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
from collections import defaultdict, deque
from functools import cache

from kite_app.config import settings
from kite_app.domain.errors import TooManyAttempts
from kite_app.domain.text import msg

log = logging.getLogger(__name__)
_hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
_lock = threading.Lock()

# Atomically: forget hits older than the window, then either refuse (returning the oldest hit's time)
# or record this hit unless only looking (returning -1). KEYS[1] the window; ARGV now, window, limit, a
# unique member, 1 to record.
_REDIS_HIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
end
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('EXPIRE', KEYS[1], math.ceil(ARGV[2]))
end
return '-1'
"""


@cache
def _redis_script():
    import redis

    return redis.Redis.from_url(settings.redis_url).register_script(_REDIS_HIT)


def _oldest_hit_if_full(key: tuple[str, str], *, limit: int, window: float, now: float,
                        record: bool = True) -> float | None:
    if settings.redis_url:
        import redis

        try:
            oldest = float(_redis_script()(keys=[f"kite:ratelimit:{key[0]}:{key[1]}"],
                                           args=[now, window, limit, f"{now}:{uuid.uuid4().hex}", int(record)]))
        except redis.RedisError as exc:  # the limit protects; it never stops a booking on its own
            log.warning("rate limit not checked, Redis is unavailable: %s", exc)
            return None
        return None if oldest < 0 else oldest
    with _lock:
        q = _hits[key]
        while q and q[0] <= now - window:
            q.popleft()
        if len(q) >= limit:
            return q[0]
        if record:
            q.append(now)
        return None


def hit(action: str, client: str, *, limit: int, window: float, now: float, record: bool = True) -> None:
    """Count one request at `now` (seconds since the epoch; only look when not `record`); raise
    TooManyAttempts when `client` made `limit` of them within `window` seconds."""
    oldest = _oldest_hit_if_full((action, client or "unknown"), limit=limit, window=window, now=now, record=record)
    if oldest is not None:
        retry = max(1, math.ceil(oldest + window - now))
        raise TooManyAttempts(msg("Too many requests. Try again in {count} seconds.", count=retry), retry_after=retry)


# The named limits: (requests allowed, window in seconds), read from the settings when applied.
LIMITS = {
    # bookings and changes by one client (booking page, manage page, REST API)
    "booking": lambda: (settings.booking_rate_per_minute, 60),
    # login codes one client may ask for (per address, guest_auth also limits each email)
    "code": lambda: (settings.code_rate_per_10_minutes * 4, 600),
    # times one client holds (each choice of a time on a booking page, or POST .../holds)
    "hold": lambda: (settings.hold_rate_per_minute, 60),
    # unknown meeting links and feed addresses one client tried (guessing secrets)
    "token_miss": lambda: (settings.token_misses_per_10_minutes, 600),
}


def check(name: str, client: str | None, *, now: float, record: bool = True) -> None:
    """Apply the named limit to `client` (its address); None means a call from inside the app (the
    demo, jobs, tests), which no limit applies to. With `record` False, only refuse a client already
    at the limit (for limits that count failures, recorded by `check` once the request failed)."""
    if client is None:
        return
    limit, window = LIMITS[name]()
    hit(name, client, limit=limit, window=window, now=now, record=record)


def looking_up_secret(client: str | None, *, now: float) -> None:
    """Before looking up a secret from a request (a meeting link, a feed address): refuse a client that
    tried too many unknown ones (TooManyAttempts)."""
    check("token_miss", client, now=now, record=False)


def unknown_secret(client: str | None, *, now: float) -> None:
    """The secret `client` sent was unknown: count it towards the limit."""
    check("token_miss", client, now=now)


def reset() -> None:
    with _lock:
        _hits.clear()
