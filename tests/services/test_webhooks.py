"""Webhooks: written with the change, signed per Standard Webhooks (checked by the `standardwebhooks` library in
a real receiver), retried, ordered, disabled when gone, never sent to private addresses unless allowed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from kite_app.config import settings
from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import PermissionDenied, ValidationError
from kite_app.persistence import webhooks as webhook_rows
from kite_app.persistence.accounts import users_with_role
from kite_app.persistence.db import transaction
from kite_app.persistence.integration_models import WebhookDelivery, WebhookEndpoint
from kite_app.persistence.models import Meeting, OutboxMail
from kite_app.providers import webhook_http
from kite_app.services import booking, meeting_changes, reminders, teams, webhook_delivery, webhooks
from tests.servers.webhook_receiver import Receiver
from tests.services.test_booking import MON_10, req
from tests.services.test_google_faults import SQLITE
from tests.services.test_teams import DAY, team_form, two_agents  # noqa: F401 - a fixture used below
from tests.services.test_teams import NOW as TEAM_NOW
from tests.services.test_teams import book as team_book

NOW = MON_10 - timedelta(days=3)  # Friday before
ALL = ["meeting.booked", "meeting.confirmed", "meeting.declined", "meeting.rescheduled", "meeting.changed",
       "meeting.cancelled", "meeting.reassigned", "meeting.reminder_sent"]


@pytest.fixture
def hooks(open_agent, monkeypatch):
    """Bob's page open, an admin, webhooks allowed to a receiver on loopback over http, retries 1, 2, 3 s."""
    monkeypatch.setattr(settings, "secret_key", "a long random secret for the tests")
    monkeypatch.setattr(settings, "webhook_allow_http", True)
    monkeypatch.setattr(settings, "webhook_allow_private", True)
    monkeypatch.setattr(settings, "webhook_retry_seconds", "1,2,3")
    receiver = Receiver().start()
    yield admin_actor(), receiver
    receiver.stop()


def admin_actor():
    with transaction() as s:
        return Actor(user_id=users_with_role(s, "admin")[0].id, role=Role.ADMIN)


def endpoint(actor, receiver, events=ALL, **kw):
    view, secret = webhooks.create(actor, url=receiver.url, events=events, now=NOW, **kw)
    receiver.secrets.append(secret)
    return view, secret


def deliveries():
    with transaction() as s:
        return s.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def test_a_booking_is_delivered_once_signed_and_its_id_is_stable(hooks):
    actor, receiver = hooks
    view, secret = endpoint(actor, receiver)
    assert secret.startswith("whsec_")
    with transaction() as s:  # the secret is sealed, never stored as it is
        assert secret not in s.exec(select(WebhookEndpoint)).one().sealed_secret
    meeting = booking.book(req(subject="Pricing"), now=NOW)
    # written with the booking, before anything was sent: a crash now still delivers it after a restart
    assert [d.status for d in deliveries()] == ["pending"] and receiver.received == []
    assert webhook_delivery.deliver_due(now=NOW) == 1
    assert webhook_delivery.deliver_due(now=NOW + timedelta(minutes=5)) == 0  # once
    (got,) = receiver.payloads()
    assert got["type"] == "meeting.booked" and got["data"]["subject"] == "Pricing"
    assert got["data"]["id"] > 0 and got["data"]["status"] == "pending" and got["data"]["agent_slug"] == "bob-agent"
    assert "manage_token" not in got["data"] and "manage_url" not in got["data"]
    assert got["data"]["start"] == meeting["start"] and got["data"]["guest_email"] == "gus@example.com"
    headers = receiver.received[0]["headers"]
    assert headers["webhook-id"].startswith("msg_") and headers["webhook-signature"].startswith("v1,")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60  # when it was sent
    log = webhooks.deliveries(actor, view["id"])
    assert [(r["event"], r["status"], r["delivery_status"]) for r in log] == [("meeting.booked", "200", "delivered")]
    assert secret not in str(log)


