"""Background jobs, started with the backend (a Reflex lifespan task): the outbox dispatcher and
reminders. Both claim their rows in the database, so several workers can run them side by side."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from kite_app.config import settings
from kite_app.providers.mail.dispatcher import dispatch
from kite_app.services import reminders

log = logging.getLogger(__name__)


def send_reminders() -> None:
    reminders.send_due(now=datetime.now(UTC))


def send_mail() -> None:
    dispatch(now=datetime.now(UTC))


@contextlib.asynccontextmanager
async def background_jobs():
    """Run both jobs at start-up (anything missed while the server was down goes out) and then regularly."""
    scheduler = BackgroundScheduler(timezone=UTC)
    now = datetime.now(UTC)
    scheduler.add_job(send_reminders, "interval", seconds=settings.reminder_seconds, next_run_time=now,
                      id="reminders", max_instances=1, coalesce=True)
    scheduler.add_job(send_mail, "interval", seconds=settings.dispatch_seconds, next_run_time=now,
                      id="outbox", max_instances=1, coalesce=True)
    scheduler.start()
    log.info("background jobs started")
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
