"""A local fake of Microsoft's identity platform (tenant discovery, client-credentials tokens) and the subset of
Microsoft Graph that Kite uses, served over TLS (msal refuses http://), for the real `msal` and `requests`.

It behaves as Microsoft documents, failures included, so it cannot drift into agreeing with a wrong client:
- tokens: an unknown tenant fails tenant discovery (AADSTS90002), an unknown client AADSTS700016, a wrong secret
  AADSTS7000215, an expired one AADSTS7000222; the app's roles are those the admin consented to when the token was
  issued; tokens expire (`token_seconds`) and Graph then answers 401 InvalidAuthenticationToken;
- Graph: 403 ErrorAccessDenied without the permission a request needs, or for a mailbox outside an application
  access policy; 404 for unknown users and mailboxes; calendarView needs its window, expands weekly series and
  pages (`page_size`, @odata.nextLink); `$batch` of at most 20;
- Exchange's invitations: an event created in the scheduling mailbox puts a copy in each attendee's default
  calendar (tentative, response none); the attendee answers on their copy (/accept, /decline), which the
  organiser's event tracks; an organiser cannot answer their own meeting; a new time resets the answers;
  deleting the organiser's event cancels the copies; a repeated transactionId makes no second event;
- throttling (429 with Retry-After), injected failures, a lost answer after a done create;
- change notifications: a subscription's notificationUrl must be https and answer the validation request (echo of
  validationToken as text/plain within 10 s); events expire after at most 10,080 minutes; changes are POSTed with
  the clientState; lifecycle events can be sent.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

import requests

from tests.conftest import free_port
from tests.servers.tls import trusted_context

ROLES = frozenset({"Calendars.ReadWrite", "User.Read.All", "MailboxSettings.Read"})
MAX_EVENT_SUBSCRIPTION = timedelta(minutes=10080)


class GraphFault(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def _at(value: dict) -> datetime:
    text = value["dateTime"].rstrip("Z").split(".")[0]
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _iso(moment: datetime) -> dict:
    return {"dateTime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}


class FakeMicrosoft:
    def __init__(self, tenant: str = "4f2d1c9e-7b3a-4e55-9a61-0c8d2b7e6f10", domain: str = "contoso.com"):
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.context, self.ca_file = trusted_context()
        self.tenant, self.domain = tenant, domain
        self.apps: dict[str, dict] = {}  # client id -> {"secret", "expired", "roles" (consented)}
        self.users: dict[str, dict] = {}  # email -> {"id", "name", "mailbox", "zone", "calendars"}
        self.tokens: dict[str, tuple[str, float, frozenset]] = {}  # token -> (client id, expires, roles)
        self.token_seconds = 3599
        self.token_calls = 0
        self.calls: list[tuple[str, str]] = []  # (method, path) of Graph requests
        self.failures: list[tuple[int, str, dict]] = []  # (status, code, headers) the next Graph requests answer
        self.token_failures: list[int] = []
        self.lost_creates = 0  # the next event creates are done, but their answer is lost (a 504 instead)
        self.restricted_to: set[str] | None = None  # an application access policy: only these mailboxes
        self.page_size = 50
        self.teams = True  # Teams meetings available for the tenant
        self.subscriptions: dict[str, dict] = {}
        self.notifications: list[dict] = []  # what was POSTed to notification URLs
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # --- setting up the world ------------------------------------------------------------------

    def register_app(self, *, roles: frozenset = ROLES, expired: bool = False) -> tuple[str, str]:
        """An app registration with a client secret; `roles`: the application permissions an admin consented."""
        client_id, secret = str(uuid.uuid4()), "Kq8~" + secrets.token_urlsafe(30)
        self.apps[client_id] = {"secret": secret, "expired": expired, "roles": frozenset(roles)}
        return client_id, secret

    def add_user(self, email: str, name: str = "", *, mailbox: bool = True, zone: str = "W. Europe Standard Time",
                 calendars: tuple[str, ...] = ()) -> dict:
        cals = {}
        for n, title in enumerate(("Calendar", *calendars)):
            cal_id = "AAMkAD" + secrets.token_urlsafe(24) + "="
            cals[cal_id] = {"id": cal_id, "name": title, "isDefaultCalendar": n == 0, "canEdit": True, "events": {}}
        user = {"id": str(uuid.uuid4()), "name": name or email.split("@")[0].title(), "mailbox": mailbox,
                "zone": zone, "calendars": cals}
        self.users[email.lower()] = user
        return user

    def default_calendar(self, email: str) -> dict:
        return next(c for c in self.users[email.lower()]["calendars"].values() if c["isDefaultCalendar"])

    def calendar_id(self, email: str, name: str = "Calendar") -> str:
        return next(c["id"] for c in self.users[email.lower()]["calendars"].values() if c["name"] == name)

    def add_event(self, email: str, start: datetime, end: datetime, *, show_as: str = "busy", calendar: str = "",
                  cancelled: bool = False, weekly: int = 0, subject: str = "Dentist") -> dict:
        """An event the user made in Outlook; `weekly`: a series of that many weekly occurrences."""
        cal = self.users[email.lower()]["calendars"][calendar] if calendar else self.default_calendar(email)
        event = self._new_event(subject, start, end, organizer=email)
        event |= {"showAs": show_as, "isCancelled": cancelled}
        if weekly:
            event["type"] = "seriesMaster"
            event["recurrence"] = {"pattern": {"type": "weekly", "interval": 1},
                                   "range": {"type": "numbered", "numberOfOccurrences": weekly}}
        cal["events"][event["id"]] = event
        return event

    def events_of(self, email: str) -> dict[str, dict]:
        return {i: e for c in self.users[email.lower()]["calendars"].values() for i, e in c["events"].items()}

    def copy_of(self, email: str, organiser_event_id: str, mailbox: str) -> dict:
        uid = self.events_of(mailbox)[organiser_event_id]["iCalUId"]
        return next(e for e in self.events_of(email).values() if e["iCalUId"] == uid)

    def answer(self, email: str, organiser_event_id: str, mailbox: str, answer: str) -> None:
        """The agent clicks Accept or Decline in Outlook (Graph's /accept or /decline on their copy)."""
        event = self.copy_of(email, organiser_event_id, mailbox)
        action = {"accepted": "accept", "declined": "decline"}[answer]
        with self.lock:
            self._respond(email, event["id"], action)

    def delete_by_organiser_mailbox(self, mailbox: str, event_id: str) -> None:
        """Someone deletes the meeting in the scheduling mailbox itself (Outlook on the web)."""
        with self.lock:
            self._delete(mailbox, event_id)

    def fail_next(self, status: int, code: str = "ServiceUnavailable", times: int = 1,
                  retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.failures.extend([(status, code, headers)] * times)

    def graph_calls(self, method: str = "", contains: str = "") -> int:
        return sum(1 for m, p in self.calls if (not method or m == method) and contains in p)

    # --- serving -------------------------------------------------------------------------------------

    def start(self) -> FakeMicrosoft:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    status, body, headers = fake.handle(self.command, self.path, dict(self.headers), raw)
                except GraphFault as exc:
                    status, headers = exc.status, exc.headers
                    body = {"error": {"code": exc.code, "message": exc.message}}
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.socket = self.context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def handle(self, method: str, target: str, headers: dict, raw: bytes) -> tuple[int, dict | None, dict]:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.endswith("/v2.0/.well-known/openid-configuration"):
            return self._discovery(parts.path.split("/")[1])
        if parts.path.endswith("/oauth2/v2.0/token"):
            return self._token(parts.path.split("/")[1], {k: v[0] for k, v in parse_qs(raw.decode()).items()})
        if not parts.path.startswith("/v1.0/"):
            raise GraphFault(404, "BadRequest", f"Resource not found for the segment '{parts.path}'.")
        roles = self._authorised(headers)
        body = json.loads(raw) if raw else None
        with self.lock:
            self.calls.append((method, unquote(parts.path)))
            if self.failures:
                status, code, extra = self.failures.pop(0)
                raise GraphFault(status, code, "Injected failure", extra)
        if parts.path == "/v1.0/$batch":
            return 200, self._batch(body, roles), {}
        status, answer = self.graph(method, unquote(parts.path[len("/v1.0"):]), query, body, roles,
                                    prefer=headers.get("Prefer", ""))
        return status, answer, {}

    # --- identity platform ---------------------------------------------------------------------------

    def _discovery(self, tenant: str):
        if tenant != self.tenant:
            return 400, {"error": "invalid_tenant", "error_codes": [90002],
                         "error_description": f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you "
                                              "have the correct tenant ID and are signing into the correct cloud."}, {}
        base = f"{self.url}/{tenant}"
        return 200, {"issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
                     "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                     "token_endpoint": f"{base}/oauth2/v2.0/token"}, {}

    def _token(self, tenant: str, form: dict):
        self.token_calls += 1
        if self.token_failures:
            return self.token_failures.pop(0), {"error": "temporarily_unavailable", "error_codes": [50196],
                                                "error_description": "AADSTS50196: The server is busy."}, {}
        if tenant != self.tenant:
            return 400, {"error": "invalid_request", "error_codes": [90002],
                         "error_description": f"AADSTS90002: Tenant '{tenant}' not found."}, {}
        if form.get("grant_type") != "client_credentials" or form.get("scope") != "https://graph.microsoft.com/.default":
            return 400, {"error": "invalid_scope", "error_codes": [1002012],
                         "error_description": "AADSTS1002012: The provided value for scope is not valid."}, {}
        app = self.apps.get(form.get("client_id", ""))
        if app is None:
            return 400, {"error": "unauthorized_client", "error_codes": [700016],
                         "error_description": f"AADSTS700016: Application with identifier '{form.get('client_id')}' "
                                              f"was not found in the directory '{self.domain}'."}, {}
        if form.get("client_secret") != app["secret"]:
            return 401, {"error": "invalid_client", "error_codes": [7000215],
                         "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret "
                                              "being sent in the request is the client secret value, not the "
                                              "client secret ID."}, {}
        if app["expired"]:
            return 401, {"error": "invalid_client", "error_codes": [7000222],
                         "error_description": "AADSTS7000222: The provided client secret keys for app "
                                             f"'{form['client_id']}' are expired."}, {}
        token = secrets.token_urlsafe(32)
        self.tokens[token] = (form["client_id"], time.time() + self.token_seconds, app["roles"])
        return 200, {"token_type": "Bearer", "expires_in": self.token_seconds, "ext_expires_in": self.token_seconds,
                     "access_token": token}, {}

    def expire_tokens(self) -> None:
        self.tokens = {t: (c, 0.0, r) for t, (c, _e, r) in self.tokens.items()}

    def _authorised(self, headers: dict) -> frozenset:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        found = self.tokens.get(token)
        if found is None or found[1] < time.time():
            raise GraphFault(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        return found[2]

    # --- Graph ---------------------------------------------------------------------------------------

    def _user(self, email: str, *, mailbox: bool = True) -> dict:
        user = self.users.get(email.lower())
        if user is None:
            raise GraphFault(404, "ErrorInvalidUser", f"The requested user '{email}' is invalid.")
        if mailbox and not user["mailbox"]:
            raise GraphFault(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or "
                                                                 "is hosted on-premise.")
        if mailbox and self.restricted_to is not None and email.lower() not in self.restricted_to:
            raise GraphFault(403, "ErrorAccessDenied", "Access to OData is disabled: [RAOP] : Blocked by tenant "
                                                       "configured AppOnly AccessPolicy settings.")
        return user

    @staticmethod
    def _need(roles: frozenset, *wanted: str) -> None:
        if not roles & set(wanted):
            raise GraphFault(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")

    def _page(self, items: list[dict], query: dict, where: str, prefer: str) -> dict:
        size = self.page_size
        if m := re.search(r"odata\.maxpagesize=(\d+)", prefer):
            size = min(size, int(m.group(1)))
        skip = int(query.get("$skip", "0"))
        out = {"value": items[skip:skip + size]}
        if skip + size < len(items):
            rest = {k: v for k, v in query.items() if k != "$skip"} | {"$skip": str(skip + size)}
            out["@odata.nextLink"] = f"{self.url}/v1.0{quote(where)}?" + "&".join(
                f"{quote(k)}={quote(v)}" for k, v in rest.items())
        return out

    def graph(self, method: str, where: str, query: dict, body: dict | None, roles: frozenset, *,
              prefer: str = "") -> tuple[int, dict | None]:
        seg = where.strip("/").split("/")
        with self.lock:
            if seg[0] == "subscriptions":
                return self._subscriptions(method, seg, body)
            if seg[0] != "users" or len(seg) < 2:
                raise GraphFault(400, "BadRequest", f"Unsupported request {method} {where}")
            email, rest = seg[1], seg[2:]
            if not rest:
                self._need(roles, "User.Read.All")
                user = self._user(email, mailbox=False)
                return 200, {"id": user["id"], "displayName": user["name"], "mail": email,
                             "userPrincipalName": email}
            if rest == ["mailboxSettings", "timeZone"]:
                self._need(roles, "MailboxSettings.Read")
                return 200, {"value": self._user(email)["zone"]}
            self._need(roles, "Calendars.ReadWrite", "Calendars.Read")
            user = self._user(email)
            if rest == ["calendars"]:
                cals = [{k: v for k, v in c.items() if k != "events"} for c in user["calendars"].values()]
                return 200, self._page(cals, query, where, prefer)
            if rest == ["calendar"]:
                cal = self.default_calendar(email)
                return 200, {k: v for k, v in cal.items() if k != "events"}
            if rest[0] == "calendars" and len(rest) == 3 and rest[2] == "calendarView":
                if rest[1] not in user["calendars"]:
                    raise GraphFault(404, "ErrorItemNotFound", "The specified object was not found in the store.")
                return 200, self._view(user["calendars"][rest[1]]["events"], query, where, prefer)
            if rest == ["calendarView"]:
                return 200, self._view(self.default_calendar(email)["events"], query, where, prefer)
            if rest[0] == "events":
                return self._events(method, email, rest[1:], query, body, roles, where, prefer)
        raise GraphFault(400, "BadRequest", f"Unsupported request {method} {where}")

    def _view(self, events: dict, query: dict, where: str, prefer: str) -> dict:
        if "startDateTime" not in query or "endDateTime" not in query:
            raise GraphFault(400, "ErrorInvalidParameter", "This request requires a time window specified by the "
                                                           "query string parameters StartDateTime and EndDateTime.")
        lo = datetime.fromisoformat(query["startDateTime"].replace("Z", "+00:00"))
        hi = datetime.fromisoformat(query["endDateTime"].replace("Z", "+00:00"))
        out = []
        for event in sorted(events.values(), key=lambda e: _at(e["start"])):
            count = event.get("recurrence", {}).get("range", {}).get("numberOfOccurrences", 1)
            for n in range(count):
                start, end = (_at(event[k]) + timedelta(weeks=n) for k in ("start", "end"))
                if start < hi and end > lo:
                    item = copy.deepcopy(event) | {"start": _iso(start), "end": _iso(end)}
                    if count > 1:
                        item |= {"type": "occurrence", "seriesMasterId": event["id"], "id": f"{event['id']}.{n}"}
                        item.pop("recurrence", None)
                    out.append(item)
        return self._page(out, query, where, prefer)

    def _new_event(self, subject: str, start: datetime, end: datetime, *, organizer: str) -> dict:
        return {"id": "AAMkAGI" + secrets.token_urlsafe(30) + "=", "iCalUId": "040000008200E0" + secrets.token_hex(24),
                "subject": subject, "body": {"contentType": "text", "content": ""}, "start": _iso(start),
                "end": _iso(end), "showAs": "busy", "isCancelled": False, "type": "singleInstance",
                "organizer": {"emailAddress": {"address": organizer}}, "attendees": [], "isOnlineMeeting": False,
                "onlineMeeting": None, "location": {"displayName": ""}, "transactionId": None,
                "responseStatus": {"response": "organizer"}, "isOrganizer": True}

    def _find_event(self, email: str, event_id: str) -> tuple[dict, dict]:
        for cal in self._user(email)["calendars"].values():
            if event_id in cal["events"]:
                return cal, cal["events"][event_id]
        raise GraphFault(404, "ErrorItemNotFound", "The specified object was not found in the store.")

    def _events(self, method, email, rest, query, body, roles, where, prefer):
        if method == "POST" and not rest:
            return 201, self._create(email, body)
        if method == "GET" and not rest:
            events = list(self.events_of(email).values())
            if f := query.get("$filter"):
                if m := re.fullmatch(r"iCalUId eq '([^']*)'", f):
                    events = [e for e in events if e["iCalUId"] == m.group(1)]
                elif m := re.fullmatch(r"singleValueExtendedProperties/Any\(ep: ep/id eq '([^']*)' and ep/value eq "
                                       r"'([^']*)'\)", f):
                    events = [e for e in events if any(p["id"] == m.group(1) and p["value"] == m.group(2)
                                                       for p in e.get("singleValueExtendedProperties", []))]
                else:
                    raise GraphFault(400, "ErrorInvalidUrlQueryFilter", "The filter expression is not supported.")
            return 200, self._page([self._public(e) for e in events], query, where, prefer)
        if len(rest) == 2 and method == "POST" and rest[1] in ("accept", "decline", "tentativelyAccept"):
            self._need(roles, "Calendars.ReadWrite")
            self._respond(email, rest[0], rest[1])
            return 202, None
        if len(rest) != 1:
            raise GraphFault(400, "BadRequest", "Unsupported event request")
        _cal, event = self._find_event(email, rest[0])
        if method == "GET":
            return 200, self._public(event)
        self._need(roles, "Calendars.ReadWrite")
        if method == "PATCH":
            return 200, self._public(self._patch(email, event, body or {}))
        if method == "DELETE":
            self._delete(email, rest[0])
            return 204, None
        raise GraphFault(405, "BadRequest", "Method not allowed")

    @staticmethod
    def _public(event: dict) -> dict:
        return {k: v for k, v in event.items() if k not in ("singleValueExtendedProperties", "recurrence")}

    def _create(self, email: str, body: dict | None) -> dict:
        if not body or "start" not in body or "end" not in body:
            raise GraphFault(400, "ErrorInvalidRequest", "Your request can't be completed. Start and end are needed.")
        if tx := body.get("transactionId"):
            for event in self.events_of(email).values():
                if event.get("transactionId") == tx:
                    return self._public(event)  # Exchange makes one event of a retried create
        event = self._new_event(body.get("subject", ""), _at(body["start"]), _at(body["end"]), organizer=email)
        event |= {k: copy.deepcopy(v) for k, v in body.items() if k not in ("start", "end", "attendees")}
        event["start"], event["end"] = _iso(_at(body["start"])), _iso(_at(body["end"]))
        event["attendees"] = [{"type": a.get("type", "required"), "emailAddress": a["emailAddress"],
                               "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}}
                              for a in body.get("attendees", [])]
        if body.get("isOnlineMeeting") and body.get("onlineMeetingProvider") == "teamsForBusiness":
            if self.teams:
                event["onlineMeeting"] = {"joinUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_"
                                                     f"{secrets.token_urlsafe(16)}%40thread.v2/0"}
            else:
                event["isOnlineMeeting"] = False
        self.default_calendar(email)["events"][event["id"]] = event
        for attendee in event["attendees"]:
            self._invite(attendee["emailAddress"]["address"], event)
        self._notify(email, event["id"], "created")
        if self.lost_creates:
            self.lost_creates -= 1
            raise GraphFault(504, "GatewayTimeout", "The request timed out.")
        return self._public(event)

    def _invite(self, attendee: str, event: dict) -> None:
        user = self.users.get(attendee.lower())
        if user is None or not user["mailbox"]:
            return
        mine = next((e for e in self.events_of(attendee).values() if e["iCalUId"] == event["iCalUId"]), None)
        if mine is None:
            mine = copy.deepcopy(event) | {"id": "AAMkAGI" + secrets.token_urlsafe(30) + "=", "isOrganizer": False,
                                           "transactionId": None, "singleValueExtendedProperties": []}
            self.default_calendar(attendee)["events"][mine["id"]] = mine
        for k in ("subject", "body", "start", "end", "location", "onlineMeeting", "isOnlineMeeting", "attendees",
                  "isCancelled"):
            mine[k] = copy.deepcopy(event.get(k))
        own = next((a for a in event["attendees"] if a["emailAddress"]["address"].lower() == attendee.lower()), None)
        response = own["status"]["response"] if own else "none"
        mine["responseStatus"] = {"response": response}
        mine["showAs"] = {"accepted": "busy", "declined": "free"}.get(response, "tentative")

    def _patch(self, email: str, event: dict, body: dict) -> dict:
        if not event.get("isOrganizer"):
            raise GraphFault(400, "ErrorInvalidRequest", "Only the organizer can change the meeting.")
        moved = any(k in body and _at(body[k]) != _at(event[k]) for k in ("start", "end"))
        for k, v in body.items():
            if k in ("start", "end"):
                event[k] = _iso(_at(v))
            elif k != "attendees":
                event[k] = copy.deepcopy(v)
        if moved:  # a new time: the attendees are asked again
            for attendee in event["attendees"]:
                attendee["status"] = {"response": "none", "time": "0001-01-01T00:00:00Z"}
        for attendee in event["attendees"]:
            self._invite(attendee["emailAddress"]["address"], event)
        self._notify(email, event["id"], "updated")
        return event

    def _respond(self, email: str, event_id: str, action: str) -> None:
        _cal, mine = self._find_event(email, event_id)
        if mine.get("isOrganizer"):
            raise GraphFault(400, "ErrorInvalidRequest", "Your request can't be completed. You can't respond to a "
                                                         "meeting that you organized.")
        response = {"accept": "accepted", "decline": "declined", "tentativelyAccept": "tentativelyAccepted"}[action]
        organiser = mine["organizer"]["emailAddress"]["address"]
        for cal in self._user(organiser, mailbox=False)["calendars"].values():
            for event in cal["events"].values():
                if event["iCalUId"] == mine["iCalUId"]:
                    for attendee in event["attendees"]:
                        if attendee["emailAddress"]["address"].lower() == email.lower():
                            attendee["status"] = {"response": response, "time": datetime.now(UTC).isoformat()}
                    self._notify(organiser, event["id"], "updated")
        mine["responseStatus"] = {"response": response}
        mine["showAs"] = {"accepted": "busy", "declined": "free"}.get(response, "tentative")

    def _delete(self, email: str, event_id: str) -> None:
        cal, event = self._find_event(email, event_id)
        del cal["events"][event_id]
        if event.get("isOrganizer"):  # the attendees get the cancellation
            for attendee in event["attendees"]:
                other = attendee["emailAddress"]["address"]
                if other.lower() in self.users and self.users[other.lower()]["mailbox"]:
                    for e in self.events_of(other).values():
                        if e["iCalUId"] == event["iCalUId"]:
                            e["isCancelled"] = True
        self._notify(email, event_id, "deleted")

    def _batch(self, body: dict | None, roles: frozenset) -> dict:
        items = (body or {}).get("requests", [])
        if len(items) > 20:
            raise GraphFault(400, "BadRequest", "Batch request has more than 20 requests.")
        out = []
        for item in items:
            parts = urlsplit(item["url"])
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            try:
                status, answer = self.graph(item["method"], unquote(parts.path), query, item.get("body"), roles,
                                            prefer=(item.get("headers") or {}).get("Prefer", ""))
            except GraphFault as exc:
                status, answer = exc.status, {"error": {"code": exc.code, "message": exc.message}}
            out.append({"id": item["id"], "status": status, "headers": {}, "body": answer})
        return {"responses": out}

    # --- change notifications ------------------------------------------------------------------------

    def _subscriptions(self, method: str, seg: list[str], body: dict | None):
        if method == "POST" and len(seg) == 1:
            return 201, self._subscribe(body or {})
        sub = self.subscriptions.get(seg[1]) if len(seg) == 2 else None
        if sub is None:
            raise GraphFault(404, "ResourceNotFound", "The object was not found.")
        if method == "PATCH":
            expires = datetime.fromisoformat((body or {})["expirationDateTime"].replace("Z", "+00:00"))
            if expires - datetime.now(UTC) > MAX_EVENT_SUBSCRIPTION + timedelta(minutes=1):
                raise GraphFault(400, "ExtensionError", "Subscription expiration can only be 10080 minutes in the "
                                                        "future.")
            sub["expirationDateTime"] = expires.isoformat()
            return 200, dict(sub)
        if method == "DELETE":
            del self.subscriptions[seg[1]]
            return 204, None
        return 200, dict(sub)

    def _subscribe(self, body: dict) -> dict:
        url = body.get("notificationUrl", "")
        if not url.startswith("https://"):
            raise GraphFault(400, "ValidationError", "The Url scheme 'http' is not supported. Use https.")
        expires = datetime.fromisoformat(body["expirationDateTime"].replace("Z", "+00:00"))
        if expires - datetime.now(UTC) > MAX_EVENT_SUBSCRIPTION + timedelta(minutes=1):
            raise GraphFault(400, "ExtensionError", "Subscription expiration can only be 10080 minutes in the future.")
        token = secrets.token_urlsafe(16)
        try:
            answer = requests.post(url, params={"validationToken": token}, timeout=10, verify=str(self.ca_file))
        except requests.RequestException as exc:
            raise GraphFault(400, "ValidationError", f"Subscription validation request failed: {exc}") from None
        if (answer.status_code != 200 or answer.text != token
                or not answer.headers.get("Content-Type", "").startswith("text/plain")):
            raise GraphFault(400, "ValidationError", "Subscription validation request failed. Response must exactly "
                                                     "match validationToken query parameter.")
        sub = {"id": str(uuid.uuid4()), "resource": body["resource"], "changeType": body["changeType"],
               "notificationUrl": url, "lifecycleNotificationUrl": body.get("lifecycleNotificationUrl", ""),
               "clientState": body.get("clientState", ""), "expirationDateTime": expires.isoformat()}
        self.subscriptions[sub["id"]] = sub
        return dict(sub)

    def _notify(self, email: str, event_id: str, change: str) -> None:
        for sub in list(self.subscriptions.values()):
            if sub["resource"].lower() == f"users/{email}/events".lower() and change in sub["changeType"]:
                item = {"subscriptionId": sub["id"], "clientState": sub["clientState"], "changeType": change,
                        "resource": f"Users/{email}/Events/{event_id}", "tenantId": self.tenant,
                        "subscriptionExpirationDateTime": sub["expirationDateTime"],
                        "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "id": event_id}}
                threading.Thread(target=self._post, args=(sub["notificationUrl"], {"value": [item]}),
                                 daemon=True).start()

    def lifecycle(self, subscription_id: str, event: str) -> int:
        """Send a lifecycle notification ("reauthorizationRequired", "subscriptionRemoved", "missed")."""
        sub = self.subscriptions[subscription_id]
        if event == "subscriptionRemoved":
            del self.subscriptions[subscription_id]
        item = {"subscriptionId": subscription_id, "clientState": sub["clientState"], "lifecycleEvent": event,
                "subscriptionExpirationDateTime": sub["expirationDateTime"], "tenantId": self.tenant}
        return self._post(sub["lifecycleNotificationUrl"], {"value": [item]})

    def _post(self, url: str, body: dict) -> int:
        self.notifications.append(body)
        try:
            return requests.post(url, json=body, timeout=10, verify=str(self.ca_file)).status_code
        except requests.RequestException:
            return 0
