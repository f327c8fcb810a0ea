"""FastAPI app for public endpoints. Reflex's own backend is mounted beneath it."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException

from kite_app.api import cookies, links, staff, v1
from kite_app.domain.errors import KiteError
from kite_app.domain.text import msg
from kite_app.persistence.db import DATABASE_UNAVAILABLE
from kite_app.services import built_in_calendar, calendar_sync, microsoft_install, microsoft_push

log = logging.getLogger(__name__)
api = FastAPI(
    title="Kite Scheduler API",
    version="1",
    description="Free slots, booking, and managing a booking with its secret token (the guest API); meetings, "
                "agents, teams and webhooks with an API key (the staff API, `Authorization: Bearer kite_…`).",
    docs_url=None,
    redoc_url=None,
    openapi_url="/api/v1/openapi.json",
)
api.include_router(v1.router)
api.include_router(staff.router)
api.include_router(links.router)
staff.document_webhooks(api)
api.include_router(cookies.router)


@api.exception_handler(KiteError)
async def _kite_error(request: Request, exc: KiteError) -> JSONResponse:
    return v1.kite_error_response(exc, v1.language_of(request))


@api.exception_handler(RequestValidationError)
async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    return v1.validation_error_response(exc, v1.language_of(request))


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    """The database cannot be reached (restarting, network) or stayed locked: a clear 503, not a crash."""
    log.warning("database unavailable: %s", getattr(exc, "orig", exc))
    return v1.error_response(503, "database_unavailable",
                             msg("The database is briefly unavailable. Try again in a moment."),
                             headers={"Retry-After": "5"}, language=v1.language_of(request))


for _unavailable in DATABASE_UNAVAILABLE:
    api.add_exception_handler(_unavailable, _database_down)


@api.exception_handler(HTTPException)
async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == 400:  # the body could not be parsed (not JSON, not UTF-8)
        return v1.error_response(422, "invalid_json", msg("The request body must be JSON in UTF-8."),
                                 language=v1.language_of(request))
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return v1.error_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))


@api.post(calendar_sync.PUSH_PATH, include_in_schema=False)
def google_push(request: Request) -> Response:
    """Google's push notification for a watched calendar: headers only; the channel token is the secret."""
    h = request.headers
    accepted = calendar_sync.handle_push(h.get("X-Goog-Channel-ID", ""), h.get("X-Goog-Channel-Token", ""),
                                         h.get("X-Goog-Resource-State", ""), now=datetime.now(UTC))
    return Response(status_code=200 if accepted else 404)


@api.post(microsoft_push.NOTIFY_PATH, include_in_schema=False)
async def microsoft_notify(request: Request, validationToken: str | None = None) -> Response:  # noqa: N803
    """Microsoft Graph's change notifications of the scheduling mailbox's events. A new subscription is first
    validated: the token is echoed as text/plain. Notifications are checked (clientState) and answered 202 at
    once; the answers are read in the background."""
    if validationToken is not None:
        return PlainTextResponse(validationToken[:1024])
    items = await _notification_items(request)
    if not await anyio.to_thread.run_sync(microsoft_push.genuine, items):
        return Response(status_code=403)
    _in_background(lambda: calendar_sync.sync_prefix("microsoft:", now=datetime.now(UTC)))
    return Response(status_code=202)


@api.post(microsoft_push.LIFECYCLE_PATH, include_in_schema=False)
async def microsoft_lifecycle(request: Request, validationToken: str | None = None) -> Response:  # noqa: N803
    """Graph's lifecycle notifications: a subscription to reauthorize, one removed, or notifications missed."""
    if validationToken is not None:
        return PlainTextResponse(validationToken[:1024])
    items = await _notification_items(request)
    if not await anyio.to_thread.run_sync(microsoft_push.genuine, items):
        return Response(status_code=403)

    def follow() -> None:
        now = datetime.now(UTC)
        microsoft_push.lifecycle(microsoft_install.provider(), items, now=now)
        calendar_sync.sync_prefix("microsoft:", now=now)

    _in_background(follow, coalesce=False)
    return Response(status_code=202)


async def _notification_items(request: Request) -> list:
    try:
        body = await request.json()
    except ValueError:
        return []
    items = body.get("value") if isinstance(body, dict) else None
    return items if isinstance(items, list) else []


_notified = threading.Semaphore(2)  # one read running and one waiting cover any burst of notifications


def _in_background(work, *, coalesce: bool = True) -> None:
    """Run `work` in a thread. A change notification's read is skipped when one is running and another waits to
    follow it (that one will see this change too); a lifecycle notice always runs."""
    if coalesce and not _notified.acquire(blocking=False):
        return

    def run() -> None:
        try:
            with _reading:
                work()
        except Exception as exc:  # noqa: BLE001 - the periodic sync catches up
            log.warning("Microsoft notification could not be processed (%s); the periodic sync will catch up", exc)
        finally:
            if coalesce:
                _notified.release()

    threading.Thread(target=run, daemon=True, name="microsoft-notification").start()


_reading = threading.Lock()


@api.get("/calendar/{token}.ics", include_in_schema=False)
def meetings_feed(token: str, request: Request) -> Response:
    """An agent's meetings as an iCalendar feed; the secret token is the only credential."""
    body = built_in_calendar.meetings_ics(token, now=datetime.now(UTC),
                                          client=request.client.host if request.client else "unknown")
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300",
                             "Content-Disposition": 'inline; filename="meetings.ics"'})
