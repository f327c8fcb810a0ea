"""Where browsers get their cookies: a page's event handler leaves a cookie under a short-lived ticket
(services/cookie_tickets.py) and the page loads `/session/cookie?ticket=…`, whose answer sets the cookie
HttpOnly (or clears it, for an empty value), so no script ever handles it."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kite_app import cookies, routes
from kite_app.services import cookie_tickets, ratelimit

router = APIRouter(include_in_schema=False)
# A transparent 1×1 GIF: the page claims its ticket with an <img>, which needs no script.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store"}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get(routes.COOKIE_CLAIM)
def claim_cookie(request: Request, ticket: str = "") -> Response:
    now = datetime.now(UTC)
    ratelimit.looking_up_secret(_client(request), now=now.timestamp())
    cookie = cookie_tickets.claim(ticket[:100], now=now)
    if cookie is None:
        ratelimit.unknown_secret(_client(request), now=now.timestamp())
        return Response(status_code=404, headers=NO_STORE)
    response = Response(PIXEL, media_type="image/gif", headers=NO_STORE)
    if cookie.value:
        response.set_cookie(cookie.name, cookie.value, max_age=cookie.max_age, **cookies.attributes())
    else:
        response.delete_cookie(cookie.name, **cookies.attributes())
    return response
