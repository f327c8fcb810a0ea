"""Meeting links: the admin's template or an agent's own room, or a Google Meet conference on a Google
calendar; the same link through every change, in every mail, .ics, feed and API answer."""

from datetime import timedelta

import icalendar
import pytest
from sqlmodel import select

from kite_app.domain.accounts import Actor, Role
from kite_app.domain.errors import PermissionDenied, ValidationError
from kite_app.domain.meeting_links import personal_link_error, template_error
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Meeting, Message, OutboxMail, User
from kite_app.providers.mail.dispatcher import attachment
from kite_app.services import (
    accounts,
    booking,
    built_in_calendar,
    calendar_settings,
    calendar_sync,
    calendar_writes,
    meeting_changes,
    meeting_links,
    meeting_views,
    reminders,
)
from tests.seed import edit_form
from tests.services.conftest import ADA, NOW
from tests.services.test_booking import MON_10, req
from tests.services.test_google_booking import book
from tests.services.test_google_booking import req as google_req

TEMPLATE = "https://meet.example.com/kite-{id}"


def admin_actor() -> Actor:
    with transaction() as s:
        return Actor(user_id=s.exec(select(User).where(User.role == Role.ADMIN)).first().id, role=Role.ADMIN)


def choose(actor: Actor, source: str) -> None:
    view = calendar_settings.view(actor)
    calendar_settings.save(actor, edit_form(view["form"], meeting_link=source), now=NOW)


def mails_to(email: str) -> list[OutboxMail]:
    with transaction() as s:
        return list(s.exec(select(OutboxMail).where(OutboxMail.to_email == email).order_by(OutboxMail.id)).all())


@pytest.mark.parametrize("template, message", [
    ("meet.example.com/kite-{id}", "Start the link with https:// (or http://)."),
    ("ftp://meet.example.com/{id}", "Start the link with https:// (or http://)."),
    ("https://meet.example.com/{room}", "Unknown placeholder {room}: the template may only use {id}."),
    ("https://meet.example.com/room", "Put {id} where each meeting's room id goes, like "
                                      "https://meet.example.com/kite-{id}."),
    ("https://meet.example.com/{id", "Write the placeholder as {id}."),
    ("https:///{id}", "Put the video service's address after https://, like https://meet.example.com/…"),
])
def test_bad_templates_are_refused_with_what_to_fix(template, message):
    assert template_error(template) == message


def test_good_links():
    assert template_error(TEMPLATE) is None and template_error("http://localhost:8443/r/{id}") is None
    assert personal_link_error("https://zoom.us/j/123456") is None and personal_link_error("") is None
    assert personal_link_error("https://zoom.us/{id}") == "Your own link is fixed: it has no placeholder."


def test_only_admins_set_the_rules_and_a_bad_template_changes_nothing(open_agent):
    actor, _view, _cal = open_agent
    with pytest.raises(PermissionDenied):
        meeting_links.save_policy(actor, template=TEMPLATE, allow_personal=True, allow_google_meet=True, now=NOW)
    with pytest.raises(ValidationError) as info:
        meeting_links.save_policy(admin_actor(), template="https://x.example.com/{room}", allow_personal=True,
                                  allow_google_meet=True, now=NOW)
    assert info.value.errors == {"template": "Unknown placeholder {room}: the template may only use {id}."}
    assert meeting_links.policy().template == ""