def test_a_meetings_life_arrives_in_order_with_what_changed(hooks):
    actor, receiver = hooks
    endpoint(actor, receiver)
    m = booking.book(req(), now=NOW)
    meeting_id = deliveries()[0].meeting_id
    meeting_changes.confirm_meeting(meeting_id, now=NOW)
    meeting_changes.change_meeting(meeting_id, by="agent", now=NOW, start=MON_10 + timedelta(hours=1))
    meeting_changes.change_meeting(meeting_id, by="agent", now=NOW, subject="New subject")
    meeting_changes.delete_meeting(meeting_id, by="guest", now=NOW, reason="Found the answer")
    webhook_delivery.deliver_due(now=NOW)
    assert receiver.types() == ["meeting.booked", "meeting.confirmed", "meeting.rescheduled", "meeting.changed",
                                "meeting.cancelled"]
    moved, renamed, cancelled = (p["data"] for p in receiver.payloads()[2:])
    assert moved["previous"]["start"] == m["start"] and moved["start"] != m["start"]
    assert renamed["previous"]["subject"] == "" and renamed["subject"] == "New subject"
    assert (cancelled["status"], cancelled["cancelled_by"], cancelled["cancel_reason"]) == (
        "cancelled", "guest", "Found the answer")


def test_a_failed_delivery_is_tried_again_with_the_same_id_and_a_later_event_waits(hooks):
    actor, receiver = hooks
    endpoint(actor, receiver)
    receiver.answers.append((500, {}, 0))
    booking.book(req(), now=NOW)
    meeting_changes.confirm_meeting(deliveries()[0].meeting_id, now=NOW)
    webhook_delivery.deliver_due(now=NOW)
    assert receiver.types() == ["meeting.booked"]  # failed; "confirmed" waits behind it
    first = deliveries()[0]
    assert first.status == "pending" and first.attempts == 1 and first.last_status == 500
    assert timedelta(seconds=1) <= first.next_attempt_at - NOW <= timedelta(seconds=1.1)  # 1 s (+ jitter)
    webhook_delivery.deliver_due(now=NOW + timedelta(seconds=2))
    assert receiver.types() == ["meeting.booked", "meeting.booked", "meeting.confirmed"]
    ids = [r["headers"]["webhook-id"] for r in receiver.received]
    assert ids[0] == ids[1] != ids[2]
    assert [d.status for d in deliveries()] == ["delivered", "delivered"]


def test_gone_disables_the_endpoint_and_tells_the_admins(hooks):
    actor, receiver = hooks
    view, _ = endpoint(actor, receiver)
    receiver.answers.append((410, {}, 0))
    booking.book(req(), now=NOW)
    webhook_delivery.deliver_due(now=NOW)
    got = webhooks.endpoint(actor, view["id"])
    assert (got["enabled"], got["disabled_reason"]) == (False, "gone")
    with transaction() as s:
        mail = s.exec(select(OutboxMail).where(OutboxMail.kind == "integration_problem")).one()
    assert mail.to_email == "alice@example.com" and receiver.url in mail.body_text and "410" in mail.body_text
    meeting_changes.confirm_meeting(deliveries()[0].meeting_id, now=NOW)
    assert len(deliveries()) == 1  # a disabled endpoint gets nothing new


def test_the_last_failed_retry_disables_and_replay_sends_again(hooks):
    actor, receiver = hooks
    view, _ = endpoint(actor, receiver)
    receiver.answers.extend([(503, {}, 0)] * 4)
    booking.book(req(), now=NOW)
    at = NOW
    for _ in range(4):
        webhook_delivery.deliver_due(now=at)
        at += timedelta(seconds=5)
    assert len(receiver.received) == 4 and deliveries()[0].status == "failed"
    assert webhooks.endpoint(actor, view["id"])["disabled_reason"] == "failing"
    assert [r["attempt"] for r in webhooks.deliveries(actor, view["id"], status="failed")] == [4, 3, 2, 1]
    webhooks.update(actor, view["id"], enabled=True, now=at)
    assert webhooks.replay_failed(actor, view["id"], since=NOW - timedelta(hours=1), now=at) == 1
    webhook_delivery.deliver_due(now=at)
    assert deliveries()[0].status == "delivered" and len(receiver.received) == 5
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1


def test_retry_after_is_honoured_and_a_redirect_is_a_failure(hooks):
    actor, receiver = hooks
    endpoint(actor, receiver)
    receiver.answers.extend([(429, {"Retry-After": "120"}, 0), (302, {"Location": "http://example.com/"}, 0)])
    booking.book(req(), now=NOW)
    webhook_delivery.deliver_due(now=NOW)
    assert deliveries()[0].next_attempt_at - NOW >= timedelta(seconds=120)
    webhook_delivery.deliver_due(now=NOW + timedelta(seconds=121))
    first = deliveries()[0]
    assert first.status == "pending" and first.last_status == 302 and len(receiver.received) == 2


