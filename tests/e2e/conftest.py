"""End-to-end fixtures: the production build served on a free port, and Debian's Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kite_app.persistence import db
from tests.conftest import ROOT

CHROMIUM = os.environ.get("KITE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`reflex run --env prod` on one port with its own SQLite database, in its own process group."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.db_url = f"sqlite:///{workdir / 'e2e.db'}"
        self.log_path = workdir / "server.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "KITE_PUBLIC_URL": self.url,
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "REFLEX_BUN_PATH": str(ROOT / ".tools/node_modules/bun/bin/bun.exe"),
            "PYTHONUNBUFFERED": "1",
        }
        self.proc: subprocess.Popen | None = None

    def reflex(self) -> str:
        return str(Path(sys.executable).parent / "reflex")

    def migrate(self) -> None:
        subprocess.run([self.reflex(), "db", "migrate"], cwd=ROOT, env=self.env, check=True, capture_output=True)

    def start(self, timeout: float = 240) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.reflex(), "run", "--env", "prod", "--frontend-port", str(self.port),
             "--backend-port", str(self.port), "--loglevel", "info"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-4000:]}")
            try:
                if httpx.get(self.url + "/ping", timeout=2).status_code == 200 and \
                        httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"server did not start in {timeout}s:\n{self.log_path.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A fresh database and a running production server for one test module."""
    srv = Server(tmp_path_factory.mktemp("server"))
    srv.migrate()
    srv.start()
    db.use_database(srv.db_url)  # the test process seeds and checks the same database
    yield srv
    db.use_database(None)
    srv.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def shot(page):
    """Save a full-page screenshot under artifacts/screenshots/ (looked at when pages change)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, target=None):
        (target or page).screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
