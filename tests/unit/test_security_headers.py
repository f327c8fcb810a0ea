"""The browser-facing boundary as a table: which headers each kind of address gets, CORS for the API and
the app, and the websocket's origin check (kite_app/api/security.py) around a plain ASGI app."""

from __future__ import annotations

import base64
import hashlib

import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from kite_app import cookies
from kite_app.api import security
from kite_app.config import Settings

HASHES = ["'sha256-abc='"]


def headers(path: str, *, frame_ancestors: str = "*", https: bool = False) -> dict[str, str]:
    return security.headers_for(path, frame_ancestors=frame_ancestors, https=https, hashes=HASHES)


PAGE = security.page_policy("'none'", HASHES)
FRAMED = security.page_policy("*", HASHES)
COMMON = {"X-Content-Type-Options": "nosniff", "Permissions-Policy": security.PERMISSIONS}


@pytest.mark.parametrize(("path", "expected"), [
    ("/admin/agents", {"Content-Security-Policy": PAGE, "X-Frame-Options": "DENY",
                       "Referrer-Policy": "strict-origin-when-cross-origin"}),
    ("/login", {"Content-Security-Policy": PAGE, "X-Frame-Options": "DENY",
                "Referrer-Policy": "strict-origin-when-cross-origin"}),
    ("/book/erin-expert", {"Content-Security-Policy": FRAMED, "Referrer-Policy": "strict-origin-when-cross-origin"}),
    ("/team/support", {"Content-Security-Policy": FRAMED, "Referrer-Policy": "strict-origin-when-cross-origin"}),
    ("/manage/s3cret", {"Content-Security-Policy": FRAMED, "Referrer-Policy": "no-referrer"}),
    ("/api/v1/bookings/s3cret", {"Content-Security-Policy": security.DATA_POLICY, "X-Frame-Options": "DENY",
                                 "Referrer-Policy": "no-referrer"}),
    ("/calendar/s3cret.ics", {"Content-Security-Policy": security.DATA_POLICY, "X-Frame-Options": "DENY",
                              "Referrer-Policy": "no-referrer"}),
    ("/session/cookie", {"Content-Security-Policy": PAGE, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}),
])
def test_each_kind_of_address_gets_its_headers(path, expected):
    assert headers(path) == {**COMMON, **expected}


def test_page_policy_allows_no_inline_script_or_eval_and_no_plugins():
    directives = dict(d.split(" ", 1) for d in PAGE.split("; "))
    assert directives["script-src"] == "'self' 'sha256-abc='"
    assert "unsafe" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_the_widget_pages_allow_the_configured_sites_and_https_adds_hsts():
    framed = headers("/book/x", frame_ancestors="https://www.acme.com https://*.acme.org", https=True)
    assert "frame-ancestors https://www.acme.com https://*.acme.org" in framed["Content-Security-Policy"]
    assert framed["Strict-Transport-Security"] == "max-age=31536000"
    assert "X-Frame-Options" not in framed
    assert "frame-ancestors 'none'" in headers("/profile", frame_ancestors="https://www.acme.com",
                                               https=True)["Content-Security-Policy"]


def test_script_hashes_cover_inline_scripts_only(tmp_path):
    (tmp_path / "a.html").write_text('<script>boot()</script><script src="/x.js"></script>'
                                     '<script type="module">import "/m.js";</script>')
    (tmp_path / "b.html").write_text("<script>boot()</script>")
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(b"boot()").digest()).decode() + "'"
    found = security.script_hashes(sorted(tmp_path.glob("*.html")))
    assert found[0] == digest and len(found) == 2


@pytest.mark.parametrize("value", ["javascript:alert(1)", "'none' https://a.com", "https://a.com/path", "data:"])
def test_frame_ancestors_setting_refuses_what_is_not_an_origin(value):
    with pytest.raises(ValidationError, match="KITE_FRAME_ANCESTORS"):
        Settings(KITE_FRAME_ANCESTORS=value)


def test_app_origins_name_every_loopback_alias_of_a_local_address():
    assert Settings(KITE_PUBLIC_URL="http://localhost:3000").app_origins == [
        "http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"]
    assert Settings(KITE_PUBLIC_URL="https://kite.acme.com/").app_origins == ["https://kite.acme.com"]
    assert Settings(KITE_PUBLIC_URL="https://kite.acme.com").cookies_secure
    assert not Settings(KITE_PUBLIC_URL="http://localhost:3000").cookies_secure


def test_cookies_are_read_from_the_request_header_only_by_name():
    header = 'theme=dark; kite_session_old=x; kite_session=abc; other="q"'
    assert cookies.read(header, "kite_session") == "abc"
    assert cookies.read(header, "kite_guest") == "" and cookies.read("", "kite_session") == ""


# The boundary around an app: the real middleware, a stand-in for the Reflex app behind it.
async def _hello(request):
    return PlainTextResponse("hi", headers={"Access-Control-Allow-Origin": request.headers.get("origin", ""),
                                            "Access-Control-Allow-Credentials": "true"})


async def _socket(ws):
    await ws.accept()
    await ws.send_text("hello")
    await ws.close()


@pytest.fixture
def client():
    inner = Starlette(routes=[Route("/api/v1/x", _hello, methods=["GET", "POST"]), Route("/profile", _hello),
                              WebSocketRoute("/_event/", _socket)])
    return TestClient(security.protect(inner), base_url="http://localhost:3000")


def test_api_answers_any_origin_without_credentials(client):
    preflight = client.options("/api/v1/x", headers={"Origin": "https://evil.example",
                                                      "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    answer = client.get("/api/v1/x", headers={"Origin": "https://evil.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_websocket_from_a_foreign_page_is_refused_and_the_apps_own_connects(client):
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/_event/", headers={"Origin": "https://evil.example"}):
            pass
    assert refused.value.code == 1008
    for origin in ("http://localhost:3000", "http://127.0.0.1:3000"):
        with client.websocket_connect("/_event/", headers={"Origin": origin}) as ws:
            assert ws.receive_text() == "hello"
