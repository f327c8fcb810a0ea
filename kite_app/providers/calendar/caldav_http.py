"""Talking to a CalDAV server: one account's connection (the `caldav` library's client: authentication, TLS,
redirects), the WebDAV requests Kite makes (PROPFIND, REPORT, GET, PUT, DELETE) with their answers read as XML,
and finding an account's calendars from the address a person types (RFC 6764 well-known address, principal,
calendar-home-set; a principal's or a calendar's own address works too).

Every failure becomes a CalendarError with a reason the services act on: "unauthorized" (the server refused the
username or password), "notFound" (a calendar or event that is not there), "notCalDAV", "tls", "unreachable",
"timeout", "server" (a 5xx). Passwords are never logged.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urljoin, urlsplit

import niquests
from caldav.davclient import DAVClient
from caldav.lib import error as dav_error
from lxml import etree

from kite_app.providers.calendar.base import CalendarError

log = logging.getLogger(__name__)

DAV, CAL, CS = "DAV:", "urn:ietf:params:xml:ns:caldav", "http://calendarserver.org/ns/"
NS = {"d": DAV, "c": CAL, "cs": CS}
WRITE_PRIVILEGES = ("write", "write-content", "bind", "all")
MAX_REDIRECTS = 5
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class CalDAVError(CalendarError):
    def __init__(self, message: str, reason: str, *, transient: bool = True, status: int = 0):
        super().__init__(message, reason, transient=transient)
        self.status = status


@dataclass(frozen=True)
class Credentials:
    url: str
    username: str
    password: str = field(repr=False)
    auth_type: str = ""  # "basic" or "digest" once known; "" lets the client ask the server


@dataclass(frozen=True)
class FoundCalendar:
    url: str
    name: str
    writable: bool  # events can be added: write privilege and VEVENT among its components
    color: str = ""


@dataclass(frozen=True)
class Discovered:
    principal_url: str
    home_url: str
    addresses: tuple[str, ...]  # the principal's calendar-user-address-set (mailto: and others)
    auth_type: str
    calendars: tuple[FoundCalendar, ...]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str = ""  # where the answer came from, after redirects


def xml(body: bytes) -> etree._Element:
    try:
        return etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CalDAVError("The server's answer is not WebDAV XML.", "notCalDAV", transient=False) from exc


class Connection:
    """Requests of one account, one at a time (the client's session is not shared between threads)."""

    def __init__(self, credentials: Credentials, *, timeout: float = 10):
        self.credentials = credentials
        self._client = DAVClient(url=credentials.url, username=credentials.username, password=credentials.password,
                                 auth_type=credentials.auth_type or None, timeout=int(timeout), enable_rfc6764=False)
        self._lock = threading.Lock()

    @property
    def auth_type(self) -> str:
        auth = type(self._client.auth).__name__.lower() if self._client.auth is not None else ""
        return "digest" if "digest" in auth else "basic" if "basic" in auth else self.credentials.auth_type

    def request(self, url: str, method: str, body: str = "", headers: dict[str, str] | None = None) -> Answer:
        """The server's answer (after redirects, which keep the method: a 302 to a PROPFIND stays a PROPFIND);
        CalDAVError for what is not an answer (refused login, no connection, TLS, timeout, 5xx)."""
        try:
            with self._lock:
                for _ in range(MAX_REDIRECTS + 1):
                    r = self._send(method, url, body, headers)
                    if r.status_code == 401 and self._client.auth is None and "WWW-Authenticate" in r.headers:
                        self._client._build_auth_from_401(r.headers["WWW-Authenticate"])
                        r = self._send(method, url, body, headers)
                    location = r.headers.get("Location")
                    if r.status_code not in (301, 302, 303, 307, 308) or not location:
                        break
                    target = urljoin(url, location)
                    if urlsplit(url).scheme == "https" and urlsplit(target).scheme != "https":
                        raise CalDAVError("The server redirects from https to http.", "tls", transient=False)
                    url = target
        except niquests.exceptions.SSLError as exc:
            raise CalDAVError(f"TLS: {exc}", "tls", transient=False) from exc
        except niquests.exceptions.Timeout as exc:
            raise CalDAVError("The server did not answer in time.", "timeout") from exc
        except (niquests.exceptions.ConnectionError, niquests.exceptions.InvalidURL, OSError) as exc:
            raise CalDAVError(f"The server cannot be reached: {type(exc).__name__}", "unreachable") from exc
        except (dav_error.DAVError, niquests.exceptions.RequestException, NotImplementedError) as exc:
            raise CalDAVError(f"{type(exc).__name__}", "unreachable") from exc
        status = r.status_code or 0
        if status == 401:
            raise CalDAVError("The server refused the username or password.", "unauthorized", status=status)
        if status >= 500:
            raise CalDAVError(f"The server answered {status}.", "server", status=status)
        return Answer(status, {k.lower(): v for k, v in r.headers.items()}, r.content or b"", url)

    def _send(self, method: str, url: str, body: str, headers: dict[str, str] | None):
        return self._client.session.request(method, url, data=body.encode() if body else None,
                                            headers={**_headers(body), **(headers or {})}, auth=self._auth(),
                                            timeout=self._client.timeout, allow_redirects=False)

    def _auth(self):
        if self._client.auth is None and self._client.auth_type and self._client.username:
            self._client.build_auth_object([self._client.auth_type])
        return self._client.auth

    def propfind(self, url: str, props: str, depth: int = 0) -> etree._Element:
        return self.propfind_at(url, props, depth)[0]

    def propfind_at(self, url: str, props: str, depth: int = 0) -> tuple[etree._Element, str]:
        """The multistatus, and the address it came from after redirects (what its hrefs are relative to)."""
        body = f'<?xml version="1.0" encoding="utf-8"?><d:propfind {_XMLNS}><d:prop>{props}</d:prop></d:propfind>'
        answer = self.request(url, "PROPFIND", body, {"Depth": str(depth)})
        if answer.status == 404:
            raise CalDAVError("Nothing is at this address on the server.", "notFound", transient=False, status=404)
        if answer.status != 207:
            raise CalDAVError(f"PROPFIND answered {answer.status}.", "notCalDAV", transient=False,
                              status=answer.status)
        tree = xml(answer.body)
        first = tree.find("d:response", NS)
        if depth == 0 and first is not None and " 404 " in (first.findtext("d:status", namespaces=NS) or "") + " ":
            # Xandikos says a missing collection inside a 207
            raise CalDAVError("Nothing is at this address on the server.", "notFound", transient=False, status=404)
        return tree, answer.url or url

    def report(self, url: str, body: str, depth: int = 1) -> tuple[int, etree._Element | None]:
        answer = self.request(url, "REPORT", body, {"Depth": str(depth)})
        if answer.status == 404:
            raise CalDAVError("The calendar is not on the server any more.", "notFound", transient=False, status=404)
        return answer.status, (xml(answer.body) if answer.status == 207 else None)

    def close(self) -> None:
        self._client.close()


_XMLNS = f'xmlns:d="{DAV}" xmlns:c="{CAL}" xmlns:cs="{CS}"'


def _headers(body: str) -> dict[str, str]:
    if not body:
        return {}
    kind = "text/calendar; charset=utf-8" if body.startswith("BEGIN:VCALENDAR") else "application/xml; charset=utf-8"
    return {"Content-Type": kind}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_query(start: datetime, end: datetime) -> str:
    """A calendar-query REPORT for the events (with their data and ETags) that touch [start, end)."""
    return ('<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav">'
            '<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR">'
            f'<c:comp-filter name="VEVENT"><c:time-range start="{_stamp(start)}" end="{_stamp(end)}"/>'
            '</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>')


def responses(tree: etree._Element, base: str) -> list[tuple[str, etree._Element]]:
    """Each `d:response` of a multistatus as (absolute href, the element)."""
    return [(urljoin(base, (r.findtext("d:href", namespaces=NS) or "").strip()), r)
            for r in tree.findall("d:response", NS)]


def found_props(response: etree._Element) -> etree._Element | None:
    """The `d:prop` of the response's 200 propstat, if any."""
    for propstat in response.findall("d:propstat", NS):
        if " 200 " in (propstat.findtext("d:status", namespaces=NS) or "") + " ":
            return propstat.find("d:prop", NS)
    return None


def same_url(a: str, b: str) -> bool:
    return unquote(urlsplit(a).path).rstrip("/") == unquote(urlsplit(b).path).rstrip("/") \
        and urlsplit(a).netloc == urlsplit(b).netloc


# --- discovery --------------------------------------------------------------------------------------------------

def start_url(typed: str) -> str:
    """What a person typed as a server address, as a URL: https:// unless they said http://."""
    typed = typed.strip()
    return typed if "://" in typed else "https://" + typed


def discover(credentials: Credentials, *, timeout: float = 10) -> Discovered:
    """The account's principal, calendar home, addresses and calendars, from its address. CalDAVError says
    what went wrong (refused login, not a CalDAV server, not reachable, TLS, timeout)."""
    conn = Connection(credentials, timeout=timeout)
    try:
        url = credentials.url
        principal = _principal(conn, url)
        if principal is None:  # a root address: RFC 6764's well-known address leads to the service
            url = urljoin(url, "/.well-known/caldav")
            principal = _principal(conn, url)
        if principal is None:
            only = _as_calendar(conn, credentials.url)
            if only is None:
                raise CalDAVError("No CalDAV service at this address.", "notCalDAV", transient=False)
            return Discovered(principal_url="", home_url="", addresses=(), auth_type=conn.auth_type, calendars=(only,))
        tree, where = conn.propfind_at(principal, "<c:calendar-home-set/><c:calendar-user-address-set/>")
        first = tree.find("d:response", NS)
        props = found_props(first) if first is not None else None
        home_href = props.findtext("c:calendar-home-set/d:href", namespaces=NS) if props is not None else None
        if not home_href:
            raise CalDAVError("The server names no calendar home for this user.", "notCalDAV", transient=False)
        home = urljoin(where, home_href.strip())
        addresses = tuple((h.text or "").strip() for h in props.findall("c:calendar-user-address-set/d:href", NS)
                          if (h.text or "").strip()) if props is not None else ()
        return Discovered(principal_url=principal, home_url=home, addresses=addresses, auth_type=conn.auth_type,
                          calendars=tuple(list_calendars(conn, home)))
    finally:
        conn.close()


def _principal(conn: Connection, url: str) -> str | None:
    try:
        tree, where = conn.propfind_at(url, "<d:current-user-principal/><d:resourcetype/>")
    except CalDAVError as exc:
        if exc.reason in ("notFound", "notCalDAV"):
            return None
        raise
    for _href, response in responses(tree, where):
        props = found_props(response)
        href = props.findtext("d:current-user-principal/d:href", namespaces=NS) if props is not None else None
        if href:
            return urljoin(where, href.strip())
    return None


def _as_calendar(conn: Connection, url: str) -> FoundCalendar | None:
    """The calendar at `url` itself, for a server that names no principal."""
    try:
        found = list_calendars(conn, url, depth=0)
    except CalDAVError as exc:
        if exc.reason in ("notFound", "notCalDAV"):
            return None
        raise
    return found[0] if found else None


CALENDAR_PROPS = ("<d:displayname/><d:resourcetype/><c:supported-calendar-component-set/>"
                  "<d:current-user-privilege-set/><x:calendar-color xmlns:x=\"http://apple.com/ns/ical/\"/>")


def list_calendars(conn: Connection, home: str, depth: int = 1) -> list[FoundCalendar]:
    """The event calendars under `home` (or `home` itself with depth 0), by display name."""
    tree, where = conn.propfind_at(home, CALENDAR_PROPS, depth=depth)
    out: list[FoundCalendar] = []
    for href, response in responses(tree, where):
        props = found_props(response)
        if props is None or props.find("d:resourcetype/c:calendar", NS) is None:
            continue
        components = {c.get("name", "").upper() for c in props.findall("c:supported-calendar-component-set/c:comp",
                                                                         NS)}
        if components and "VEVENT" not in components:
            continue  # a task list: no events to block or hold meetings
        privileges = {etree.QName(p).localname for p in props.findall("d:current-user-privilege-set/d:privilege/*",
                                                                       NS)}
        writable = not privileges or any(p in privileges for p in WRITE_PRIVILEGES)
        name = (props.findtext("d:displayname", namespaces=NS) or "").strip()
        out.append(FoundCalendar(url=href, name=name or unquote(urlsplit(href).path.rstrip("/").rpartition("/")[2]),
                                 writable=writable,
                                 color=(props.findtext("{http://apple.com/ns/ical/}calendar-color") or "").strip()))
    return out
