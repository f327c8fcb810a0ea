"""Real CalDAV servers on loopback, from PyPI: Radicale 3 (users with passwords, htpasswd) and Xandikos (one
user, no login of its own). Each runs in its own process with its own folder; calendars and events are made
through the server's own CalDAV (MKCALENDAR, PUT), as a calendar app would."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import niquests

from tests.conftest import free_port

MKCALENDAR = ('<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" '
              'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>{name}</d:displayname>'
              '<c:supported-calendar-component-set>{components}</c:supported-calendar-component-set>'
              '</d:prop></d:set></c:mkcalendar>')


class CalDAVServer:
    kind = ""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None
        self.passwords: dict[str, str] = {}

    def _wait(self) -> None:
        for _ in range(200):
            try:
                niquests.request("OPTIONS", self.url, timeout=1)
                return
            except niquests.exceptions.ConnectionError:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"{self.kind} exited: {self.log()}") from None
                time.sleep(0.05)
        raise RuntimeError(f"{self.kind} did not start: {self.log()}")

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def _auth(self, user: str):
        return (user, self.passwords.get(user, "x"))

    def request(self, method: str, url: str, user: str, body: str = "", headers: dict | None = None):
        return niquests.request(method, url, data=body.encode() if body else None, auth=self._auth(user),
                                headers=headers or {}, timeout=10)

    def calendar_url(self, user: str, slug: str) -> str:
        raise NotImplementedError

    def make_calendar(self, user: str, name: str, *, slug: str | None = None,
                      components: tuple[str, ...] = ("VEVENT", "VTODO", "VJOURNAL")) -> str:
        url = self.calendar_url(user, slug or uuid.uuid4().hex[:8])
        comps = "".join(f'<c:comp name="{c}"/>' for c in components)
        r = self.request("MKCALENDAR", url, user, MKCALENDAR.format(name=name, components=comps),
                         {"Content-Type": "application/xml"})
        assert r.status_code in (200, 201), (r.status_code, r.text)
        return url

    def put(self, calendar_url: str, user: str, ics: str, name: str | None = None) -> str:
        url = calendar_url + (name or uuid.uuid4().hex) + ".ics"
        r = self.request("PUT", url, user, ics, {"Content-Type": "text/calendar"})
        assert r.status_code in (200, 201, 204), (r.status_code, r.text)
        return url

    def get(self, url: str, user: str):
        return self.request("GET", url, user)

    def delete_url(self, url: str, user: str) -> None:
        r = self.request("DELETE", url, user)
        assert r.status_code in (200, 204), r.status_code


class Radicale(CalDAVServer):
    kind = "Radicale"

    def add_user(self, user: str, password: str) -> None:
        """A login (the server reads its htpasswd file at each request: a changed password counts at once)."""
        self.passwords[user] = password
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "users").write_text("".join(f"{u}:{p}\n" for u, p in self.passwords.items()))

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / "users").exists():
            (self.folder / "users").write_text("")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--storage-filesystem-folder", str(self.folder / "collections"),
             "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(self.folder / "users"),
             "--auth-htpasswd-encryption", "plain", "--auth-delay", "0", "--server-hosts", f"127.0.0.1:{self.port}",
             "--logging-level", "warning"],
            stdout=open(self.folder / "server.log", "w"), stderr=subprocess.STDOUT)
        self._wait()

    def calendar_url(self, user: str, slug: str) -> str:
        return f"{self.url}{user}/{slug}/"

    def make_calendar(self, user: str, name: str, *, slug: str | None = None,
                      components: tuple[str, ...] = ("VEVENT", "VTODO", "VJOURNAL")) -> str:
        self.request("PROPFIND", f"{self.url}{user}/", user, headers={"Depth": "0"})  # makes the user's home
        return super().make_calendar(user, name, slug=slug, components=components)


class Xandikos(CalDAVServer):
    kind = "Xandikos"
    USER = "user"  # its one principal, /user/

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "xandikos", "--defaults", "-d", str(self.folder / "data"), "-l", "127.0.0.1",
             "-p", str(self.port)], stdout=open(self.folder / "server.log", "w"), stderr=subprocess.STDOUT)
        self._wait()

    def calendar_url(self, user: str, slug: str) -> str:
        return f"{self.url}{self.USER}/calendars/{slug}/"


def start(kind: str, folder: Path) -> CalDAVServer:
    server: CalDAVServer = Radicale(folder) if kind == "radicale" else Xandikos(folder)
    server.start()
    return server


class Proxy:
    """A CalDAV server as another server would answer: requests pass through to `upstream`, and `change`
    (method, path, answer status, answer body) -> (status, body) rewrites what comes back (a server without
    sync-collection, say). `before` (method, path) runs before a request is passed on."""

    def __init__(self, upstream: str, *, change=None, before=None):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if proxy.before is not None:
                    proxy.before(self.command, self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                r = niquests.request(self.command, upstream.rstrip("/") + self.path, data=body or None,
                                     headers=headers, timeout=10, allow_redirects=False)
                status, content = r.status_code, r.content or b""
                if proxy.change is not None:
                    status, content = proxy.change(self.command, self.path, status, content)
                self.send_response(status)
                for key, value in r.headers.items():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection", "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = do_MKCALENDAR = _forward  # noqa: N815

            def log_message(self, *args):
                pass

        self.change, self.before = change, before
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.upstream = upstream
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def address(self, upstream_url: str) -> str:
        """`upstream_url` as reached through the proxy."""
        return upstream_url.replace(self.upstream, self.url)

    def stop(self) -> None:
        self.server.shutdown()
