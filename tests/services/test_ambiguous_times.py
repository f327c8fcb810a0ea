"""A meeting in the repeated hour of a fall-back night: every text a person reads names the UTC
offset (booking view, notices, every mail and the .ics description), on both sides."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from kite_app.persistence.db import transaction
from kite_app.persistence.models import OutboxMail
from kite_app.providers.mail.dispatcher import attachment
from kite_app.services import booking, conversations, meeting_changes, reminders
from kite_app.services.booking import BookingRequest
from tests.seed import open_agent

NEW_YORK = ZoneInfo("America/New_York")
FIRST = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK).astimezone(UTC)  # 01:30 EDT (UTC-4)
SECOND = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK, fold=1).astimezone(UTC)  # 01:30 EST (UTC-5)
NOW = datetime(2026, 10, 28, 12, 0, tzinfo=UTC)


def mails(kind):
    with transaction() as s:
        return s.exec(select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)).all()


def test_every_text_about_a_meeting_in_the_repeated_hour_names_the_offset(database):
    agent = open_agent("Nora", "nora@example.com", hours="00:00-03:00", time_zone="America/New_York",
                       slot_interval="30")
    view = booking.book(BookingRequest(slug=agent["slug"], start=FIRST, duration=30, guest_name="Gus",
                                       guest_email="gus@example.com", guest_time_zone="America/New_York"), now=NOW)
    first = "01:30 (UTC-4)–01:00 (UTC-5)"
    assert view["time_label"] == f"{first} (America/New_York)"
    for mail in mails("booked"):  # guest and agent are both in New York
        assert first in mail.body_text and first in mail.body_html and first in mail.subject
        assert first in attachment(mail).replace("\r\n ", "")  # the invitation's description

    moved = meeting_changes.change(view["manage_token"], start=SECOND, now=NOW)
    second = "01:30 (UTC-5)–02:00 (UTC-5)"
    assert moved["time_label"] == f"{second} (America/New_York)"
    for mail in mails("changed"):
        assert f"was Sunday 1 November 2026, {first}" in mail.body_text
        assert f"now Sunday 1 November 2026, {second}" in mail.body_text

    assert reminders.send_due(now=SECOND - timedelta(minutes=50)) == 1
    assert all(second in m.body_text for m in mails("reminder"))
    meeting_changes.cancel(view["manage_token"], now=NOW)
    assert all(second in m.body_text for m in mails("deleted"))

    texts = [m["text"] for m in conversations.open_for_guest(view["manage_token"], now=NOW)["messages"]]
    assert [first in t for t in texts] == [True, True, False, False]
    assert all(second in t for t in texts[1:])


def test_the_same_meeting_read_from_another_zone_needs_no_offset(database):
    agent = open_agent("Nora", "nora@example.com", hours="00:00-03:00", time_zone="America/New_York",
                       slot_interval="30")
    view = booking.book(BookingRequest(slug=agent["slug"], start=FIRST, duration=30, guest_name="Gus",
                                       guest_email="gus@example.com", guest_time_zone="Europe/Berlin"), now=NOW)
    assert view["time_label"] == "06:30–07:00 (Europe/Berlin)"
    guest_mail, agent_mail = sorted(mails("booked"), key=lambda m: m.to_email != "gus@example.com")
    assert "06:30–07:00 (Europe/Berlin)" in guest_mail.body_text
    assert "01:30 (UTC-4)–01:00 (UTC-5) (America/New_York)" in agent_mail.body_text
