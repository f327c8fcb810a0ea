"""The connection to Microsoft Graph for one app registration (client credentials): an app token from the
Microsoft identity platform through `msal` (cached until it expires, asked again once when Graph refuses it),
requests with retries within budgets that honour Retry-After, paging and `$batch`, and every failure said as a
GraphError that tells whether trying later can help.

Faults: reads retry within a budget of about two seconds, then fail; writes retry a few times (they run in the
background, services/calendar_writes.py). After a 429 or 503 with Retry-After, reads fail at once until that
time has passed instead of asking again: a throttled tenant is not hammered by page views.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import msal
import requests

from kite_app.providers.calendar.base import CalendarError

GRAPH_SCOPE = "https://graph.microsoft.com/.default"  # the app's application permissions, whatever the endpoint
RETRIES = 4  # attempts after the first, for writes (they run in the background)
READ_BUDGET = 2.0  # seconds a read may take, retries included
TIMEOUT = 15.0  # seconds one request may take
MAX_RETRY_AFTER = 60.0  # a write waits at most this long for one Retry-After
BATCH_SIZE = 20  # requests per $batch (Graph's limit)
# Token errors, by the identity platform's AADSTS code: what the admin must fix
TOKEN_CODES = {90002: "unknownTenant", 700016: "unknownClient", 7000215: "wrongSecret", 7000222: "expiredSecret"}


class GraphError(CalendarError):
    """Microsoft refused or could not be reached. `reason`: Graph's error code ("ErrorAccessDenied",
    "ErrorItemNotFound"...), a token fault ("unknownTenant", "wrongSecret"...), or "unreachable"."""

    def __init__(self, message: str, reason: str = "", *, transient: bool = True, status: int = 0):
        super().__init__(message, reason, transient=transient)
        self.status = status

    @property
    def not_found(self) -> bool:
        return self.status == 404 or self.reason in ("ErrorItemNotFound", "ErrorInvalidUser",
                                                     "Request_ResourceNotFound", "MailboxNotEnabledForRESTAPI")


def path(*parts: str) -> str:
    """A Graph path from its segments, each quoted (calendar ids hold '=' and '/'-free base64)."""
    return "/" + "/".join(quote(p, safe="@") for p in parts)


class GraphConnection:
    """Calls to Microsoft Graph as the app itself (application permissions)."""

    def __init__(self, *, tenant_id: str, client_id: str, client_secret: str, login_endpoint: str,
                 graph_endpoint: str, retries: int = RETRIES, read_budget: float = READ_BUDGET):
        self._tenant, self._client_id, self._secret = tenant_id, client_id, client_secret
        self._authority = f"{login_endpoint.rstrip('/')}/{quote(tenant_id, safe='')}"
        self.base = graph_endpoint.rstrip("/") + "/v1.0"
        self._retries, self._read_budget = retries, read_budget
        self._app: msal.ConfidentialClientApplication | None = None
        self._token_lock = threading.Lock()
        self._quiet_until = 0.0  # Graph asked us to wait (Retry-After) until then
        self._local = threading.local()  # one requests.Session per thread
        # told when Microsoft refuses the app itself (a permission withdrawn, the secret expired)
        self.on_denied: Callable[[GraphError], None] | None = None

    # --- the app token ---------------------------------------------------------------------------

    def token(self, *, fresh: bool = False) -> str:
        """An app token for Graph, from msal's cache while it lasts. GraphError says what the identity platform
        refused (its AADSTS code as the reason), or that it cannot be reached."""
        with self._token_lock:
            try:
                if self._app is None:  # msal reads the tenant's OpenID configuration here: an unknown tenant fails
                    self._app = msal.ConfidentialClientApplication(
                        self._client_id, client_credential=self._secret, authority=self._authority,
                        instance_discovery=False, timeout=TIMEOUT)
                if fresh:
                    for cached in list(self._app.token_cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                        self._app.token_cache.remove_at(cached)
                result = self._app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
            except ValueError as exc:  # msal: the authority (tenant) has no OpenID configuration
                raise GraphError(f"Microsoft does not know the tenant: {exc}", "unknownTenant",
                                 transient=False) from None
            except requests.RequestException as exc:
                raise GraphError(f"Microsoft cannot be reached: {type(exc).__name__}", "unreachable") from None
        if "access_token" in result:
            return result["access_token"]
        codes = result.get("error_codes") or []
        reason = next((TOKEN_CODES[c] for c in codes if c in TOKEN_CODES), result.get("error", "tokenRefused"))
        transient = result.get("error") in ("temporarily_unavailable", "server_error")
        raise GraphError(f"Microsoft refused a token: {result.get('error_description', result.get('error'))}",
                         reason, transient=transient, status=400)

    # --- requests --------------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        if getattr(self._local, "session", None) is None:
            self._local.session = requests.Session()
        return self._local.session

    def call(self, method: str, where: str, *, read: bool, params: dict | None = None, body: dict | None = None,
             headers: dict | None = None) -> dict:
        """One Graph request (`where`: a path under /v1.0, or a full @odata.nextLink), retrying what may pass on a
        later try: reads within the read budget, writes up to `retries` more times. Returns the JSON answer ({}
        for 202/204). Raises GraphError."""
        url = where if where.startswith("http") else self.base + where
        deadline = time.monotonic() + (self._read_budget if read else 3600)
        attempts = 1_000 if read else self._retries + 1
        refreshed = False
        for attempt in range(attempts):
            if read and time.monotonic() < self._quiet_until:
                raise GraphError("Microsoft Graph asked to wait (throttled)", "throttled", status=429)
            try:
                token = self.token(fresh=refreshed)
                timeout = max(0.3, min(deadline - time.monotonic(), TIMEOUT))
                answer = self._session().request(
                    method, url, params=params, json=body, timeout=timeout,
                    headers={"Authorization": f"Bearer {token}", **(headers or {})})
            except requests.RequestException as exc:
                error = GraphError(f"Microsoft Graph cannot be reached: {type(exc).__name__}", "unreachable")
                wait = 0.1 * (2 ** attempt)
            except GraphError as exc:
                error, wait = exc, 0.1 * (2 ** attempt)
            else:
                if answer.status_code < 400:
                    return answer.json() if answer.content and answer.status_code != 204 else {}
                error = _as_error(answer)
                if error.status == 401 and not refreshed:  # the token expired or was revoked early: once more
                    refreshed = True
                    continue
                wait = (0.1 if read else 0.5) * (2 ** attempt) * (0.5 + random.random() / 2)
                if (after := _retry_after(answer)) is not None:
                    wait = min(after, MAX_RETRY_AFTER)
                    self._quiet_until = max(self._quiet_until, time.monotonic() + after)
            if not error.transient or attempt + 1 >= attempts or time.monotonic() + wait >= deadline:
                if self.on_denied is not None and _denied(error):
                    self.on_denied(error)
                raise error
            time.sleep(wait)
        raise AssertionError("unreachable")

    def pages(self, where: str, *, params: dict | None = None, headers: dict | None = None,
              read: bool = True) -> Iterator[dict]:
        """Every item of a collection, following @odata.nextLink."""
        answer = self.call("GET", where, read=read, params=params, headers=headers)
        while True:
            yield from answer.get("value", [])
            if not (link := answer.get("@odata.nextLink")):
                return
            answer = self.call("GET", link, read=read, headers=headers)

    def batch(self, requests_: list[dict]) -> dict[str, dict]:
        """Several GET requests in `$batch` calls of 20: each request's answer by its id ({"status", "body"}).
        A failed request is in its own answer; a failed batch raises GraphError."""
        out: dict[str, dict] = {}
        for i in range(0, len(requests_), BATCH_SIZE):
            answer = self.call("POST", "/$batch", read=True, body={"requests": requests_[i:i + BATCH_SIZE]})
            out.update({r["id"]: r for r in answer.get("responses", [])})
        return out


def _denied(error: GraphError) -> bool:
    """The app itself is refused: not one mailbox outside an application access policy, not a missing object."""
    if error.reason in TOKEN_CODES.values():
        return True
    return error.status == 403 and error.reason in ("ErrorAccessDenied", "Authorization_RequestDenied") \
        and "AccessPolicy" not in str(error)


def _retry_after(answer: requests.Response) -> float | None:
    try:
        return max(0.0, float(answer.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def _as_error(answer: requests.Response) -> GraphError:
    try:
        error = answer.json().get("error", {})
    except ValueError:
        error = {}
    code, text = error.get("code", ""), error.get("message", answer.reason)
    status = answer.status_code
    transient = status >= 500 or status in (429, 401)
    return GraphError(f"Microsoft Graph answered {status} {code}: {text}", code, transient=transient, status=status)


def error_of(response: dict) -> GraphError:
    """The error of one answer inside a $batch."""
    error = (response.get("body") or {}).get("error", {})
    status = int(response.get("status", 0))
    return GraphError(f"Microsoft Graph answered {status} {error.get('code', '')}: {error.get('message', '')}",
                      error.get("code", ""), transient=status >= 500 or status == 429, status=status)