def test_an_agent_chooses_among_what_the_admin_allows(open_agent):
    actor, view, _cal = open_agent
    options = [o["value"] for o in calendar_settings.view(actor)["link_options"]]
    assert options == ["none", "personal"]  # no template yet; no Google calendar
    for source, message in (("template", "Your admin has not set a meeting link template."),
                            ("personal", "Add your own video link in your Profile first."),
                            ("google_meet", "Google Meet needs a Google calendar under “Add meetings to”."),
                            ("teleport", "Choose one of the meeting links offered.")):
        with pytest.raises(ValidationError) as info:
            choose(actor, source)
        assert info.value.errors == {"meeting_link": message}
    meeting_links.save_policy(admin_actor(), template=TEMPLATE, allow_personal=False, allow_google_meet=False,
                              now=NOW)
    assert [o["value"] for o in calendar_settings.view(actor)["link_options"]] == ["none", "template"]
    with pytest.raises(ValidationError) as info:
        accounts.update_own_profile(actor, name=view["name"], time_zone=view["time_zone"], now=NOW,
                                    video_url="zoom.us/j/1")
    assert info.value.errors == {"video_url": "Start the link with https:// (or http://)."}


def test_a_template_link_is_the_meetings_through_every_change_and_everywhere(open_agent):
    actor, _view, _cal = open_agent
    meeting_links.save_policy(admin_actor(), template=TEMPLATE, allow_personal=True, allow_google_meet=True, now=NOW)
    choose(actor, "template")
    first = booking.book(req(), now=NOW)
    second = booking.book(req(start=MON_10 + timedelta(hours=1), guest_email="ann@example.com"), now=NOW)
    link = first["meeting_url"]
    assert link.startswith("https://meet.example.com/kite-") and len(link.rsplit("-", 1)[1]) == 16
    assert second["meeting_url"] != link  # a room of its own: not guessable from another meeting's

    token = first["manage_token"]
    meeting_changes.change(token, now=NOW, start=MON_10 + timedelta(hours=3), duration=60)
    with transaction() as s:
        meeting_id = s.exec(select(Meeting).where(Meeting.guest_email == "gus@example.com")).one().id
    from kite_app.services import meetings
    meetings.change_duration(actor, meeting_id, 30, now=NOW)
    assert meeting_views.get(token, now=NOW)["meeting_url"] == link
    assert [c["meeting_url"] for c in meetings.upcoming(actor, now=NOW) if c["guest_email"] == "gus@example.com"] \
        == [link]

    for mail in mails_to("gus@example.com") + [m for m in mails_to("bob@example.com") if m.meeting_id == meeting_id]:
        assert link in mail.body_text and link in mail.body_html, mail.kind
        event = icalendar.Calendar.from_ical(attachment(mail)).walk("VEVENT")[0]
        assert str(event["LOCATION"]) == link and str(event["CONFERENCE"]) == link
        assert link in str(event["DESCRIPTION"])
    with transaction() as s:
        booked = s.exec(select(Message).order_by(Message.id)).first()
    assert booked.notice["meeting_url"] == link  # the conversation's notice says it
    ics = icalendar.Calendar.from_ical(meeting_views.calendar_file(token, now=NOW)).walk("VEVENT")[0]
    assert str(ics["LOCATION"]) == link
    feed_token = calendar_settings.view(actor)["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    feed = icalendar.Calendar.from_ical(built_in_calendar.meetings_ics(feed_token, now=NOW))
    assert link in [str(e.get("LOCATION")) for e in feed.walk("VEVENT")]

    meeting_changes.cancel(token, now=NOW)
    deleted = mails_to("gus@example.com")[-1]
    assert deleted.kind == "deleted" and link not in deleted.body_text
    assert "LOCATION" not in icalendar.Calendar.from_ical(attachment(deleted)).walk("VEVENT")[0]


def test_the_reminder_puts_the_link_first(open_agent):
    actor, _view, _cal = open_agent
    meeting_links.save_policy(admin_actor(), template=TEMPLATE, allow_personal=True, allow_google_meet=True, now=NOW)
    choose(actor, "template")
    link = booking.book(req(), now=NOW)["meeting_url"]
    reminders.send_due(now=MON_10 - timedelta(minutes=59))
    [reminder] = [m for m in mails_to("gus@example.com") if m.kind == "reminder"]
    lines = reminder.body_text.splitlines()
    assert lines[2].startswith("Reminder: the meeting starts") and lines[4] == f"Join the meeting: {link}"
    assert reminder.body_html.index("Join the meeting") < reminder.body_html.index("<table>")


def test_an_agents_own_link_and_none(open_agent):
    actor, view, _cal = open_agent
    accounts.update_own_profile(actor, name=view["name"], time_zone=view["time_zone"], now=NOW,
                                video_url="https://zoom.us/j/5551234")
    choose(actor, "personal")
    assert booking.book(req(), now=NOW)["meeting_url"] == "https://zoom.us/j/5551234"
    choose(actor, "none")
    assert booking.book(req(start=MON_10 + timedelta(hours=1)), now=NOW)["meeting_url"] == ""


def google_meet(fake, ada):
    actor = Actor(user_id=ada["id"], role=Role.AGENT)
    assert "google_meet" in [o["value"] for o in calendar_settings.view(actor)["link_options"]]
    choose(actor, "google_meet")
    return actor


def test_google_meet_is_created_once_and_its_link_arrives_when_ready(google):
    fake, ada = google
    actor = google_meet(fake, ada)
    fake.conference_polls = 3  # Google answers "pending" to the first reads
    fake.fail_writes_next(500, times=2)  # the first inserts fail: each retry asks with the same request id
    view = book(google_req())
    assert view["meeting_url"] == "" and view["link_pending"]
    seen_pending = 0
    for _ in range(6):  # the sync job's runs
        calendar_sync.retry_calendar_writes(now=NOW)
        now_view = meeting_views.get(view["manage_token"], now=NOW)
        if now_view["meeting_url"]:
            break
        seen_pending += now_view["link_pending"]
    assert seen_pending >= 1
    link = meeting_views.get(view["manage_token"], now=NOW)["meeting_url"]
    assert link.startswith("https://meet.google.com/")
    assert len(fake.conference_creates) == 1

    # both sides are told, with the link; later mails carry it
    ready = [m for m in mails_to("gus@example.net") if m.kind == "link_ready"]
    assert len(ready) == 1 and link in ready[0].body_text
    meeting_changes.change(view["manage_token"], now=NOW, start=MON_10 + timedelta(hours=2))
    with transaction() as s:
        meeting_id = s.exec(select(Meeting)).one().id
    from kite_app.services import meetings
    meetings.change_duration(actor, meeting_id, 60, now=NOW)
    calendar_writes.flush_calendar_writes()
    calendar_sync.retry_calendar_writes(now=NOW)
    assert meeting_views.get(view["manage_token"], now=NOW)["meeting_url"] == link
    assert len(fake.conference_creates) == 1  # no second conference on a change
    assert all("conferenceData" not in p for p in fake.patches)
    changed = [m for m in mails_to("gus@example.net") if m.kind == "changed"]
    assert changed and all(link in m.body_text for m in changed)


def test_an_insert_whose_answer_was_lost_makes_one_conference(google):
    """Google made the event and its conference but the answer never came: the retry finds the event
    (409 duplicate) and reads the same conference."""
    fake, ada = google
    google_meet(fake, ada)
    fake.lost_answers = 1
    view = book(google_req())
    for _ in range(4):
        calendar_sync.retry_calendar_writes(now=NOW)
    assert meeting_views.get(view["manage_token"], now=NOW)["meeting_url"].startswith("https://meet.google.com/")
    assert len(fake.conference_creates) == 1 and len(fake.events(ADA)) == 1


def test_a_conference_google_could_not_make_leaves_the_meeting_without_a_link(google):
    fake, ada = google
    google_meet(fake, ada)
    fake.conference_outcome = "failure"
    view = book(google_req())
    calendar_sync.retry_calendar_writes(now=NOW)
    after = meeting_views.get(view["manage_token"], now=NOW)
    assert after["meeting_url"] == "" and not after["link_pending"]
    assert len(fake.conference_creates) == 1
    assert ADA
