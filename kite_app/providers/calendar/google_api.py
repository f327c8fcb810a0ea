"""The connection to Google Calendar for one service account with domain-wide delegation: credentials per
agent's mailbox (`subject`), an HTTP connection per request, retries within budgets, and every failure said as
a GoogleCalendarError that tells whether trying later can help.

Threads: httplib2 is not thread-safe, so every request gets an HTTP connection of its own; the
delegated credentials are shared per agent and refreshed under a lock.

Faults: reads retry within a budget of about two seconds, then fail; writes retry a few times (they run in the
background, services/calendar_writes.py). The token endpoint and the network fail the same way.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import google_auth_httplib2
import httplib2
from google.auth import exceptions as auth_errors
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from kite_app.providers.calendar.base import CalendarError

SCOPES = ("https://www.googleapis.com/auth/calendar",)
RETRIES = 4  # attempts after the first, for writes (they run in the background)
READ_BUDGET = 2.0  # seconds a read may take, retries included
WRITE_TIMEOUT = 15.0  # seconds one write attempt may take
RATE_LIMITS = ("rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded")


class GoogleCalendarError(CalendarError):
    """Google refused or could not be reached; `reason` is Google's ("unreachable" for the network)."""

    def __init__(self, message: str, reason: str = "", *, transient: bool = True, status: int = 0):
        super().__init__(message, reason, transient=transient)
        self.status = status


def _reason(exc: HttpError) -> str:
    try:
        return exc.error_details[0].get("reason", "") if exc.error_details else ""
    except (AttributeError, IndexError, TypeError):
        return ""


def _as_error(exc: Exception) -> GoogleCalendarError:
    """Any failure of a request (HTTP, token endpoint, network) as the provider's own error."""
    if isinstance(exc, GoogleCalendarError):
        return exc
    if isinstance(exc, HttpError):
        status, reason = exc.status_code, _reason(exc)
        transient = status >= 500 or status == 429 or (status == 403 and reason in RATE_LIMITS) or status == 401
        return GoogleCalendarError(f"Google answered {status}: {exc.reason}", reason, transient=transient,
                                   status=status)
    if isinstance(exc, auth_errors.RefreshError):  # the token endpoint refused the delegation
        return GoogleCalendarError(f"Google refused a token: {exc}", "tokenRefused", transient=False)
    # auth_errors.TransportError (token endpoint down, DNS), httplib2 errors, timeouts, refused connections
    return GoogleCalendarError(f"Google cannot be reached: {exc or type(exc).__name__}", "unreachable")


class _TokenRequest(google_auth_httplib2.Request):
    """The token endpoint's transport: a 5xx answer fails at once (our own retries and their budget
    apply) instead of google-auth's internal backoff of several seconds."""

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        response = super().__call__(url, method=method, body=body, headers=headers, timeout=timeout, **kwargs)
        if response.status >= 500:
            raise auth_errors.TransportError(f"the token endpoint answered {response.status}")
        return response


class GoogleConnection:
    """Calls to Google's Calendar API as an agent's mailbox, through the service account's delegation."""

    def __init__(self, key_info: dict, *, api_endpoint: str | None = None, retries: int = RETRIES,
                 read_budget: float = READ_BUDGET):
        self._key_info = key_info
        self._retries = retries
        self._read_budget = read_budget
        self._endpoint = api_endpoint
        self._credentials: dict[str, service_account.Credentials] = {}
        self._refresh_locks: dict[str, threading.Lock] = {}
        self._services: dict[str, object] = {}
        self._lock = threading.Lock()
        self._local = threading.local()  # the timeout of the request being built on this thread

    def _creds(self, email: str) -> service_account.Credentials:
        with self._lock:
            if email not in self._credentials:
                self._credentials[email] = service_account.Credentials.from_service_account_info(
                    self._key_info, scopes=list(SCOPES), subject=email)
                self._refresh_locks[email] = threading.Lock()
            return self._credentials[email]

    def _fresh_token(self, email: str, timeout: float) -> None:
        creds = self._creds(email)
        with self._refresh_locks[email]:  # one refresh at a time per agent; the others then find it valid
            if not creds.valid:
                creds.refresh(_TokenRequest(httplib2.Http(timeout=timeout)))

    def _service(self, email: str):
        with self._lock:
            if email not in self._services:

                def request_builder(_http, *args, **kwargs):
                    http = google_auth_httplib2.AuthorizedHttp(  # a 401 comes back to _call, which refreshes
                        self._credentials[email], http=httplib2.Http(timeout=getattr(self._local, "timeout", 10)),
                        refresh_status_codes=())
                    return HttpRequest(http, *args, **kwargs)

                options = {"api_endpoint": self._endpoint} if self._endpoint else None
                self._services[email] = build("calendar", "v3", http=httplib2.Http(), requestBuilder=request_builder,
                                              static_discovery=True, client_options=options, cache_discovery=False)
            return self._services[email]

    def call(self, email: str, make: Callable, *, read: bool):
        """Run `make(service)`'s request, retrying what may pass on a later try: reads within the read
        budget, writes up to `retries` more times. Raises GoogleCalendarError."""
        deadline = time.monotonic() + (self._read_budget if read else 3600)
        attempts = 1_000 if read else self._retries + 1
        pause = 0.1 if read else 0.5
        for attempt in range(attempts):
            timeout = max(0.3, min(deadline - time.monotonic(), WRITE_TIMEOUT))
            try:
                self._fresh_token(email, timeout)
                self._local.timeout = timeout
                return make(self._service(email)).execute(num_retries=0)
            except Exception as exc:  # noqa: BLE001 - every failure becomes the provider's own error
                error = _as_error(exc)
                if error.status == 401:  # the access token was refused: get a new one on the next try
                    self._creds(email).token = None
                wait = pause * (2 ** attempt) * (0.5 + random.random() / 2)
                if not error.transient or attempt + 1 >= attempts or time.monotonic() + wait >= deadline:
                    raise error from exc
                time.sleep(wait)
        raise AssertionError("unreachable")
