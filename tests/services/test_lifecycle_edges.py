"""Edges of the meeting lifecycle that a new user hit: every change the guest makes is announced, the
agent's own actions are not unread for them, a longer duration into busy time keeps the old one, and
a meeting's event in the built-in calendar is read-only."""

from datetime import timedelta

import pytest
from sqlmodel import select

from kite_app.domain.errors import KiteError
from kite_app.domain.meeting import SlotTaken
from kite_app.persistence.db import transaction
from kite_app.persistence.models import OutboxMail
from kite_app.services import booking, built_in_calendar, conversations, meeting_changes, meetings
from tests.services.test_booking import MON_10, NOW, req


def mail_kinds():
    with transaction() as s:
        return [(m.kind, m.to_email) for m in s.exec(select(OutboxMail).order_by(OutboxMail.id))]


def test_a_guest_who_changes_only_the_subject_tells_the_agent(open_agent):
    actor, _view, _cal = open_agent
    m = booking.book(req(subject="Pricing"), now=NOW)
    changed = meeting_changes.change(m["manage_token"], subject="Pricing for 40 seats", now=NOW)
    assert changed["subject"] == "Pricing for 40 seats" and changed["start"] == m["start"]
    [conv] = conversations.inbox(actor)
    assert conv["unread"] == 2
    last = conversations.open_for_agent(actor, conv["id"], now=NOW)["messages"][-1]["text"]
    assert last.startswith("Subject changed from “Pricing” to “Pricing for 40 seats” by the guest")
    assert "10:00–10:30 (Europe/Berlin)" in last
    assert mail_kinds()[-2:] == [("changed", "gus@example.com"), ("changed", "bob@example.com")]

    meeting_changes.change(m["manage_token"], subject="Pricing for 40 seats", now=NOW)  # nothing changed: nothing said
    assert len(mail_kinds()) == 4 and conversations.inbox(actor)[0]["unread"] == 0


def test_the_agents_own_actions_are_not_unread_for_them(open_agent):
    actor, _view, _cal = open_agent
    m = booking.book(req(), now=NOW)
    [conv] = conversations.inbox(actor)
    assert conv["unread"] == 1  # the guest's booking
    conversations.open_for_agent(actor, conv["id"], now=NOW)
    [mine] = meetings.upcoming(actor, now=NOW)
    meetings.confirm(actor, mine["id"], now=NOW)
    meetings.change_duration(actor, mine["id"], 60, now=NOW)
    assert conversations.inbox(actor)[0]["unread"] == 0
    conversations.agent_writes(actor, conv["id"], "See you then", now=NOW)
    assert conversations.inbox(actor)[0]["unread"] == 0
    meeting_changes.cancel(m["manage_token"], now=NOW)
    assert conversations.inbox(actor)[0]["unread"] == 1  # the guest's deletion is news


def test_a_longer_duration_into_busy_time_says_so_and_keeps_the_old_one(open_agent):
    actor, _view, _cal = open_agent
    booking.book(req(), now=NOW)
    # the next meeting at 11:00; the agent keeps 15 minutes after each meeting
    booking.book(req(start=MON_10 + timedelta(minutes=60), guest_email="other@example.com"), now=NOW)
    first = next(m for m in meetings.upcoming(actor, now=NOW) if m["guest_email"] == "gus@example.com")
    with pytest.raises(SlotTaken) as refused:
        meetings.change_duration(actor, first["id"], 60, now=NOW)
    assert refused.value.code == "duration_overlaps_busy_time"
    assert refused.value.message == "A 60-minute meeting would overlap busy time, so the meeting keeps its 30 minutes."
    again = next(m for m in meetings.upcoming(actor, now=NOW) if m["id"] == first["id"])
    assert again["duration"] == 30 and again["when"] == first["when"]


def test_a_meetings_event_in_the_built_in_calendar_is_read_only(open_agent):
    actor, _view, _cal = open_agent
    booking.book(req(subject="Demo"), now=NOW)
    [row] = built_in_calendar.list_blocks(actor, now=NOW)
    assert row["title"] == "Demo" and row["meeting_status"] == "pending"
    with pytest.raises(KiteError) as refused:
        built_in_calendar.remove_block(actor, row["id"])
    assert "Meetings page" in refused.value.message
    assert [b["id"] for b in built_in_calendar.list_blocks(actor, now=NOW)] == [row["id"]]
    assert len(meetings.upcoming(actor, now=NOW)) == 1

    block = built_in_calendar.add_block(actor, calendar_id=_cal, title="Dentist", start="2026-12-01T10:00",
                                end="2026-12-01T11:00")
    assert block["meeting_status"] == ""
    built_in_calendar.remove_block(actor, block["id"])


def test_the_inbox_shows_each_conversations_last_words(open_agent):
    actor, _view, _cal = open_agent
    m = booking.book(req(), now=NOW)
    conversations.guest_writes(m["manage_token"], "Hello! " + "Could we also talk about the invoices " * 3, now=NOW)
    [conv] = conversations.inbox(actor)
    assert conv["guest_email"] == "gus@example.com"
    assert conv["preview"].startswith("Hello! Could we also talk about the invoices")
    assert conv["preview"].endswith("…") and len(conv["preview"]) <= conversations.PREVIEW_CHARS


def test_saving_without_a_working_day_says_guests_cannot_book(open_agent):
    from kite_app.services import calendar_settings
    from tests.seed import edit_form

    actor, _view, _cal = open_agent
    assert calendar_settings.view(actor)["warning"] == ""
    no_days = {f"day_{d}": "" for d in range(7)}
    view = calendar_settings.save(actor, edit_form(calendar_settings.view(actor)["form"], **no_days), now=NOW)
    assert view["warning"].startswith("No day has working hours, so guests cannot book with you yet.")