def test_a_slow_receiver_times_out(hooks, monkeypatch):
    actor, receiver = hooks
    monkeypatch.setattr(webhook_http, "TIMEOUT", 0.5)
    endpoint(actor, receiver)
    receiver.answers.append((200, {}, 2.0))
    booking.book(req(), now=NOW)
    webhook_delivery.deliver_due(now=NOW)
    first = deliveries()[0]
    assert first.status == "pending" and first.last_status is None and "Timeout" in first.last_error


def test_private_addresses_are_refused_at_creation_and_at_send_time(hooks, monkeypatch):
    actor, receiver = hooks
    view, _ = endpoint(actor, receiver)  # allowed while KITE_WEBHOOK_ALLOW_PRIVATE is set
    monkeypatch.setattr(settings, "webhook_allow_private", False)
    for url in (receiver.url, "http://localhost/x", "http://169.254.169.254/latest", "http://10.1.2.3/"):
        with pytest.raises(ValidationError) as info:
            webhooks.create(actor, url=url, events=ALL, now=NOW)
        assert "private or local" in info.value.errors["url"]
    monkeypatch.setattr(settings, "webhook_allow_http", False)
    with pytest.raises(ValidationError) as info:
        webhooks.create(actor, url="http://example.com/hook", events=ALL, now=NOW)
    assert "https" in info.value.errors["url"]
    booking.book(req(), now=NOW)  # the existing endpoint's name now leads inside: refused when sending
    webhook_delivery.deliver_due(now=NOW)
    assert receiver.received == [] and "private or local" in deliveries()[0].last_error


def test_two_senders_send_each_delivery_once(hooks):
    actor, receiver = hooks
    endpoint(actor, receiver)
    for hour in (0, 4, 5):  # 10:00, 14:00, 15:00 in Berlin
        booking.book(req(start=MON_10 + timedelta(hours=hour), guest_email=f"g{hour}@example.com"), now=NOW)
    barrier = threading.Barrier(2)

    def sender():
        barrier.wait()
        webhook_delivery.deliver_due(now=NOW)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [r["headers"]["webhook-id"] for r in receiver.received]
    assert len(ids) == 3 and len(set(ids)) == 3


@SQLITE
def test_a_rotated_secret_signs_with_both_for_a_day(hooks):
    actor, receiver = hooks
    view, old = endpoint(actor, receiver)
    new = webhooks.rotate_secret(actor, view["id"], now=NOW)
    receiver.secrets[:] = [new]
    webhooks.send_test(actor, view["id"], now=NOW)
    webhook_delivery.deliver_due(now=NOW)
    receiver.secrets[:] = [old]
    webhooks.send_test(actor, view["id"], now=NOW + timedelta(hours=1))
    webhook_delivery.deliver_due(now=NOW + timedelta(hours=1))
    webhooks.send_test(actor, view["id"], now=NOW + timedelta(hours=25))
    webhook_delivery.deliver_due(now=NOW + timedelta(hours=25))
    assert receiver.types() == ["ping", "ping", "UNVERIFIED"]  # the old one stops signing after 24 hours
    assert len(receiver.received[0]["headers"]["webhook-signature"].split(" ")) == 2


@SQLITE
def test_filters_events_and_only_admins(hooks, bob):
    actor, receiver = hooks
    with pytest.raises(PermissionDenied):
        webhooks.endpoints(bob[0])
    with pytest.raises(ValidationError):
        webhooks.create(actor, url=receiver.url, events=["meeting.exploded"], now=NOW)
    with pytest.raises(ValidationError):
        webhooks.create(actor, url=receiver.url, events=ALL, agent_slug="nobody", now=NOW)
    endpoint(actor, receiver, events=["meeting.cancelled"], agent_slug="bob-agent")
    other = Receiver().start()
    try:
        team_only, _ = endpoint(actor, other)
        webhooks.update(actor, team_only["id"], now=NOW, agent_slug="", team_slug="")
        with transaction() as s:  # a team filter: this agent's own page is not the team's
            s.get(WebhookEndpoint, team_only["id"]).team_id = 999_999
        booking.book(req(), now=NOW)
        meeting_changes.delete_meeting(_only_meeting(), by="agent", now=NOW)
        webhook_delivery.deliver_due(now=NOW)
        assert receiver.types() == ["meeting.cancelled"] and other.received == []
    finally:
        other.stop()


