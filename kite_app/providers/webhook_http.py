"""Sending one webhook request: to the address the endpoint's name resolves to now, checked at send time (a
name that once resolved to a public address may point inside later), never following redirects, reading at
most the first KB of the answer, within 15 seconds."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3

from kite_app.domain.webhooks import Target, check_url, forbidden_address

TIMEOUT = 15.0
READ_LIMIT = 1024


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer came (refused, timed out, address not allowed)
    milliseconds: int
    body: str  # the first KB of the answer, or what went wrong
    retry_after: str | None = None


class AddressNotAllowed(Exception):
    """The endpoint's name resolves to a loopback, private or link-local address (and those are not allowed)."""


def resolve(target: Target, *, allow_private: bool) -> str:
    """The address to connect to for `target`, checked now: OSError when the name cannot be resolved,
    AddressNotAllowed when any of its addresses is private or local (unless `allow_private`)."""
    addresses = [str(info[4][0]) for info in socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)]
    if not allow_private and any(forbidden_address(a) for a in addresses):
        raise AddressNotAllowed(addresses[0])
    return addresses[0]


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool) -> Answer:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = check_url(url, allow_http=True)
        address = resolve(target, allow_private=allow_private)
    except AddressNotAllowed as exc:
        return Answer(None, elapsed(), f"refused: {target.host} resolves to a private or local address ({exc})")
    except (ValueError, OSError) as exc:
        return Answer(None, elapsed(), f"address not found: {exc}"[:READ_LIMIT])
    parts = urlsplit(url.strip())
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    options: dict = {"timeout": urllib3.Timeout(total=TIMEOUT), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address, target.port, server_hostname=target.host, assert_hostname=target.host, **options)
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, **options)
    try:
        with pool:
            response = pool.urlopen("POST", path, body=body, headers={**headers, "Host": host_header},
                                    redirect=False, preload_content=False, retries=False)
            try:
                text = response.read(READ_LIMIT, decode_content=False).decode("utf-8", "replace")
            finally:
                response.release_conn()
            return Answer(response.status, elapsed(), text, response.headers.get("Retry-After"))
    except urllib3.exceptions.HTTPError as exc:
        return Answer(None, elapsed(), f"{type(exc).__name__}: {exc}"[:READ_LIMIT])
    except OSError as exc:
        return Answer(None, elapsed(), f"{type(exc).__name__}: {exc}"[:READ_LIMIT])
