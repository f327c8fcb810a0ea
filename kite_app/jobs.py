"""Background jobs, started with the backend (a Reflex lifespan task): the outbox dispatcher,
webhook deliveries, reminders, and calendar sync (waiting event writes, the agents' answers). Each claims or re-checks
its rows in the database, so several workers can run them side by side."""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from datetime import UTC, datetime

import anyio.to_thread
from apscheduler.schedulers.background import BackgroundScheduler

from kite_app.config import settings
from kite_app.persistence.db import DATABASE_UNAVAILABLE
from kite_app.providers.mail.dispatcher import dispatch
from kite_app.services import calendar_sync, microsoft_install, microsoft_push, reminders, watches, webhook_delivery

log = logging.getLogger(__name__)


def _quiet_while_the_database_is_down(job):
    """A run that cannot reach the database logs one line, not a traceback; the next run tries again."""

    @functools.wraps(job)
    def run() -> None:
        try:
            job()
        except DATABASE_UNAVAILABLE as exc:
            log.warning("%s skipped, the database is unavailable: %s", job.__name__, str(exc.orig).strip())

    return run


@_quiet_while_the_database_is_down
def send_reminders() -> None:
    reminders.send_due(now=datetime.now(UTC))


@_quiet_while_the_database_is_down
def send_mail() -> None:
    dispatch(now=datetime.now(UTC))


@_quiet_while_the_database_is_down
def sync_calendars() -> None:
    """Calendar writes that waited for the calendar to come back, the agents' answers, push channels."""
    now = datetime.now(UTC)
    calendar_sync.retry_calendar_writes(now=now)
    calendar_sync.sync_answers(now=now)
    watches.renew_watches(now=now)
    microsoft_push.ensure_subscription(microsoft_install.provider(), now=now)


@contextlib.asynccontextmanager
async def request_threads():
    """The threads that run the REST API's requests: KITE_REQUEST_THREADS per worker (anyio's default is 40)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
    yield


@contextlib.asynccontextmanager
async def background_jobs():
    """Run both jobs at start-up (anything missed while the server was down goes out) and then regularly."""
    scheduler = BackgroundScheduler(timezone=UTC)
    now = datetime.now(UTC)
    scheduler.add_job(send_reminders, "interval", seconds=settings.reminder_seconds, next_run_time=now,
                      id="reminders", max_instances=1, coalesce=True)
    scheduler.add_job(send_mail, "interval", seconds=settings.dispatch_seconds, next_run_time=now,
                      id="outbox", max_instances=1, coalesce=True)
    scheduler.add_job(sync_calendars, "interval", seconds=settings.calendar_sync_seconds, next_run_time=now,
                      id="calendars", max_instances=1, coalesce=True)
    scheduler.start()
    stop = threading.Event()  # webhooks go out as soon as a change commits, and every KITE_DISPATCH_SECONDS
    threading.Thread(target=webhook_delivery.run_forever, args=(stop,), daemon=True, name="webhooks").start()
    log.info("background jobs started")
    try:
        yield
    finally:
        stop.set()
        webhook_delivery.wake()
        scheduler.shutdown(wait=False)
