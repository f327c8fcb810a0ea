"""Webhooks, as rules: which event a meeting notice is, which endpoint addresses are allowed, when a failed
delivery is tried again. Deliveries follow Standard Webhooks v1 (https://www.standardwebhooks.com)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from kite_app.domain.text import msg

EVENTS = ("meeting.booked", "meeting.confirmed", "meeting.declined", "meeting.rescheduled", "meeting.changed",
          "meeting.cancelled", "meeting.reassigned", "meeting.reminder_sent")
PING = "ping"
# The default waits between tries: about three days in all (KITE_WEBHOOK_RETRY_SECONDS).
RETRY_SECONDS = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
RETRY_STATUSES = (429, 502, 503, 504)  # their Retry-After is honoured
GONE = 410  # the receiver says the endpoint is gone: it is disabled
MAX_URL = 500
OVERLAP = timedelta(hours=24)  # after "Rotate secret", deliveries are signed with both secrets this long


def event_of(kind: str, notice: dict, *, first_host: bool) -> str | None:
    """The webhook event of a meeting notice (kite_app/domain/notices.py), or None for a notice that is not
    one: a collective team meeting's notices other than its first host's, one host's Yes before every host
    said it, the old host's side of a reassignment."""
    if not first_host:
        return None
    if kind == "changed":
        return "meeting.rescheduled" if notice.get("old_start", notice["start"]) != notice["start"] \
            else "meeting.changed"
    if kind == "confirmed" and "hosts_count" in notice:
        return None
    if kind == "reassigned" and "to_host" in notice:
        return None
    return {"booked": "meeting.booked", "confirmed": "meeting.confirmed", "declined": "meeting.declined",
            "deleted": "meeting.cancelled", "reminder": "meeting.reminder_sent",
            "reassigned": "meeting.reassigned"}.get(kind)


def retry_waits(text: str) -> tuple[int, ...]:
    """KITE_WEBHOOK_RETRY_SECONDS ("5,300,1800"): the waits after each failed try; ValueError if malformed."""
    waits = tuple(int(part) for part in text.split(",") if part.strip())
    if not waits or any(w < 0 for w in waits):
        raise ValueError("KITE_WEBHOOK_RETRY_SECONDS needs whole seconds, comma-separated")
    return waits


def next_wait(attempt: int, waits: tuple[int, ...], jitter: float, retry_after: int | None = None
              ) -> timedelta | None:
    """How long to wait after the `attempt`-th failed try (1-based), or None when that was the last. `jitter`
    (0..1) spreads retries by up to a tenth of the wait; a receiver's Retry-After is honoured when longer."""
    if attempt > len(waits):
        return None
    seconds = waits[attempt - 1] * (1 + jitter / 10)
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=seconds)


def retry_after_seconds(value: str | None) -> int | None:
    """A Retry-After header's delay in seconds (only the number form; capped at a day)."""
    if value and value.strip().isdigit():
        return min(int(value.strip()), 86400)
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


def check_url(url: str, *, allow_http: bool) -> Target:
    """The endpoint's address, checked: https (http only when allowed), a host, no credentials. ValueError
    with a message a person can act on."""
    url = url.strip()
    if not url:
        raise ValueError(msg("Enter the endpoint's address, like https://example.com/kite-webhooks."))
    if len(url) > MAX_URL:
        raise ValueError(msg("Use at most {count} characters.", count=MAX_URL))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(msg("This is not a valid address.")) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(msg("Enter the endpoint's address, like https://example.com/kite-webhooks."))
    if parts.scheme == "http" and not allow_http:
        raise ValueError(msg("Use an https address: webhooks carry guests' details."))
    if parts.username or parts.password:
        raise ValueError(msg("Leave user names and passwords out of the address."))
    if parts.fragment:
        raise ValueError(msg("Leave the #fragment out of the address."))
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80))


def forbidden_address(address: str) -> bool:
    """Loopback, private, link-local (cloud metadata at 169.254.169.254), multicast, reserved or unspecified:
    not a place a webhook may go unless the admin allows private addresses."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)