def _only_meeting() -> int:
    with transaction() as s:
        return s.exec(select(Meeting)).one().id


def test_no_secret_key_no_endpoint(hooks, monkeypatch):
    actor, receiver = hooks
    monkeypatch.setattr(settings, "secret_key", "")
    with pytest.raises(Exception) as info:
        webhooks.create(actor, url=receiver.url, events=ALL, now=NOW)
    assert "KITE_SECRET_KEY" in str(info.value)


@SQLITE
def test_a_decline_and_a_reminder_are_events_too(hooks):
    actor, receiver = hooks
    endpoint(actor, receiver)
    booking.book(req(), now=NOW)
    booking.book(req(start=MON_10 + timedelta(hours=4), guest_email="g2@example.com"), now=NOW)
    first, second = sorted({d.meeting_id for d in deliveries()})
    meeting_changes.confirm_meeting(first, now=NOW, answer=False)
    assert reminders.send_due(now=MON_10 + timedelta(hours=3)) >= 1  # the second one's reminder is due
    webhook_delivery.deliver_due(now=MON_10 + timedelta(hours=3))
    got = [(p["type"], p["data"]["id"]) for p in receiver.payloads()]
    assert ("meeting.declined", first) in got and ("meeting.reminder_sent", second) in got
    declined = next(p["data"] for p in receiver.payloads() if p["type"] == "meeting.declined")
    assert (declined["status"], declined["cancelled_by"]) == ("cancelled", "agent")


@SQLITE
def test_a_sender_that_died_while_sending_is_taken_over_with_the_same_id(hooks):
    actor, receiver = hooks
    endpoint(actor, receiver)
    booking.book(req(), now=NOW)
    (delivery,) = deliveries()
    with transaction() as s:  # a worker claimed it and was killed before it could record the answer
        assert webhook_rows.claim(s, delivery.id, NOW, NOW + webhook_delivery.CLAIM)
    assert webhook_delivery.deliver_due(now=NOW + timedelta(seconds=30)) == 0  # its claim still holds
    assert webhook_delivery.deliver_due(now=NOW + webhook_delivery.CLAIM + timedelta(seconds=1)) == 1
    assert receiver.types() == ["meeting.booked"] and deliveries()[0].status == "delivered"
    assert receiver.received[0]["headers"]["webhook-id"] == delivery.msg_id


@SQLITE
def test_a_reassigned_team_meeting_names_its_previous_host_and_a_team_filter_applies(two_agents, monkeypatch):  # noqa: F811
    monkeypatch.setattr(settings, "secret_key", "a long random secret for the tests")
    monkeypatch.setattr(settings, "webhook_allow_http", True)
    monkeypatch.setattr(settings, "webhook_allow_private", True)
    admin, ann, ben = two_agents
    teams.save_team(admin, team_form({ann["id"]: "1", ben["id"]: "1"}), now=TEAM_NOW)
    receiver = Receiver().start()
    try:
        endpoint(admin, receiver, team_slug="support")
        m = team_book("support", DAY)
        booking.book(req(slug=ann["slug"], start=DAY + timedelta(hours=2)), now=TEAM_NOW)  # not the team's
        first, second = (ann, ben) if m["agent_slug"] == ann["slug"] else (ben, ann)
        moved = teams.reassign(admin, m["id"], second["id"], now=TEAM_NOW)
        webhook_delivery.deliver_due(now=TEAM_NOW)
        assert receiver.types() == ["meeting.booked", "meeting.reassigned"]
        data = receiver.payloads()[1]["data"]
        assert data["id"] == moved["id"] != m["id"] and data["agent_slug"] == second["slug"]
        assert data["previous"]["agent_slug"] == first["slug"] and data["team"] == "support"
        assert data["previous"]["id"] == m["id"]
    finally:
        receiver.stop()


@SQLITE
def test_every_wrong_field_is_said_at_once_and_nothing_is_saved(hooks, monkeypatch):
    actor, _receiver = hooks
    monkeypatch.setattr(settings, "webhook_allow_http", False)
    with pytest.raises(ValidationError) as info:
        webhooks.create(actor, url="http://example.com/h", events=[], description="x" * 201, now=NOW)
    assert set(info.value.errors) == {"url", "events", "description"}
    assert webhooks.endpoints(actor) == []
