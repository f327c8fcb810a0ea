"""After "Schedule": the agent sees the conversation appear live, confirms and reschedules; the guest sees
each notice live; a real SMTP server receives the right mails; a reminder due across a restart goes out once."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from kite_app.services import booking
from kite_app.services.booking import BookingRequest
from tests.e2e.helpers import book_first_slot, day_with_times, log_in
from tests.seed import AGENT_PASSWORD, open_agent
from tests.servers.smtp import SmtpServer, ics_of, text_of

SMTP = SmtpServer()
SERVER_ENV = {"KITE_SMTP_HOST": "127.0.0.1", "KITE_SMTP_PORT": str(SMTP.port), "KITE_SMTP_SECURITY": "none",
              "KITE_MAIL_FROM": "kite@example.com", "KITE_DISPATCH_SECONDS": "1", "KITE_REMINDER_SECONDS": "1"}
GUEST_TZ = "America/New_York"


@pytest.fixture(scope="module")
def smtp():
    SMTP.start()
    yield SMTP
    SMTP.stop()


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_conversation_actions_and_mails_live(server, smtp, browser: Browser, page: Page, shot):
    open_agent("Erin Expert", "erin@example.com", time_zone="Europe/Berlin", min_notice="120")
    agent = page
    log_in(agent, server.url, "erin@example.com", AGENT_PASSWORD)
    agent.get_by_role("link", name="Inbox").click()
    expect(agent.get_by_text("No conversations yet.")).to_be_visible()

    guest = browser.new_context(timezone_id=GUEST_TZ).new_page()
    book_first_slot(guest, server.url, "erin-expert", "Onboarding", "Gus Guest", "gus@example.com")
    expect(guest.get_by_role("heading", name="Conversation with Erin Expert")).to_be_visible()

    # the conversation appears in the agent's Inbox without a reload
    expect(agent.get_by_role("button", name="Conversation with Gus Guest")).to_be_visible(timeout=10000)
    log = agent.get_by_role("log", name="Messages")
    expect(log).to_contain_text("Meeting booked for")
    expect(log).to_contain_text("(Europe/Berlin)")
    shot("inbox", agent)

    guest.get_by_role("textbox", name="Message").fill("Looking forward to it!")
    guest.get_by_role("button", name="Send").click()
    expect(log).to_contain_text("Looking forward to it!", timeout=10000)

    agent.get_by_role("button", name=re.compile("^Confirm ")).click()
    guest_log = guest.get_by_role("log", name="Messages")
    expect(guest_log).to_contain_text("Erin Expert confirmed the meeting on", timeout=10000)
    expect(guest_log).to_contain_text(f"({GUEST_TZ})")
    expect(guest.get_by_text("Confirmed", exact=True)).to_be_visible()

    agent.get_by_role("button", name=re.compile("^Reschedule ")).click()
    dialog = agent.get_by_role("dialog")
    day_with_times(dialog, 4).nth(3).click()
    shot("reschedule", agent)
    dialog.get_by_role("button", name="Move meeting").click()
    expect(agent.get_by_role("status")).to_have_text("Meeting rescheduled.")
    expect(guest_log).to_contain_text("Meeting rescheduled by Erin Expert: was", timeout=10000)
    shot("guest-conversation", guest)

    agent.get_by_role("link", name="Meetings").click()
    expect(agent.get_by_role("heading", name="Meetings")).to_be_visible()
    expect(agent.get_by_text("Gus Guest · gus@example.com")).to_be_visible()
    shot("meetings", agent)

    # mails: booked (both), confirmed (guest), changed (both), each in the reader's zone with an invite
    assert wait_for(lambda: len(smtp.to("gus@example.com")) >= 3 and len(smtp.to("erin@example.com")) >= 2)
    to_guest = smtp.to("gus@example.com")
    assert [m["Subject"].split(":")[0] for m in to_guest] == ["New meeting", "Confirmed", "Meeting changed"]
    assert all(f"({GUEST_TZ})" in text_of(m) for m in to_guest)
    assert all("(Europe/Berlin)" in text_of(m) for m in smtp.to("erin@example.com"))
    events = [ics_of(m).walk("VEVENT")[0] for m in to_guest]
    assert len({str(e["UID"]) for e in events}) == 1 and [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert str(events[1]["STATUS"]) == "CONFIRMED"


def test_a_reminder_due_across_a_restart_goes_out_once(server, smtp):
    open_agent("Rudi Round", "rudi@example.com", hours="00:00-24:00")
    server.stop()
    real_now = datetime.now(UTC)
    soon = (real_now + timedelta(minutes=5)).replace(second=0, microsecond=0)
    start = soon.replace(minute=(soon.minute // 30) * 30) + timedelta(minutes=30)  # 5 to 35 minutes from now
    # booked "yesterday" (the clock is passed in): its 60-minute reminder fell due while the server was down
    booking.book(BookingRequest(slug="rudi-round", start=start, duration=30, guest_name="Rita Restart",
                                guest_email="rita@example.com", guest_time_zone="Asia/Tokyo"),
                 now=real_now - timedelta(days=1))
    server.start()
    assert wait_for(lambda: any(m["Subject"].startswith("Reminder") for m in smtp.to("rita@example.com")))
    server.stop()
    server.start()
    time.sleep(3)
    reminders_sent = [m for m in smtp.to("rita@example.com") if m["Subject"].startswith("Reminder")]
    assert len(reminders_sent) == 1
    assert "(Asia/Tokyo)" in text_of(reminders_sent[0])
