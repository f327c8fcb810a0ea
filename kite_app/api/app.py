"""FastAPI app for public endpoints. Reflex's own backend is mounted beneath it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from kite_app.domain.errors import NotFound
from kite_app.services import calendars

api = FastAPI(title="Kite Scheduler", docs_url=None, redoc_url=None, openapi_url=None)


@api.get("/calendar/{token}.ics", include_in_schema=False)
def meetings_feed(token: str) -> Response:
    """An agent's meetings as an iCalendar feed; the secret token is the only credential."""
    try:
        body = calendars.meetings_ics(token, now=datetime.now(UTC))
    except NotFound as exc:
        return JSONResponse({"code": "not_found", "message": exc.message}, status_code=404)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="meetings.ics"'})
