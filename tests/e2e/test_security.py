"""The browser-facing boundary of a running server: the headers of each kind of address, the HttpOnly
session cookie, CORS, the websocket's origin check, and framing (the widget's pages may be framed by any
site, the app's own pages by none)."""

from __future__ import annotations

import base64
import os
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from kite_app.api import security
from kite_app.domain.accounts import Actor, Role
from kite_app.kite_app import STORAGE_FALLBACK
from kite_app.services import auth, calendar_settings
from tests.conftest import TEST_WEB_DIR
from tests.e2e.helpers import another_site, http_only_cookie, log_in
from tests.e2e.test_guest_booking import publish_agent
from tests.seed import ADMIN_PASSWORD, AGENT_PASSWORD, admin_actor

FOREIGN = "https://evil.example"


@pytest.fixture(scope="module")
def erin(server):
    """An agent with an open booking page."""
    return publish_agent()


def _policies() -> tuple[str, str]:
    """The page policies: the build's inline scripts and the app's storage fallback, by hash."""
    hashes = [*security.script_hashes(sorted((TEST_WEB_DIR / "build" / "client").rglob("*.html"))),
              security.script_hash(STORAGE_FALLBACK.encode())]
    return security.page_policy("'none'", hashes), security.page_policy("*", hashes)


def _security_headers(response: httpx.Response) -> dict[str, str]:
    names = ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options",
             "Permissions-Policy", "Strict-Transport-Security")
    return {name: response.headers[name] for name in names if name in response.headers}


def test_each_kind_of_address_has_its_headers(server, erin):
    feed = calendar_settings.view(Actor(user_id=erin["id"], role=Role.AGENT))["feed_url"]
    token, _user = auth.log_in(email=erin["email"], password=AGENT_PASSWORD, now=datetime.now(UTC))
    page, framed = _policies()
    common = {"X-Content-Type-Options": "nosniff", "Permissions-Policy": security.PERMISSIONS}
    app_page = {**common, "Content-Security-Policy": page, "X-Frame-Options": "DENY",
                "Referrer-Policy": "strict-origin-when-cross-origin"}
    data = {**common, "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
            "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
    table = {
        "/login/": app_page,  # a public page of the app
        "/profile/": app_page,  # a signed-in page (asked with the session cookie)
        "/book/erin-expert": {**common, "Content-Security-Policy": framed,
                              "Referrer-Policy": "strict-origin-when-cross-origin"},  # framed by the widget
        "/manage/some-secret-link": {**common, "Content-Security-Policy": framed, "Referrer-Policy": "no-referrer"},
        "/api/v1/agents/erin-expert/slots?tz=UTC": data,
        urlsplit(feed).path: data,
    }
    with httpx.Client(base_url=server.url, cookies={"kite_session": token}) as client:
        for path, expected in table.items():
            response = client.get(path)
            assert response.status_code == 200, path
            assert _security_headers(response) == expected, path
    assert "unsafe" not in page.split("script-src", 1)[1].split(";")[0]


def test_the_session_cookie_is_http_only_and_logging_out_clears_it(server, page: Page):
    admin_actor()
    log_in(page, server.url, "admin@example.com", ADMIN_PASSWORD)
    expect(page.get_by_role("heading", name="Agents")).to_be_visible()
    cookie = http_only_cookie(page, "kite_session")
    assert cookie["secure"] is False  # KITE_PUBLIC_URL is http here
    page.reload()  # a new connection: the server reads the cookie from the request
    expect(page.get_by_role("heading", name="Agents")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.wait_for_function("() => true")
    assert not [c for c in page.context.cookies() if c["name"] == "kite_session"]
    page.goto(server.url + "/admin/agents")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def _websocket_status(url: str, origin: str) -> str:
    """The status line the server answers a websocket handshake (as a browser sends it) with."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        key = base64.b64encode(os.urandom(16)).decode()
        conn.sendall((f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n").encode())
        return conn.recv(4096).split(b"\r\n", 1)[0].decode()


def test_a_websocket_from_a_foreign_page_is_refused(server):
    assert _websocket_status(server.url, FOREIGN).startswith("HTTP/1.1 403")
    assert _websocket_status(server.url, f"http://127.0.0.1:{server.port + 1}").startswith("HTTP/1.1 403")
    assert _websocket_status(server.url, server.url).startswith("HTTP/1.1 101")


def test_cors_the_api_for_anyone_without_credentials_the_rest_for_the_app_only(server, erin):
    with httpx.Client(base_url=server.url) as client:
        preflight = client.options("/api/v1/agents/erin-expert/bookings", headers={
            "Origin": FOREIGN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, idempotency-key"})
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "access-control-allow-credentials" not in preflight.headers
        assert "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]
        slots = client.get("/api/v1/agents/erin-expert/slots?tz=UTC", headers={"Origin": FOREIGN})
        assert slots.headers["Access-Control-Allow-Origin"] == "*"
        assert "access-control-allow-credentials" not in slots.headers

        for path in ("/ping", "/session/cookie", "/_event/"):
            refused = client.options(path, headers={"Origin": FOREIGN, "Access-Control-Request-Method": "GET"})
            assert "access-control-allow-origin" not in refused.headers, path
        assert "access-control-allow-origin" not in client.get("/ping", headers={"Origin": FOREIGN}).headers
        own = client.get("/ping", headers={"Origin": server.url})
        assert own.headers["Access-Control-Allow-Origin"] == server.url


@pytest.fixture
def framing_site(server, erin, tmp_path):
    """Another site that frames a booking page (allowed) and the admin's Agents page (refused)."""
    with another_site(tmp_path, f'<iframe name="booking" title="Booking" src="{server.url}/book/erin-expert" '
                      'width="600" height="400"></iframe>'
                      f'<iframe name="admin" title="Admin" src="{server.url}/admin/agents" width="600" '
                      'height="400"></iframe>', title="Framing") as url:
        yield url


def test_another_site_may_frame_the_booking_page_but_not_the_admin_pages(server, framing_site, browser, shot):
    context = browser.new_context()  # this page breaks the CSP on purpose: not the checked `page`
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(framing_site)
    booking_frame = page.frame_locator("iframe[name=booking]")
    expect(booking_frame.get_by_role("heading", name="Erin Expert", level=1)).to_be_visible(timeout=30_000)
    page.wait_for_timeout(500)
    admin_frame = page.frame(name="admin")
    assert admin_frame is not None and admin_frame.url.startswith("chrome-error://")
    assert any("frame-ancestors 'none'" in line for line in console), console
    shot("framing-refused", page)
    context.close()
