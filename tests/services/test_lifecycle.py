"""After "Schedule": conversations, agent actions, mails through a real SMTP server, reminders."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import select

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import NotFound, ValidationError
from kite_app.persistence.db import transaction
from kite_app.persistence.models import OutboxMail, Reminder
from kite_app.providers.mail.dispatcher import dispatch
from kite_app.providers.mail.smtp import SmtpSettings
from kite_app.services import accounts, booking, conversations, meeting_changes, meeting_views, meetings, reminders
from tests.servers.smtp import SmtpServer, ics_of, text_of
from tests.services.test_booking import MON_10, NOW, req

AGENT_MAIL = "bob@example.com"
GUEST_MAIL = "gus@example.com"


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def cfg(server) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=server.port, security="none", user="", password="",
                        sender="kite@example.com")


def outbox(kind=None):
    with transaction() as s:
        rows = s.exec(select(OutboxMail).order_by(OutboxMail.id)).all()
    return [r for r in rows if kind is None or r.kind == kind]


def test_booking_mails_both_sides_in_their_own_zones_with_an_invite(open_agent, smtp):
    actor, view, _cal = open_agent
    booked = booking.book(req(subject="Pricing"), now=NOW)
    assert dispatch(now=NOW, cfg=cfg(smtp)) == 2
    [to_guest], [to_agent] = smtp.to(GUEST_MAIL), smtp.to(AGENT_MAIL)
    assert "Monday 30 November 2026, 04:00–04:30 (America/New_York)" in text_of(to_guest)
    assert "Monday 30 November 2026, 10:00–10:30 (Europe/Berlin)" in text_of(to_agent)
    # the guest's mail carries the link their confirmation showed
    assert f"/manage/{booked['manage_token']}" in text_of(to_guest) and "/inbox" in text_of(to_agent)
    assert to_guest["Subject"] == "New meeting: Monday 30 November 2026, 04:00–04:30 (America/New_York)"
    cal = ics_of(to_guest)
    [event] = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "REQUEST" and event["SEQUENCE"] == 0 and str(event["STATUS"]) == "TENTATIVE"
    assert event["DTSTART"].dt == MON_10 and str(event["SUMMARY"]) == "Pricing"
    assert "04:00–04:30 (America/New_York)" in str(event["DESCRIPTION"])  # the mail's text, in the guest's zone
    assert dispatch(now=NOW + timedelta(minutes=5), cfg=cfg(smtp)) == 0  # nothing is sent twice


def test_a_mail_queued_with_its_finished_invitation_goes_out_with_it(database, smtp):
    """Mails queued before invitations were kept as facts carry the finished .ics text: it is sent as it is."""
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:old@kite\r\n"
           "SUMMARY:Queued earlier\r\nDTSTART:20261130T090000Z\r\nDTEND:20261130T093000Z\r\nEND:VEVENT\r\n"
           "END:VCALENDAR\r\n")
    with transaction() as s:
        s.add(OutboxMail(kind="booked", to_email=GUEST_MAIL, subject="New meeting", body_text="Hello", ics=ics,
                         created_at=NOW))
    assert dispatch(now=NOW, cfg=cfg(smtp)) == 1
    [event] = ics_of(smtp.to(GUEST_MAIL)[0]).walk("VEVENT")
    assert str(event["UID"]) == "old@kite" and str(event["SUMMARY"]) == "Queued earlier"


def test_agent_confirms_reschedules_and_deletes_and_both_hear_of_it(open_agent, smtp):
    actor, view, _cal = open_agent
    m = booking.book(req(), now=NOW)
    [mine] = meetings.upcoming(actor, now=NOW)
    assert mine["status"] == "pending" and mine["when"].startswith("Monday 30 November 2026, 10:00")
    meetings.confirm(actor, mine["id"], now=NOW)
    meetings.reschedule(actor, mine["id"], MON_10 + timedelta(hours=1), now=NOW)
    meetings.change_duration(actor, mine["id"], 45, now=NOW)  # agents may give any length from 15 to 360
    with pytest.raises(ValidationError):
        meetings.change_duration(actor, mine["id"], 400, now=NOW)
    meetings.delete(actor, mine["id"], now=NOW)
    dispatch(now=NOW, cfg=cfg(smtp))
    guest = smtp.to(GUEST_MAIL)
    assert [g["Subject"].split(":")[0] for g in guest] == ["New meeting", "Confirmed", "Meeting changed",
                                                        "Meeting changed", "Meeting deleted"]
    assert "was Monday 30 November 2026, 04:00–04:30 (America/New_York), now Monday 30 November 2026, " \
           "05:00–05:30 (America/New_York)" in text_of(guest[2])
    assert "from 30 to 45 minutes" in text_of(guest[3])
    sequences = [ics_of(g).walk("VEVENT")[0]["SEQUENCE"] for g in guest]
    assert sequences == [0, 1, 2, 3, 4]
    assert {str(ics_of(g).walk("VEVENT")[0]["UID"]) for g in guest} == {ics_of(guest[0]).walk("VEVENT")[0]["UID"]}
    assert str(ics_of(guest[-1])["METHOD"]) == "CANCEL"
    assert [a["Subject"].split(":")[0] for a in smtp.to(AGENT_MAIL)] == ["New meeting", "Meeting changed",
                                                                       "Meeting changed", "Meeting deleted"]
    assert meetings.upcoming(actor, now=NOW) == []
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "cancelled"


def test_one_conversation_per_guest_with_notices_in_each_readers_zone(open_agent):
    actor, view, _cal = open_agent
    first = booking.book(req(), now=NOW)
    booking.book(req(start=MON_10 + timedelta(hours=3)), now=NOW)
    [conv] = conversations.inbox(actor)
    assert conv["guest_email"] == GUEST_MAIL and conv["unread"] == 2
    agent_view = conversations.open_for_agent(actor, conv["id"], now=NOW)
    assert "10:00–10:30 (Europe/Berlin)" in agent_view["messages"][0]["text"]
    assert len(agent_view["meetings"]) == 2
    assert conversations.inbox(actor)[0]["unread"] == 0
    guest_view = conversations.open_for_guest(first["manage_token"], now=NOW)
    assert "04:00–04:30 (America/New_York)" in guest_view["messages"][0]["text"]

    conversations.guest_writes(first["manage_token"], "Can we talk about <b>pricing</b>?", now=NOW)
    assert conversations.inbox(actor)[0]["unread"] == 1
    conversations.agent_writes(actor, conv["id"], "Sure!", now=NOW)
    texts = [(m["author"], m["text"]) for m in conversations.open_for_guest(first["manage_token"], now=NOW)["messages"]]
    assert texts[-2:] == [("guest", "Can we talk about <b>pricing</b>?"), ("agent", "Sure!")]
    with pytest.raises(ValidationError):
        conversations.agent_writes(actor, conv["id"], "   ", now=NOW)


def test_a_returning_guest_keeps_their_conversation_under_the_name_they_gave_last(open_agent):
    actor, view, _cal = open_agent
    first = booking.book(req(), now=NOW)
    [conv] = conversations.inbox(actor)
    conversations.open_for_agent(actor, conv["id"], now=NOW)  # the agent has read the first notice
    booking.book(req(start=MON_10 + timedelta(hours=3), guest_name="Gus G. Guest", guest_time_zone="Asia/Tokyo"),
                 now=NOW + timedelta(minutes=5))
    [again] = conversations.inbox(actor)
    assert again["id"] == conv["id"] and again["guest_name"] == "Gus G. Guest"
    assert again["unread"] == 1  # what the agent read stays read
    assert conversations.open_for_agent(actor, conv["id"], now=NOW)["title"] == "Gus G. Guest <gus@example.com>"
    assert len(conversations.open_for_guest(first["manage_token"], now=NOW)["messages"]) == 2


def test_nobody_else_reaches_a_conversation_or_a_meeting(open_agent):
    actor, view, _cal = open_agent
    booking.book(req(), now=NOW)
    [conv] = conversations.inbox(actor)
    [mine] = meetings.upcoming(actor, now=NOW)
    carol = accounts.create_agent(Actor(user_id=1, role=Role.ADMIN), name="Carol", email="carol@example.com",
                                  time_zone="UTC", password="a long password", now=NOW)
    as_carol = Actor(user_id=carol["id"], role=Role.AGENT)
    with pytest.raises(NotFound):
        conversations.open_for_agent(as_carol, conv["id"], now=NOW)
    with pytest.raises(NotFound):
        conversations.agent_writes(as_carol, conv["id"], "hi", now=NOW)
    with pytest.raises(NotFound):
        meetings.delete(as_carol, mine["id"], now=NOW)
    with pytest.raises(NotFound):
        conversations.open_for_guest("guessed", now=NOW)
    assert meetings.upcoming(actor, now=NOW)[0]["status"] == "pending"


def test_smtp_down_loses_nothing_and_sends_each_mail_once(open_agent, smtp):
    booking.book(req(), now=NOW)
    smtp.stop()
    t = NOW
    for _ in range(12):  # an hour of retries against a dead server
        assert dispatch(now=t, cfg=cfg(smtp)) == 0
        t += timedelta(minutes=5)
    rows = outbox("booked")
    assert all(r.sent_at is None and r.attempts >= 10 and r.last_error for r in rows)
    smtp.start()
    assert dispatch(now=t + timedelta(minutes=5), cfg=cfg(smtp)) == 2
    assert dispatch(now=t + timedelta(minutes=10), cfg=cfg(smtp)) == 0
    assert len(smtp.inbox) == 2


def test_two_dispatchers_at_once_send_each_mail_once(open_agent, smtp):
    for h in (0, 1, 3, 4, 5):
        booking.book(req(start=MON_10 + timedelta(hours=h), guest_email=f"g{h}@example.com"), now=NOW)
    with ThreadPoolExecutor(max_workers=4) as pool:
        sent = sum(pool.map(lambda _: dispatch(now=NOW, cfg=cfg(smtp)), range(4)))
    assert sent == 10 and len(smtp.inbox) == 10


def test_reminders_go_out_once_move_with_the_meeting_and_stop_when_deleted(open_agent, smtp):
    actor, view, _cal = open_agent
    booking.book(req(start=MON_10 + timedelta(days=1)), now=NOW)  # Tuesday 10:00 Berlin, reminder at 09:00
    due = MON_10 + timedelta(days=1, hours=-1)
    assert reminders.send_due(now=due - timedelta(minutes=1)) == 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sum(pool.map(lambda _: reminders.send_due(now=due), range(4))) == 1
    assert reminders.send_due(now=due + timedelta(minutes=1)) == 0
    [reminder] = outbox("reminder")[:1]
    assert "Reminder" in reminder.subject
    dispatch(now=due, cfg=cfg(smtp))
    assert len([g for g in smtp.to(GUEST_MAIL) if g["Subject"].startswith("Reminder")]) == 1

    other = booking.book(req(start=MON_10 + timedelta(days=3), guest_email="o@example.com"), now=NOW)
    meeting_changes.change(other["manage_token"], now=NOW, start=MON_10 + timedelta(days=3, hours=1))
    with transaction() as s:
        planned = s.exec(select(Reminder).where(Reminder.status == "scheduled")).all()
    assert [r.remind_at for r in planned] == [MON_10 + timedelta(days=3)]
    meeting_changes.cancel(other["manage_token"], now=NOW)
    assert reminders.send_due(now=MON_10 + timedelta(days=3, minutes=30)) == 0


def test_a_reminder_missed_while_down_goes_out_if_the_meeting_has_not_begun(open_agent):
    booking.book(req(start=MON_10 + timedelta(days=1)), now=NOW)
    booking.book(req(start=MON_10 + timedelta(days=1, hours=3), guest_email="late@example.com"), now=NOW)
    # the server was down from 08:00 to 12:30 Berlin: the first meeting began, the second has not
    restart = MON_10 + timedelta(days=1, hours=2, minutes=30)
    assert reminders.send_due(now=restart) == 1
    assert [r.to_email for r in outbox("reminder")] == ["late@example.com", AGENT_MAIL]


def test_a_reminder_of_a_meeting_not_yet_confirmed_says_so_to_both_sides(open_agent):
    actor, _view, _cal = open_agent
    booking.book(req(start=MON_10 + timedelta(days=1)), now=NOW)  # pending: Bob has not said yes
    booking.book(req(start=MON_10 + timedelta(days=1, hours=4), guest_email="yes@example.com"), now=NOW)
    confirmed = [m for m in meetings.upcoming(actor, now=NOW) if m["guest_email"] == "yes@example.com"][0]
    meetings.confirm(actor, confirmed["id"], now=NOW)
    assert reminders.send_due(now=MON_10 + timedelta(days=1, hours=-1)) == 1  # 09:00 Berlin: the first one's
    assert reminders.send_due(now=MON_10 + timedelta(days=1, hours=3)) == 1  # 13:00: the confirmed one's
    mails = {(r.to_email, r.body_text.split("\n")[2]) for r in outbox("reminder")}
    assert mails == {
        (GUEST_MAIL, "Reminder: the meeting starts Tuesday 1 December 2026, 04:00–04:30 (America/New_York). "
                     "Bob Agent has not confirmed it yet."),
        (AGENT_MAIL, "Reminder: the meeting starts Tuesday 1 December 2026, 10:00–10:30 (Europe/Berlin). "
                     "You have not confirmed it yet: confirm, change or delete it in Kite."),
        ("yes@example.com", "Reminder: the meeting starts Tuesday 1 December 2026, 08:00–08:30 (America/New_York)."),
        (AGENT_MAIL, "Reminder: the meeting starts Tuesday 1 December 2026, 14:00–14:30 (Europe/Berlin)."),
    }, mails
    # the agent's conversation says it too
    texts = [m["text"] for c in conversations.inbox(actor)
             for m in conversations.open_for_agent(actor, c["id"], now=NOW)["messages"]]
    assert any(t.endswith("You have not confirmed it yet: confirm, change or delete it in Kite.") for t in texts)


def test_started_meetings_cannot_be_changed_by_the_agent(open_agent):
    actor, _view, _cal = open_agent
    booking.book(req(), now=NOW)
    [mine] = meetings.upcoming(actor, now=NOW)
    with pytest.raises(ValidationError, match="already started"):
        meetings.confirm(actor, mine["id"], now=MON_10 + timedelta(minutes=1))
    with pytest.raises(ValidationError, match="already started"):
        meetings.delete(actor, mine["id"], now=MON_10 + timedelta(minutes=1))


def test_login_codes_are_mailed_too(database, now, smtp):
    from kite_app.services import guest_auth

    guest_auth.request_code("lou@example.com", now=now)
    assert dispatch(now=now, cfg=cfg(smtp)) == 1
    [mail] = smtp.to("lou@example.com")
    code = mail["Subject"].rsplit(" ", 1)[1]
    assert len(code) == 6 and code in text_of(mail)
    assert guest_auth.verify_code("lou@example.com", code, now=now)
