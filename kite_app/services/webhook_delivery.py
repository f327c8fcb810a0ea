"""Sending webhook deliveries, per Standard Webhooks v1: each is claimed by one sender (several workers may
run), signed at each try (`webhook-timestamp` is the try's), tried again on the KITE_WEBHOOK_RETRY_SECONDS
schedule; after the last try fails the endpoint is disabled and the admins are told."""

from __future__ import annotations

import logging
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial

from standardwebhooks.webhooks import Webhook

from kite_app import i18n
from kite_app.config import settings
from kite_app.domain.accounts import Role
from kite_app.domain.text import msg
from kite_app.domain.webhooks import GONE, RETRY_STATUSES, next_wait, retry_after_seconds, retry_waits
from kite_app.persistence import accounts as users
from kite_app.persistence import webhooks as q
from kite_app.persistence.db import DATABASE_UNAVAILABLE, must_get, transaction
from kite_app.persistence.integration_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from kite_app.persistence.models import OutboxMail
from kite_app.providers.webhook_http import Answer, post
from kite_app.services import secret_box

log = logging.getLogger(__name__)
CLAIM = timedelta(seconds=60)  # longer than a try can take (15 s): a crashed sender's claim runs out
BATCH = 50
SENDERS = 8  # deliveries sent at once: a slow receiver does not hold up the others


def signature(endpoint: WebhookEndpoint, msg_id: str, at: datetime, body: str, *,
              rotation_checked_at: datetime) -> str:
    """`webhook-signature`: v1,<base64 HMAC-SHA256 of id.timestamp.body> (`at`: the timestamp); after a rotation,
    also with the previous secret (space-separated) until it runs out."""
    sealed = [endpoint.sealed_secret]
    if endpoint.previous_secret and endpoint.previous_until and endpoint.previous_until > rotation_checked_at:
        sealed.append(endpoint.previous_secret)
    signatures = []
    for secret in filter(None, (secret_box.unseal(s) for s in sealed)):
        signatures.append(Webhook(secret).sign(msg_id, at, body))
    return " ".join(signatures)


def _send(delivery_id: int, now: datetime) -> None:
    with transaction(read_only=True) as s:
        delivery = must_get(s, WebhookDelivery, delivery_id)
        endpoint = must_get(s, WebhookEndpoint, delivery.endpoint_id)
    sent_at = datetime.now(UTC)  # webhook-timestamp: when it is sent (receivers refuse old ones: replays)
    signed = signature(endpoint, delivery.msg_id, sent_at, delivery.body, rotation_checked_at=now)
    if not signed:
        answer = Answer(None, 0, "the endpoint's secret cannot be read: KITE_SECRET_KEY is missing or changed")
    else:
        answer = post(endpoint.url, delivery.body.encode(), {
            "content-type": "application/json", "user-agent": "Kite-Scheduler-Webhooks/1",
            "webhook-id": delivery.msg_id, "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signed}, allow_private=settings.webhook_allow_private)
    _record(delivery_id, answer, now)


def _record(delivery_id: int, answer: Answer, now: datetime) -> None:
    """The try's outcome: delivered (2xx), or the next try scheduled; the last try failed, or 410: the endpoint
    is disabled and the admins hear of it once."""
    ok = answer.status is not None and 200 <= answer.status < 300
    disable = ""
    with transaction() as s:
        delivery = must_get(s, WebhookDelivery, delivery_id)
        delivery.attempts += 1
        delivery.claimed_until, delivery.last_status = None, answer.status
        s.add(WebhookAttempt(delivery_id=delivery.id, attempt=delivery.attempts, at=now, status=answer.status,
                             milliseconds=answer.milliseconds, response=answer.body[:1024]))
        if ok:
            delivery.status, delivery.last_error = "delivered", ""
        else:
            delivery.last_error = (f"HTTP {answer.status}" if answer.status is not None else answer.body)[:300]
            retry_after = retry_after_seconds(answer.retry_after) if answer.status in RETRY_STATUSES else None
            wait = None if answer.status == GONE else next_wait(
                delivery.attempts, retry_waits(settings.webhook_retry_seconds), random.random(), retry_after)
            if wait is None:
                delivery.status = "failed"
                disable = "gone" if answer.status == GONE else "failing"
            else:
                delivery.next_attempt_at = now + wait
        s.add(delivery)
        if disable:
            _disable(s, delivery.endpoint_id, disable, now)
        attempts, error = delivery.attempts, delivery.last_error
    if not ok:
        log.info("webhook %s: try %s failed (%s)", delivery_id, attempts, error)


def _disable(s, endpoint_id: int, reason: str, now: datetime) -> None:
    endpoint = must_get(s, WebhookEndpoint, endpoint_id)
    if not endpoint.enabled:
        return
    endpoint.enabled, endpoint.disabled_reason, endpoint.updated_at = False, reason, now
    s.add(endpoint)
    why = (msg("The receiver answered 410 Gone.") if reason == "gone"
           else msg("Its deliveries kept failing for the whole retry schedule."))
    for admin in users.users_with_role(s, Role.ADMIN.value):
        tr = partial(i18n.say, admin.language or i18n.DEFAULT)
        s.add(OutboxMail(kind="integration_problem", to_email=admin.email, created_at=now,
                         subject=tr("A webhook endpoint was disabled in Kite Scheduler"),
                         body_text=tr(msg("Kite disabled the webhook endpoint {url}.", url=endpoint.url)) + " "
                         + tr(why) + "\n\n" + tr(msg("Fix the receiver, enable the endpoint on the Webhooks page and "
                                                      "replay the failed deliveries."))))
    log.warning("webhook endpoint %s disabled (%s)", endpoint.url, reason)


def deliver_due(*, now: datetime | None = None) -> int:
    """Send every delivery that is due (claimed one by one, so each goes out once with several workers).
    Returns how many were tried."""
    tried = 0
    for _ in range(20):  # a meeting's next event becomes due when its earlier one is delivered
        at = now or datetime.now(UTC)
        with transaction(read_only=True) as s:
            ids = q.due(s, at, BATCH)
        claimed = []
        for delivery_id in ids:
            with transaction() as s:
                if q.claim(s, delivery_id, at, at + CLAIM):
                    claimed.append(delivery_id)
        if not claimed:
            break
        with ThreadPoolExecutor(SENDERS, thread_name_prefix="webhook") as pool:
            list(pool.map(partial(_try, now=at), claimed))
        tried += len(claimed)
    return tried


def _try(delivery_id: int, *, now: datetime) -> None:
    try:
        _send(delivery_id, now)
    except Exception:  # noqa: BLE001 - its claim runs out and the next run tries again
        log.exception("webhook delivery %s could not be sent", delivery_id)


_wakeup = threading.Event()


def wake() -> None:
    """A delivery was committed: the sender loop (started with the backend) sends it now, not at its next tick."""
    _wakeup.set()


def run_forever(stop: threading.Event) -> None:
    """The backend's sender loop: due deliveries whenever woken, and every KITE_DISPATCH_SECONDS."""
    while not stop.is_set():
        _wakeup.wait(settings.dispatch_seconds)
        _wakeup.clear()
        try:
            deliver_due()
        except DATABASE_UNAVAILABLE as exc:
            log.warning("webhooks skipped, the database is unavailable: %s", str(exc.orig).strip())
        except Exception:  # noqa: BLE001 - the loop must keep running
            log.exception("webhook sender run failed")
