"""Shared fixtures: a migrated temporary database for service tests, the production server, and
Debian's Chromium for browser tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from alembic.config import Config

from alembic import command
from kite_app.persistence import db
from kite_app.wiring import connect_providers

connect_providers()  # as the app does when it starts

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# Where servers started by tests build the frontend (benchmarks use .web-bench); `.web` is ./run.sh's.
TEST_WEB_DIR = ROOT / ".web-tests"


def migrate(url: str) -> None:
    """Apply every Alembic migration to `url`, as `reflex db migrate` does."""
    db.use_database(url)
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    command.upgrade(cfg, "head")


@pytest.fixture(scope="session")
def postgres():
    from tests.servers.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    from tests.servers.redis import RedisServer

    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def caldav_servers(tmp_path_factory):
    """Radicale and Xandikos, real CalDAV servers, started once for the session (tests make their own users
    and calendars)."""
    from tests.servers.caldav import start

    servers = {kind: start(kind, tmp_path_factory.mktemp(kind)) for kind in ("radicale", "xandikos")}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A migrated, empty database: every service test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kite-test.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    migrate(url)
    yield url
    db.use_database(None)
    db.dispose(url)


@pytest.fixture
def now():
    return NOW


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`reflex run --env prod` on one port, in its own process group, with its own SQLite database
    unless given another `db_url` (production mode: PostgreSQL, REFLEX_REDIS_URL and KITE_WORKERS).

    Its production build goes to `web_dir` (REFLEX_WEB_WORKDIR), never to the checkout's `.web`: an
    app that `./run.sh` serves from the same checkout keeps its build (and its websocket port)."""

    def __init__(self, workdir: Path, extra_env: dict[str, str] | None = None, *, db_url: str | None = None,
                 web_dir: Path = TEST_WEB_DIR):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.db_url = db_url or f"sqlite:///{workdir / 'e2e.db'}"
        self.log_path = workdir / "server.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "KITE_PUBLIC_URL": self.url,
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "REFLEX_BUN_PATH": str(ROOT / ".tools/node_modules/bun/bin/bun.exe"),
            "PYTHONUNBUFFERED": "1",
            "REFLEX_WEB_WORKDIR": str(web_dir),
            "REFLEX_STATES_WORKDIR": str(workdir / ".states"),
            **(extra_env or {}),
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

    def processes(self) -> list[int]:
        """The server's processes: `reflex run`, gunicorn's master, and its workers."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        return found

    def backend_pids(self) -> list[int]:
        """gunicorn's master and its workers."""
        return [pid for pid in self.processes() if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()]

    def worker_pids(self) -> list[int]:
        """The backend worker processes (the leaves under gunicorn's master)."""
        return [pid for pid in self.backend_pids()
                if not any((task / "children").read_text().strip() for task in Path(f"/proc/{pid}/task").iterdir())]

    def memory_mib(self) -> float:
        """Memory of the backend (gunicorn's master and workers), in MiB: the sum of their proportional
        set sizes, so pages the forked workers share are counted once."""
        total = 0
        for pid in self.backend_pids():
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        return total / 1024

    def _group_running(self) -> bool:
        """Whether any process of the server's group still runs (zombies waiting to be reaped do not)."""
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
                if int(pgrp) == self.proc.pid and state != "Z":
                    return True
        return False

    def stop(self) -> None:
        """Stop the whole server: `reflex run` may exit before gunicorn's workers have closed their
        connections, and a later start on this port must not find them still answering."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (self.proc.poll() is None or self._group_running()):
            time.sleep(0.1)
        if self._group_running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    """A fresh database and a running production server for one test module (its SERVER_ENV added)."""
    srv = Server(tmp_path_factory.mktemp("server"), getattr(request.module, "SERVER_ENV", None))
    srv.migrate()
    srv.start()
    db.use_database(srv.db_url)  # the test process seeds and checks the same database
    yield srv
    db.use_database(None)
    srv.stop()


CHROMIUM = os.environ.get("KITE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


# Every page of every browser test reports Content-Security-Policy violations to its console (the browser
# also writes its own "Refused to ..." line), in every frame, the widget's included.
CSP_PROBE = ("document.addEventListener('securitypolicyviolation', e => console.error("
             "'CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' in ' + e.documentURI));")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Pages read British English (24-hour clock) unless a test opens a context of its own."""
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture
def context(context):
    """pytest-playwright's context for one test; the test fails if any page broke the CSP."""
    violations: list[str] = []
    context.add_init_script(CSP_PROBE)
    context.on("console", lambda m: violations.append(m.text)
               if "CSP violation" in m.text or "Content Security Policy" in m.text else None)
    yield context
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


AXE_IMPACTS = ("serious", "critical")


def accessibility_problems(target) -> list[str]:
    """axe-core's serious and critical WCAG 2.2 AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(target, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:4]}"
            for v in results.response["violations"] if v.get("impact") in AXE_IMPACTS]


@pytest.fixture
def shot(page):
    """Save a full-page screenshot under artifacts/screenshots/ (looked at when pages change), and check the
    page as shown with axe-core: no serious or critical accessibility violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, target=None):
        (target or page).screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        problems = accessibility_problems(target or page)
        assert not problems, f"{name}: accessibility violations:\n" + "\n".join(problems)

    return take


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run each module's tests together, in file order. pytest would otherwise gather the tests that
    use the browser (a parametrized session fixture) from every module first, splitting modules and
    starting their servers twice."""
    items.sort(key=lambda item: (str(item.path), item.location[1]))


def pytest_configure(config):
    # Reflex merges the metadata of each registered model; ours share one, hence a warning per table.
    config.addinivalue_line("filterwarnings", "ignore:Table '.*' already exists within the given MetaData")
