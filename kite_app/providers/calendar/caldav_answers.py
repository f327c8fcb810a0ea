"""The agents' answers in their CalDAV calendars: which meeting events changed since the last read, and the
agent's PARTSTAT in each. With sync-collection (RFC 6578, "sync:" tokens) where the server offers it, else a full
read whenever the calendar's ctag changed ("ctag:" tokens)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from kite_app.providers.calendar import caldav_events
from kite_app.providers.calendar.base import EventChange, SyncTokenExpired
from kite_app.providers.calendar.caldav_events import UnreadableObject
from kite_app.providers.calendar.caldav_http import NS, CalDAVError, Connection, calendar_query, found_props, responses

ANSWERS_AHEAD = timedelta(days=400)  # a full read of answers covers meetings this far ahead
KITE_UID_END = "@kite"  # meeting UIDs end so: their objects' names tell them from the agent's own events
Call = Callable[[Callable[[Connection], Any]], Any]  # a request with the account's connection


def changes(call: Call, url: str, sync_token: str | None, *, since: datetime, addresses: frozenset[str]
            ) -> tuple[list[EventChange], str]:
    """Meeting events of the calendar at `url` changed since `sync_token` (all from `since` when None), and the
    next token. SyncTokenExpired when the server no longer knows the token."""
    if sync_token and sync_token.startswith("sync:"):
        return _sync_collection(call, url, sync_token[5:], addresses)
    tags = call(lambda c: c.propfind(url, "<d:sync-token/><cs:getctag/>"))
    first = tags.find("d:response", NS)
    props = found_props(first) if first is not None else None
    server_token = (props.findtext("d:sync-token", namespaces=NS) or "").strip() if props is not None else ""
    ctag = (props.findtext("cs:getctag", namespaces=NS) or "").strip() if props is not None else ""
    if sync_token and ctag and sync_token == f"ctag:{ctag}":
        return [], sync_token
    _status, tree = call(lambda c: c.report(url, calendar_query(since, since + ANSWERS_AHEAD)))
    found = [change for data in _data_of(tree, url) for change in _answer_in(data, addresses)]
    return found, f"sync:{server_token}" if server_token else f"ctag:{ctag}" if ctag else ""


def _sync_collection(call: Call, url: str, token: str, addresses: frozenset[str]) -> tuple[list[EventChange], str]:
    body = ('<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav">'
            f'<d:sync-token>{escape(token)}</d:sync-token><d:sync-level>1</d:sync-level>'
            '<d:prop><d:getetag/><c:calendar-data/></d:prop></d:sync-collection>')
    status, tree = call(lambda c: c.report(url, body))
    if tree is None:
        if status in (403, 409, 412):  # valid-sync-token failed: read everything again
            raise SyncTokenExpired()
        raise CalDAVError(f"sync-collection answered {status}.", "server", status=status)
    out: list[EventChange] = []
    without_data: list[str] = []
    for href, response in responses(tree, url):
        props = found_props(response)
        data = props.findtext("c:calendar-data", namespaces=NS) if props is not None else None
        if " 404 " in (response.findtext("d:status", namespaces=NS) or "") + " ":
            if uid := _uid_of(href):
                out.append(EventChange(meeting_uid=uid, answer="deleted"))
        elif data:
            out.extend(_answer_in(data, addresses))
        elif _uid_of(href).endswith(KITE_UID_END):  # a server that leaves the data out (Xandikos)
            without_data.append(href)
    for data in _multiget(call, url, without_data):
        out.extend(_answer_in(data, addresses))
    return out, "sync:" + (tree.findtext("d:sync-token", namespaces=NS) or token).strip()


def _multiget(call: Call, url: str, hrefs: list[str]) -> list[str]:
    """The objects at `hrefs`, in one calendar-multiget."""
    if not hrefs:
        return []
    body = ('<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>'
            + "".join(f"<d:href>{escape(urlsplit(h).path)}</d:href>" for h in hrefs) + "</c:calendar-multiget>")
    _status, tree = call(lambda c: c.report(url, body))
    return _data_of(tree, url)


def _data_of(tree, url: str) -> list[str]:
    """The calendar data of each object in a REPORT's answer."""
    found = []
    for _href, response in responses(tree, url) if tree is not None else []:
        props = found_props(response)
        if props is not None and (data := props.findtext("c:calendar-data", namespaces=NS)):
            found.append(data)
    return found


def _answer_in(data: str, addresses: frozenset[str]) -> list[EventChange]:
    """The agent's answer in a Kite meeting's object; nothing for any other object (or one that cannot be read)."""
    try:
        uid = caldav_events.meeting_uid(data)
    except UnreadableObject:
        return []
    return [EventChange(meeting_uid=uid, answer=caldav_events.answer(data, addresses))] if uid else []


def _uid_of(href: str) -> str:
    name = unquote(urlsplit(href).path.rstrip("/").rpartition("/")[2])
    return name[:-4] if name.endswith(".ics") else ""
