"""A local fake of Google's OAuth token endpoint and Calendar v3 API, for the real client library.

It checks what Google checks, so it cannot drift into agreeing with a wrong client:
- /token verifies the signed JWT of the delegation flow with the public half of the service
  account's key, the audience, the expiry, that `sub` is a user of the domain, and that the
  requested scopes were authorised for the key's client ID (domain-wide delegation);
- every Calendar request is matched against the discovery document shipped in
  google-api-python-client: method, path, required and known parameters, body fields.
Anything else gets a 400 like Google's. It behaves as Google documents where the client could get
it wrong: calendarList pages (maxResults, nextPageToken) and carries each calendar's accessRole;
writes into a calendar the user may only read answer 403 requiredAccessLevel; a deleted event
answers 410 to patch and delete; patch replaces arrays (attendees) whole; push channels expire and
can be stopped (channels.stop). Errors can be injected: fail_next(status, reason) for the Calendar
API, fail_token_next(status) for the token endpoint; `delay` makes every Calendar answer slow.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import googleapiclient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

from tests.conftest import free_port

DISCOVERY = json.loads(
    (Path(googleapiclient.__file__).parent / "discovery_cache/documents/calendar.v3.json").read_text())
STANDARD_PARAMS = set(DISCOVERY.get("parameters", {}))
# Google checks the assertion's audience against its own token endpoint, wherever the request went.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


def _methods():
    out = []
    for resource in DISCOVERY["resources"].values():
        for method in resource.get("methods", {}).values():
            pattern = "^" + re.sub(r"\{\+?(\w+)\}", r"(?P<\1>[^/]+)", method["path"]) + "$"
            out.append((method["httpMethod"], re.compile(pattern), method))
    return out


METHODS = _methods()


class GoogleError(Exception):
    def __init__(self, status: int, reason: str, message: str):
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


class FakeGoogle:
    def __init__(self, domain: str = "example.com"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_endpoint = f"{self.url}/calendar/v3/"
        self.domain = domain
        self.users: set[str] = set()
        self.keys: dict[str, tuple[str, bytes]] = {}  # client_email -> (client_id, public PEM)
        self.delegated: dict[str, set[str]] = {}  # client_id -> scopes authorised in the Admin Console
        self.calendars: dict[str, dict[str, dict]] = {}  # user -> calendar id -> {summary, primary, events}
        self.tokens: dict[str, str] = {}  # access token -> user
        self.calls: list[tuple[str, str, str]] = []  # (user, method, path)
        self.failures: list[tuple[int, str]] = []
        self.token_failures: list[int] = []  # statuses the token endpoint answers next
        self.write_failures: list[tuple[int, str]] = []  # errors the next event writes answer
        self.write_delay = 0.0  # seconds every event write takes
        self.token_calls = 0
        self.channel_seconds = 7 * 86400  # how long a push channel lives
        self.stopped: list[str] = []  # channel ids stopped by the client
        self.patches: list[dict] = []  # the bodies of events.patch, as sent
        self.change_seq = 0  # every event change gets the next number; sync tokens are such numbers
        self.oldest_sync = 0  # tokens older than this answer 410 (Google expires them)
        self.delay = 0.0  # seconds every Calendar answer takes (a slow Google)
        self.channels: dict[str, dict] = {}  # push notification channels (events.watch)
        self.pushes: list[tuple[str, str]] = []  # (channel id, resource state) delivered
        # Workspace's default: everyone in the domain sees the free/busy of everyone's primary calendar
        self.domain_freebusy = True
        # Google Meet conferences (conferenceData.createRequest with conferenceDataVersion=1): every create
        # request that made a conference, by requestId; a new one is "pending" for `conference_polls`
        # reads of the event, then "success" (or `conference_outcome`, e.g. "failure").
        self.conference_creates: list[str] = []
        self.lost_answers = 0  # the next event inserts are done, but their answer is lost (a 503 instead)
        self.conference_polls = 1
        self.conference_outcome = "success"
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- setting up the world -------------------------------------------------------------

    def add_user(self, email: str, calendars: dict[str, str] | None = None,
                 roles: dict[str, str] | None = None) -> None:
        """A user with their primary calendar and others (id -> summary); `roles` sets a calendar's
        accessRole for this user ("owner" by default; "reader" or "freeBusyReader" cannot write)."""
        self.users.add(email)
        cals = {email: {"summary": email, "primary": True, "events": {}, "role": "owner"}}
        for cal_id, summary in (calendars or {}).items():
            cals[cal_id] = {"summary": summary, "primary": False, "events": {},
                            "role": (roles or {}).get(cal_id, "owner")}
        self.calendars[email] = cals

    def unshare(self, user: str, calendar_id: str) -> None:
        """The calendar's owner stops sharing it with `user`: it is gone from their list and unreadable."""
        del self.calendars[user][calendar_id]

    def delete_by_owner(self, user: str, event_id: str, calendar_id: str | None = None) -> None:
        """The agent deletes the event in Google Calendar (instead of answering No)."""
        event = self.events(user, calendar_id)[event_id]
        event["status"] = "cancelled"
        self._touch(event)
        self._notify(user, calendar_id or user)

    def fail_writes_next(self, status: int, reason: str = "backendError", times: int = 1) -> None:
        self.write_failures.extend([(status, reason)] * times)

    def fail_token_next(self, status: int, times: int = 1) -> None:
        self.token_failures.extend([status] * times)

    def calls_to(self, method: str, path_end: str = "") -> int:
        return sum(1 for _u, m, path in self.calls if m == method and path.endswith(path_end))

    def service_account(self, *, delegate_scopes: list[str] | None = None, client_email: str | None = None) -> dict:
        """A new service-account key (the JSON an admin downloads); its scopes delegated as given."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        client_id = str(100000000000000000000 + len(self.keys))
        client_email = client_email or f"kite-{len(self.keys)}@kite-project.iam.gserviceaccount.com"
        private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
        public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
        self.keys[client_email] = (client_id, public_pem)
        if delegate_scopes is not None:
            self.delegated[client_id] = set(delegate_scopes)
        return {"type": "service_account", "project_id": "kite-project", "private_key_id": uuid.uuid4().hex,
                "private_key": private_pem, "client_email": client_email, "client_id": client_id,
                "token_uri": f"{self.url}/token", "auth_uri": "https://accounts.google.com/o/oauth2/auth"}

    def revoke(self, client_email: str) -> None:
        self.keys.pop(client_email, None)

    def expire_sync_tokens(self) -> None:
        self.oldest_sync = self.change_seq + 1

    def _touch(self, event: dict) -> None:
        self.change_seq += 1
        event["_seq"] = self.change_seq
        event["updated"] = datetime.now(UTC).isoformat()

    def fail_next(self, status: int, reason: str = "backendError", times: int = 1) -> None:
        self.failures.extend([(status, reason)] * times)

    def events(self, user: str, calendar_id: str | None = None) -> dict[str, dict]:
        return self.calendars[user][calendar_id or user]["events"]

    # --- serving ------------------------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict | None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    status, body = fake.handle(self.command, self.path, dict(self.headers), raw)
                except GoogleError as exc:
                    status, body = exc.status, {"error": {"code": exc.status, "message": exc.message,
                                                          "errors": [{"reason": exc.reason, "message": exc.message}]}}
                self._send(status, body)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, method: str, path: str, headers: dict, raw: bytes) -> tuple[int, dict | None]:
        url = urlsplit(path)
        if url.path == "/token":
            with self.lock:
                self.token_calls += 1
                failure = self.token_failures.pop(0) if self.token_failures else None
            if failure:
                return failure, {"error": "internal_failure", "error_description": "Backend Error"}
            return self._token(raw)
        if not url.path.startswith("/calendar/v3/"):
            raise GoogleError(404, "notFound", "Not Found")
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            if self.failures:
                status, reason = self.failures.pop(0)
                raise GoogleError(status, reason, f"injected {status} {reason}")
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        user = self.tokens.get(auth.removeprefix("Bearer "))
        if user is None:
            raise GoogleError(401, "authError", "Invalid Credentials")
        rel = url.path[len("/calendar/v3/"):]
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        spec, params = self._match(method, rel, query)
        body = json.loads(raw) if raw else None
        if "request" in spec:
            self._check_body(body, spec["request"]["$ref"])
        self.calls.append((user, method, unquote(rel)))
        return self._calendar(spec["id"], user, params, query, body)

    def _match(self, method: str, rel: str, query: dict) -> tuple[dict, dict]:
        for http_method, pattern, spec in METHODS:
            m = pattern.match(rel)
            if m and http_method == method:
                params = {k: unquote(v) for k, v in m.groupdict().items()}
                known = set(spec.get("parameters", {})) | STANDARD_PARAMS
                for name in query:
                    if name not in known:
                        raise GoogleError(400, "invalidParameter", f"Invalid parameter {name}")
                for name, p in spec.get("parameters", {}).items():
                    if p.get("required") and name not in params and name not in query:
                        raise GoogleError(400, "required", f"Required parameter: {name}")
                return spec, params
        raise GoogleError(404, "notFound", f"No method {method} {rel}")

    def _check_body(self, body, ref: str) -> None:
        if not isinstance(body, dict):
            raise GoogleError(400, "parseError", "Parse Error")
        fields = DISCOVERY["schemas"][ref]["properties"]
        for key in body:
            if key not in fields:
                raise GoogleError(400, "invalid", f"Invalid JSON payload received. Unknown name \"{key}\"")

    def _token(self, raw: bytes) -> tuple[int, dict]:
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}
        assertion = form.get("assertion", "")
        try:
            unverified = jwt.decode(assertion, verify=False)
        except Exception:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT"}
        key = self.keys.get(unverified.get("iss", ""))
        if key is None:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        client_id, public_pem = key
        try:
            claims = jwt.decode(assertion, certs=public_pem, audience=GOOGLE_TOKEN_AUDIENCE)
        except Exception:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        if claims["exp"] < time.time():
            return 400, {"error": "invalid_grant",
                         "error_description": "Invalid JWT: Token must be a short-lived token"}
        scopes = set(claims.get("scope", "").split())
        if not scopes or not scopes <= self.delegated.get(client_id, set()):
            return 401, {"error": "unauthorized_client",
                         "error_description": "Client is unauthorized to retrieve access tokens using this method, "
                                              "or client not authorized for any of the scopes requested."}
        sub = claims.get("sub")
        if sub not in self.users:
            return 400, {"error": "invalid_grant", "error_description": "Invalid email or User ID"}
        token = uuid.uuid4().hex
        self.tokens[token] = sub
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}

    # --- Calendar v3 behaviour -------------------------------------------------------------------

    def _calendar(self, method_id: str, user: str, params: dict, query: dict, body) -> tuple[int, dict | None]:
        cals = self.calendars[user]
        if method_id == "calendar.calendarList.list":
            entries = [{"kind": "calendar#calendarListEntry", "id": cid, "summary": c["summary"],
                        "primary": c["primary"], "accessRole": c["role"]} for cid, c in cals.items()]
            size = min(int(query.get("maxResults", 100)), 250)
            offset = int(query.get("pageToken", "0") or 0)
            page = {"kind": "calendar#calendarList", "items": entries[offset:offset + size]}
            if offset + size < len(entries):
                page["nextPageToken"] = str(offset + size)
            return 200, page
        if method_id == "calendar.channels.stop":
            channel = self.channels.get(body.get("id", ""))
            if channel is None or channel["resourceId"] != body.get("resourceId"):
                raise GoogleError(404, "notFound", "Channel not found for project.")
            del self.channels[body["id"]]
            self.stopped.append(body["id"])
            return 204, None
        if method_id == "calendar.freebusy.query":
            lo, hi = _parse(body["timeMin"]), _parse(body["timeMax"])
            out = {}
            for item in body.get("items", []):
                cal = cals.get(item["id"])
                if cal is None and self.domain_freebusy and item["id"] in self.calendars \
                        and item["id"].endswith("@" + self.domain) and user.endswith("@" + self.domain):
                    cal = self.calendars[item["id"]][item["id"]]  # a colleague's primary calendar: free/busy only
                if cal is None:
                    out[item["id"]] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                    continue
                busy = [{"start": e["start"]["dateTime"], "end": e["end"]["dateTime"]}
                        for e in cal["events"].values()
                        if e.get("status") != "cancelled" and e.get("transparency") != "transparent"
                        and _parse(e["start"]["dateTime"]) < hi and _parse(e["end"]["dateTime"]) > lo]
                out[item["id"]] = {"busy": sorted(busy, key=lambda b: b["start"])}
            return 200, {"kind": "calendar#freeBusy", "timeMin": body["timeMin"], "timeMax": body["timeMax"],
                         "calendars": out}
        cal = cals.get(params.get("calendarId", ""))
        if cal is None:
            raise GoogleError(404, "notFound", "Not Found")
        events = cal["events"]
        writes = ("calendar.events.insert", "calendar.events.patch", "calendar.events.update",
                  "calendar.events.delete")
        if method_id in writes:
            if self.write_delay:
                time.sleep(self.write_delay)
            with self.lock:
                failure = self.write_failures.pop(0) if self.write_failures else None
            if failure:
                raise GoogleError(failure[0], failure[1], f"injected {failure[0]} {failure[1]}")
        if method_id in writes and cal["role"] not in ("owner", "writer"):
            raise GoogleError(403, "requiredAccessLevel", "You need to have writer access to this calendar.")
        if method_id == "calendar.events.insert":
            event_id = body.get("id") or uuid.uuid4().hex
            if not re.fullmatch(r"[a-v0-9]{5,1024}", event_id):
                raise GoogleError(400, "invalid", "Invalid resource id value.")
            if event_id in events:
                raise GoogleError(409, "duplicate", "The requested identifier already exists.")
            body = self._conference(body, query)
            events[event_id] = {**body, "id": event_id, "status": body.get("status", "confirmed")}
            self._touch(events[event_id])
            self._notify(user, params["calendarId"])
            with self.lock:
                lost, self.lost_answers = self.lost_answers > 0, max(0, self.lost_answers - 1)
            if lost:
                raise GoogleError(503, "backendError", "The service is currently unavailable.")
            return 200, self._public(events[event_id])
        if method_id == "calendar.events.list":
            return 200, self._list(events, query)
        if method_id == "calendar.events.watch":
            if body.get("type") != "web_hook" or not body.get("address") or not body.get("id"):
                raise GoogleError(400, "invalid", "A web_hook channel needs an id and an address.")
            channel = {"id": body["id"], "token": body.get("token", ""), "address": body["address"],
                       "user": user, "calendar": params["calendarId"], "resourceId": uuid.uuid4().hex,
                       "expires": time.time() + self.channel_seconds}
            self.channels[body["id"]] = channel
            self._push(channel, "sync")
            return 200, {"kind": "api#channel", "id": body["id"], "resourceId": channel["resourceId"],
                         "expiration": str(int(channel["expires"] * 1000))}
        event = events.get(params.get("eventId", ""))
        if event is None:
            raise GoogleError(404, "notFound", "Not Found")
        if event.get("status") == "cancelled" and method_id != "calendar.events.get":
            raise GoogleError(410, "deleted", "Resource has been deleted")
        if method_id == "calendar.events.get":
            self._poll_conference(event)
            return 200, self._public(event)
        if method_id == "calendar.events.patch":
            self.patches.append(body)
            event.update(self._conference(body, query))
            self._touch(event)
            self._notify(user, params["calendarId"])
            return 200, self._public(event)
        if method_id == "calendar.events.delete":
            event["status"] = "cancelled"
            self._touch(event)
            self._notify(user, params["calendarId"])
            return 204, None
        raise GoogleError(400, "badRequest", f"{method_id} is not served by this fake")

    def _conference(self, body: dict, query: dict) -> dict:
        """conferenceData as Google treats it: ignored unless conferenceDataVersion=1; a createRequest makes a
        conference once per requestId (Google ignores a request id it has seen), pending at first."""
        data = body.get("conferenceData")
        if data is None:
            return body
        if str(query.get("conferenceDataVersion", "0")) != "1":
            return {k: v for k, v in body.items() if k != "conferenceData"}
        request = data.get("createRequest")
        if request is None:
            return body
        key = request.get("conferenceSolutionKey", {}).get("type")
        if not request.get("requestId") or key not in ("hangoutsMeet", "eventHangout", "eventNamedHangout"):
            raise GoogleError(400, "invalid", "Invalid conference type value.")
        with self.lock:
            if request["requestId"] in self.conference_creates:
                return {k: v for k, v in body.items() if k != "conferenceData"}
            self.conference_creates.append(request["requestId"])
        conference = {"createRequest": {**request, "status": {"statusCode": "pending"}},
                      "conferenceSolution": {"key": {"type": key}, "name": "Google Meet"}}
        return {**body, "conferenceData": conference, "_polls_left": self.conference_polls,
                "_outcome": self.conference_outcome}

    def _poll_conference(self, event: dict) -> None:
        """A pending conference is ready (or failed) after a few reads, as Google sets it up in the background."""
        data = event.get("conferenceData", {})
        status = data.get("createRequest", {}).get("status", {})
        if status.get("statusCode") != "pending":
            return
        event["_polls_left"] = event.get("_polls_left", 1) - 1
        if event["_polls_left"] > 0:
            return
        status["statusCode"] = event.get("_outcome", "success")
        if status["statusCode"] == "success":
            code = "-".join(("".join(random.choice("abcdefghijkmnopqrstuvwxyz") for _ in range(n)) for n in (3, 4, 3)))
            data["conferenceId"] = code
            data["entryPoints"] = [{"entryPointType": "video", "uri": f"https://meet.google.com/{code}",
                                    "label": f"meet.google.com/{code}"}]
            event["hangoutLink"] = f"https://meet.google.com/{code}"

    @staticmethod
    def _public(event: dict) -> dict:
        return {k: v for k, v in event.items() if not k.startswith("_")}

    def _list(self, events: dict, query: dict) -> dict:
        """events.list: a full list (then nextSyncToken), or the changes since a syncToken."""
        token = query.get("syncToken")
        if token is not None:
            if any(k in query for k in ("timeMin", "timeMax", "q", "orderBy", "updatedMin")):
                raise GoogleError(400, "invalid", "syncToken cannot be combined with timeMin, timeMax, ...")
            if not token.isdigit() or int(token) < self.oldest_sync:
                raise GoogleError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
            items = [e for e in events.values() if e.get("_seq", 0) > int(token)]
        else:
            lo = _parse(query["timeMin"]) if "timeMin" in query else None
            deleted_too = query.get("showDeleted") == "true"
            items = [e for e in events.values() if (deleted_too or e.get("status") != "cancelled")
                     and (lo is None or _parse(e["end"]["dateTime"]) > lo)]
        return {"kind": "calendar#events", "items": [self._public(e) for e in items],
                "nextSyncToken": str(self.change_seq)}

    def answer(self, user: str, event_id: str, response: str, calendar_id: str | None = None) -> None:
        """The agent clicks Yes ("accepted") or No ("declined") in Google Calendar."""
        event = self.events(user, calendar_id)[event_id]
        for attendee in event.get("attendees", []):
            if attendee.get("self") or attendee["email"] == user:
                attendee["responseStatus"] = response
        self._touch(event)
        self._notify(user, calendar_id or user)

    def live_channels(self) -> list[dict]:
        return [c for c in self.channels.values() if c["expires"] > time.time()]

    def _notify(self, user: str, calendar_id: str) -> None:
        for channel in self.live_channels():  # an expired channel sends nothing
            if channel["user"] == user and channel["calendar"] == calendar_id:
                self._push(channel, "exists")

    def _push(self, channel: dict, state: str) -> None:
        """Google's push notification: a POST with headers only, sent in the background."""
        import httpx

        def send():
            try:
                httpx.post(channel["address"], timeout=10, headers={
                    "X-Goog-Channel-ID": channel["id"], "X-Goog-Channel-Token": channel["token"],
                    "X-Goog-Resource-ID": channel["resourceId"], "X-Goog-Resource-State": state,
                    "X-Goog-Message-Number": str(self.change_seq)})
                self.pushes.append((channel["id"], state))
            except httpx.HTTPError:
                pass

        threading.Thread(target=send, daemon=True).start()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
