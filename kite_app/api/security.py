"""The browser-facing boundary, in one place: security headers on every response, CORS, and the
websocket's origin check. README "Security" lists each header and why.

- App pages refuse every frame; the guest pages the widget frames (/book/, /team/, /manage/) allow the
  origins in KITE_FRAME_ANCESTORS.
- Addresses with a secret in them (manage links, the calendar feed, the API's booking URLs, cookie
  claims) are never sent on in a Referer; other pages send only their origin to other sites.
- The public REST API answers any origin, without credentials (a manage token is its credential);
  everything else, the websocket included, only the app's own origins (KITE_PUBLIC_URL).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kite_app.config import settings

FRAMED_PREFIXES = ("/book/", "/team/", "/manage/")
SECRET_PREFIXES = ("/manage/", "/calendar/", "/api/", "/session/")
API_PREFIX = "/api/"
API_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
API_HEADERS = "Content-Type, Idempotency-Key"
API_EXPOSED = "Retry-After"
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"
HSTS = "max-age=31536000"

# Inline <script> elements of the production build (React Router's boot data, module imports and stream
# chunks, the theme script) and the app's own storage fallback (kite_app.py) are allowed by their
# SHA-256, nothing else inline.
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.S)


def script_hash(body: bytes) -> str:
    """The CSP source that allows an inline script with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def script_hashes(html_files: Iterable[Path]) -> list[str]:
    """CSP hash sources of the inline scripts in `html_files`, each once."""
    found: dict[str, None] = {}
    for path in html_files:
        for body in _INLINE_SCRIPT.findall(path.read_bytes()):
            if body.strip():
                found[script_hash(body)] = None
    return list(found)


@cache
def _build_hashes() -> tuple[str, ...]:
    """The hashes of the build this server serves (read once: a build is never changed under a server)."""
    from reflex.utils import prerequisites
    from reflex_base import constants

    static = prerequisites.get_web_dir() / constants.Dirs.STATIC
    return tuple(script_hashes(sorted(static.rglob("*.html")))) if static.is_dir() else ()


def page_policy(frame_ancestors: str, hashes: Iterable[str]) -> str:
    """The Content-Security-Policy of a page. Styles may be inline: the UI library sets style attributes
    and injects its CSS at run time."""
    return "; ".join([
        "default-src 'self'",
        "script-src " + " ".join(["'self'", *hashes]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"  # API answers, the feed: nothing to run or frame


def headers_for(path: str, *, frame_ancestors: str, https: bool, hashes: Iterable[str]) -> dict[str, str]:
    """The security headers of a response to `path` (the same few dicts serve every request: don't change
    what you get)."""
    kind = ("data" if path.startswith(API_PREFIX) or path.startswith("/calendar/")
            else "framed" if path.startswith(FRAMED_PREFIXES) else "page")
    return _headers(kind, path.startswith(SECRET_PREFIXES), frame_ancestors, https, tuple(hashes))


@lru_cache(maxsize=64)
def _headers(kind: str, secret: bool, frame_ancestors: str, https: bool, hashes: tuple[str, ...]) -> dict[str, str]:
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Permissions-Policy": PERMISSIONS,
        "Referrer-Policy": "no-referrer" if secret else "strict-origin-when-cross-origin",
    }
    if kind == "data":
        headers["Content-Security-Policy"] = DATA_POLICY
        headers["X-Frame-Options"] = "DENY"
    elif kind == "framed":
        headers["Content-Security-Policy"] = page_policy(frame_ancestors, hashes)
    else:
        headers["Content-Security-Policy"] = page_policy("'none'", hashes)
        headers["X-Frame-Options"] = "DENY"
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def _api_preflight() -> Response:
    return Response(status_code=204, headers={
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": API_METHODS,
        "Access-Control-Allow-Headers": API_HEADERS,
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    })


def protect(app: ASGIApp, *, inline_scripts: Iterable[str] = ()) -> ASGIApp:
    """Wrap the whole server (pages, API, websocket) in the boundary above. `inline_scripts`: the app's
    own inline scripts that the page renders (allowed by their hash, beside the build's)."""
    origins = frozenset(settings.app_origins)
    https = settings.public_url.startswith("https://")
    own = tuple(script_hash(body.encode()) for body in inline_scripts)

    @cache
    def hashes() -> tuple[str, ...]:  # read from the build on the first request, when the build exists
        return (*_build_hashes(), *own)

    async def boundary(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            origin = Headers(scope=scope).get("origin")
            if origin is not None and origin not in origins:  # a foreign page driving a signed-in session
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1008})
                return
            await app(scope, receive, send)
            return
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path: str = scope["path"]
        is_api = path.startswith(API_PREFIX)
        request_headers = Headers(scope=scope)
        if is_api and scope["method"] == "OPTIONS" and "access-control-request-method" in request_headers:
            await _api_preflight()(scope, receive, send)
            return
        extra = headers_for(path, frame_ancestors=settings.frame_ancestors, https=https, hashes=hashes())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "vary" in headers:  # each CORS layer adds its own "Origin"
                    headers["Vary"] = ", ".join(dict.fromkeys(v.strip() for v in headers["vary"].split(",")))
                if is_api:  # any origin may read the API; no credentials are ever included
                    for name in [k for k in headers if k.lower().startswith("access-control-")]:
                        del headers[name]
                    headers["Access-Control-Allow-Origin"] = "*"
                    headers["Access-Control-Expose-Headers"] = API_EXPOSED
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await app(scope, receive, send_with_headers)

    return boundary
