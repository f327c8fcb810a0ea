"""Webhooks: deliveries per second to a local receiver (signed, each verified by the receiver with the
`standardwebhooks` library), and the added cost of webhooks on a booking.

On a temporary SQLite database: an admin, an agent open all day, a receiver on loopback. Prints
- bookings without endpoints (the baseline) and with 3 endpoints listening to every event, each the median time
  of one booking (the mails, notices and deliveries it writes in its transaction), and their ratio (target ≤ 1.1×);
- deliveries sent per second by one sender (`deliver_due`, 8 at a time), all verified.
Run: .venv/bin/python bench/webhooks.py [--bookings 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kite_app.config import settings  # noqa: E402
from kite_app.domain.accounts import Actor, Role  # noqa: E402
from kite_app.services import accounts, auth, availability, booking, calendar_settings, webhook_delivery  # noqa: E402
from kite_app.services import webhooks as webhook_service  # noqa: E402
from kite_app.services.booking import BookingRequest  # noqa: E402
from kite_app.wiring import connect_providers  # noqa: E402
from tests.conftest import migrate  # noqa: E402
from tests.seed import edit_form  # noqa: E402
from tests.servers.webhook_receiver import Receiver  # noqa: E402

EVENTS = ["meeting.booked", "meeting.confirmed", "meeting.declined", "meeting.rescheduled", "meeting.changed",
          "meeting.cancelled", "meeting.reassigned", "meeting.reminder_sent"]


def setup(directory: Path) -> tuple[Actor, str]:
    migrate(f"sqlite:///{directory / 'bench.db'}")
    connect_providers()
    now = datetime.now(UTC)
    accounts.create_first_admin(name="Alice Admin", email="alice@example.com", password="a long password 1", now=now)
    _t, user = auth.log_in(email="alice@example.com", password="a long password 1", now=now)
    admin = Actor(user_id=user["id"], role=Role.ADMIN)
    bob = accounts.create_agent(admin, name="Bob Agent", email="bob@example.com", time_zone="UTC",
                                password="a long password 1", now=now)
    actor = Actor(user_id=bob["id"], role=Role.AGENT)
    cal = calendar_settings.view(actor)["calendars"][0]["id"]
    days = {f"day_{d}": "on" for d in range(7)} | {f"hours_{d}": "00:00-24:00" for d in range(7)}
    calendar_settings.save(actor, edit_form(calendar_settings.SettingsForm(), blocking_calendars=[cal],
                                            destination_calendar=cal, durations="15", default_duration="15",
                                            slot_interval="15", min_notice="0", window_days="31", **days), now=now)
    return admin, bob["slug"]


def book_all(slug: str, starts: list[str], tag: str) -> list[float]:
    times = []
    for i, start in enumerate(starts):
        began = time.perf_counter()
        booking.book(BookingRequest(slug=slug, start=datetime.fromisoformat(start), duration=15, guest_name="Gus",
                                    guest_email=f"{tag}{i}@example.com", guest_time_zone="UTC"),
                     now=datetime.now(UTC))
        times.append(time.perf_counter() - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=60)
    args = parser.parse_args()
    settings.secret_key, settings.webhook_allow_http, settings.webhook_allow_private = "bench secret", True, True
    settings.booking_rate_per_minute = 10**6
    receiver = Receiver().start()
    with tempfile.TemporaryDirectory() as tmp:
        admin, slug = setup(Path(tmp))
        now = datetime.now(UTC)
        _page, slots = availability.page_and_slots(slug, start=now + timedelta(hours=1), end=now + timedelta(days=20),
                                                   duration=15, guest_zone="UTC", now=now)
        starts = [s["start"] for s in slots]
        n = args.bookings
        book_all(slug, starts[:5], "warm")
        baseline = book_all(slug, starts[5:5 + n], "plain")
        for _ in range(3):
            _view, secret = webhook_service.create(admin, url=receiver.url, events=EVENTS, now=now)
            receiver.secrets.append(secret)
        with_hooks = book_all(slug, starts[5 + n:5 + 2 * n], "hooked")
        began = time.perf_counter()
        sent = webhook_delivery.deliver_due()
        seconds = time.perf_counter() - began
    receiver.stop()
    verified = sum(p is not None for p in receiver.payloads())
    base, hooked = statistics.median(baseline), statistics.median(with_hooks)
    print(f"booking, no endpoints:       {base * 1000:7.2f} ms (baseline)")
    print(f"booking, 3 endpoints:        {hooked * 1000:7.2f} ms ({hooked / base:.2f}x; target <= 1.1x)")
    print(f"deliveries: {sent} sent in {seconds:.2f} s = {sent / seconds:.0f}/s; {verified} verified by the receiver")


if __name__ == "__main__":
    main()
