"""Production mode: the production server with two backend workers, PostgreSQL, Redis for Reflex's
state, and a real SMTP server, all on loopback."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from kite_app.persistence import db
from kite_app.persistence.db import transaction
from kite_app.persistence.models import OutboxMail
from tests.conftest import Server
from tests.servers.smtp import SmtpServer


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def production_env(redis_url: str, smtp: SmtpServer) -> dict[str, str]:
    return {"REFLEX_REDIS_URL": redis_url, "KITE_WORKERS": "2", "KITE_BOOKING_RATE_PER_MINUTE": "100000",
            "KITE_HOLD_RATE_PER_MINUTE": "100000",
            "KITE_SMTP_HOST": "127.0.0.1", "KITE_SMTP_PORT": str(smtp.port), "KITE_SMTP_SECURITY": "none",
            "KITE_MAIL_FROM": "kite@example.com", "KITE_DISPATCH_SECONDS": "0.5", "KITE_REMINDER_SECONDS": "0.5",
            "KITE_MAIL_RETRY_SECONDS": "1"}


def start_production_server(workdir, db_url: str, redis_url: str, smtp: SmtpServer) -> Server:
    srv = Server(workdir, production_env(redis_url, smtp), db_url=db_url)
    srv.migrate()
    srv.start()
    db.use_database(srv.db_url)  # the test process seeds and checks the same database
    return srv


@pytest.fixture(scope="module")
def server(postgres, redis_server, smtp, tmp_path_factory):
    """Two workers on a fresh PostgreSQL database of the session's server."""
    srv = start_production_server(tmp_path_factory.mktemp("prod"), postgres.new_database(), redis_server.url, smtp)
    yield srv
    db.use_database(None)
    srv.stop()
    db.dispose(srv.db_url)


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def all_mail_sent() -> bool:
    """Every mail in the outbox has gone out."""
    with transaction(read_only=True) as s:
        return not s.exec(select(OutboxMail.id).where(OutboxMail.sent_at.is_(None))).first()
