"""What the booking page and the agent's pages need: the agent's description and photo, a reason for
deleting, the meeting as an .ics file, meetings found by a guest who logged in, and the Meetings filters."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import NotFound, PermissionDenied, ValidationError
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, Message, OutboxMail, User
from kite_app.providers.mail.dispatcher import attachment
from kite_app.services import accounts, availability, booking, guest_auth, meeting_changes, meeting_views, meetings
from tests.services.test_booking import MON_10, NOW, req

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_the_booking_page_shows_the_agents_description_and_photo(open_agent):
    actor, view, _cal = open_agent
    page = availability.booking_page("bob-agent")
    assert (page["description"], page["photo"], page["initials"]) == ("", "", "BA")
    accounts.update_own_profile(actor, name=view["name"], time_zone=view["time_zone"], now=NOW,
                                description="  I help   new customers.  ")
    with pytest.raises(ValidationError) as info:
        accounts.update_own_profile(actor, name=view["name"], time_zone=view["time_zone"], now=NOW,
                                    description="x" * 301)
    assert info.value.errors == {"description": "Keep the description under 300 characters."}

    for bad, message in ((b"<svg/>", "Choose a PNG, JPEG or WebP image."),
                         (PNG + b"\x00" * 2_000_000, "Choose a photo under 2 MB.")):
        with pytest.raises(ValidationError) as info:
            accounts.set_photo(actor, bad, now=NOW)
        assert info.value.errors == {"photo": message}
    accounts.set_photo(actor, PNG, now=NOW)
    page = availability.booking_page("bob-agent")
    assert page["description"] == "I help new customers."
    assert page["photo"].startswith("/api/v1/agents/bob-agent/photo?v=")
    assert accounts.agent_photo("bob-agent") == ("image/png", PNG)
    accounts.set_photo(actor, PNG, now=NOW)
    assert availability.booking_page("bob-agent")["photo"] != page["photo"]  # a new photo, a new address

    accounts.set_photo(actor, None, now=NOW)
    assert availability.booking_page("bob-agent")["photo"] == ""
    with pytest.raises(NotFound):
        accounts.agent_photo("bob-agent")


def test_only_agents_have_a_photo_and_only_when_signed_in(open_agent):
    with pytest.raises(PermissionDenied):
        accounts.set_photo(None, PNG, now=NOW)
    with transaction() as s:
        admin_id = s.exec(select(User).where(User.role == Role.ADMIN)).first().id
    with pytest.raises(PermissionDenied):
        accounts.set_photo(Actor(user_id=admin_id, role=Role.ADMIN), PNG, now=NOW)


@pytest.mark.parametrize("by", ["guest", "agent"])
def test_a_reason_for_deleting_reaches_the_other_side(open_agent, by):
    actor, _view, _cal = open_agent
    m = booking.book(req(), now=NOW)
    with transaction() as s:
        meeting_id = s.exec(select(Meeting)).one().id

    def delete(reason):
        if by == "guest":
            return meeting_changes.cancel(m["manage_token"], now=NOW, reason=reason)
        return meetings.delete(actor, meeting_id, now=NOW, reason=reason)

    with pytest.raises(ValidationError) as info:
        delete("x" * 501)
    assert info.value.errors == {"reason": "Keep the reason under 500 characters."}
    assert meeting_views.get(m["manage_token"], now=NOW)["status"] == "pending"  # nothing changed

    delete("  Sorry,\n something   came up. ")
    told = "gus@example.com" if by == "agent" else "bob@example.com"
    with transaction() as s:
        mail = s.exec(select(OutboxMail).where(OutboxMail.kind == "deleted", OutboxMail.to_email == told)).one()
        notice = s.exec(select(Message).order_by(Message.id.desc())).first()
    assert notice.notice["reason"] == "Sorry, something came up."
    assert "Reason: “Sorry, something came up.”" in mail.body_text


def test_a_deletion_without_a_reason_says_none(open_agent):
    m = booking.book(req(), now=NOW)
    meeting_changes.cancel(m["manage_token"], now=NOW, reason="   ")
    with transaction() as s:
        notice = s.exec(select(Message).order_by(Message.id.desc())).first()
    assert "reason" not in notice.notice


def test_the_meeting_as_an_ics_file_has_the_invitations_uid(open_agent):
    m = booking.book(req(subject="Pricing"), now=NOW)
    ics = meeting_views.calendar_file(m["manage_token"], now=NOW)
    with transaction() as s:
        meeting = s.exec(select(Meeting)).one()
        invite = attachment(s.exec(select(OutboxMail).where(OutboxMail.to_email == "gus@example.com")).one())
    assert f"UID:{meeting.uid}" in ics and f"UID:{meeting.uid}" in invite
    assert "METHOD:PUBLISH" in ics and "DTSTART:20261130T090000Z" in ics and "SUMMARY:Pricing" in ics
    assert "/manage/" in ics
    with pytest.raises(NotFound):
        meeting_views.calendar_file("not-a-link" * 4, now=NOW)


def test_a_guest_who_logged_in_gets_links_to_manage_meetings_this_browser_did_not_book(open_agent):
    m = booking.book(req(guest_email="Lou@Example.com"), now=NOW)
    guest_auth.request_code("lou@example.com", now=NOW)
    with transaction() as s:
        code = s.exec(select(OutboxMail).order_by(OutboxMail.id.desc())).first().body_text
    guest_auth.verify_code("lou@example.com", re.search(r"\b(\d{6})\b", code)[1], now=NOW)
    assert meeting_views.my_meetings([], slug="bob-agent", verified_email=None, now=NOW) == []
    [found] = meeting_views.my_meetings([], slug="bob-agent", verified_email="lou@example.com", now=NOW)
    assert found["manage_token"] and found["manage_token"] != m["manage_token"]
    assert meeting_views.get(found["manage_token"], now=NOW)["start"] == m["start"]  # the new link opens it
    # a link the browser holds is used as it is
    [held] = meeting_views.my_meetings([m["manage_token"]], slug="bob-agent", verified_email="lou@example.com", now=NOW)
    assert held["manage_token"] == m["manage_token"]


def test_meetings_filters_and_search_by_guest(open_agent):
    actor, _view, _cal = open_agent
    booking.book(req(guest_name="Ann 100%_Sure", guest_email="ann@example.com"), now=NOW)
    booking.book(req(start=MON_10 + timedelta(hours=1), guest_name="Ben Bright", guest_email="ben@example.com"),
                 now=NOW)
    with transaction() as s:
        ben = s.exec(select(Meeting).where(Meeting.guest_name == "Ben Bright")).one().id
    meetings.confirm(actor, ben, now=NOW)

    def names(**kw):
        return [c["guest_name"] for c in meetings.upcoming(actor, **kw)]

    assert names(now=NOW) == ["Ann 100%_Sure", "Ben Bright"]
    assert names(now=NOW, show="pending") == ["Ann 100%_Sure"]
    assert names(now=NOW, show="past") == []
    assert names(now=NOW, search="BEN@") == ["Ben Bright"]
    assert names(now=NOW, search="100%_s") == ["Ann 100%_Sure"]
    assert names(now=NOW, search="%") == ["Ann 100%_Sure"]  # a literal percent sign, not "anything"
    assert names(now=NOW, search="_") == ["Ann 100%_Sure"]
    later = MON_10 + timedelta(days=1)
    assert names(now=later, show="past") == ["Ben Bright", "Ann 100%_Sure"]  # newest first
    assert all(c["past"] for c in meetings.upcoming(actor, now=later, show="past"))
    with pytest.raises(ValidationError):
        meetings.upcoming(actor, now=NOW, show="everything")
